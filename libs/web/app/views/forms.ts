import type { JoinPolicy } from '@parley/sdk';
import { h } from '../dom.js';
import type { Chat } from '../chat.js';
import { inviteCodeOf } from '../groups.js';
import { ROOM_RULE, usernameProblem } from './common.js';
import { field, openDialog } from './dialog.js';
import { UserPicker } from './user-picker.js';

/** The dialogs behind the sidebar and header buttons. `open` shows the resulting conversation. */
export interface FormDeps {
  readonly chat: Chat;
  readonly me: () => string;
  readonly open: (id: string) => void;
  /** Shows where an invite link (its code) leads, and joins on confirmation. */
  readonly joinLink: (code: string) => void;
}

export function newDirectDialog(deps: FormDeps): void {
  openDialog('New chat', 'direct-dialog', (d) => {
    const submit = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', testid: 'direct-submit' },
      'Start chat',
    );
    const picker = new UserPicker((p) => deps.chat.searchUsers(p), {
      multiple: false,
      exclude: () => [deps.me()],
      testid: 'direct-username',
      placeholder: 'Type a username',
      onPick: () => form.requestSubmit(),
    });
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      field('Who do you want to talk to?', picker.el, 'Start typing to see matching users.'),
      h('div', { class: 'dialog-actions' }, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const name = picker.input.value.trim().replace(/^@/, '').toLowerCase();
      const problem = usernameProblem(name);
      if (problem) return d.error(problem);
      if (name === deps.me()) return d.error('That is you. Pick someone else to chat with.');
      d.run(submit, 'Starting…', async () => deps.open(await deps.chat.startDirect(name)));
    });
    return [form];
  });
}

export function newGroupDialog(deps: FormDeps): void {
  openDialog('New group', 'group-dialog', (d) => {
    const name = h('input', {
      testid: 'group-name',
      maxlength: 80,
      placeholder: 'e.g. Weekend trip',
      autocomplete: 'off',
    });
    const picker = new UserPicker((p) => deps.chat.searchUsers(p), {
      multiple: true,
      exclude: () => [deps.me()],
      testid: 'group-members',
      placeholder: 'Add people by username',
    });
    const submit = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', testid: 'group-submit' },
      'Create group',
    );
    const policy = h(
      'select',
      { testid: 'group-join-policy' },
      h('option', { value: 'invite' }, 'By invitation or invite link only'),
      h('option', { value: 'approval' }, 'On request, approved by an admin'),
      h('option', { value: 'open' }, 'Anyone with the group id'),
    );
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      field('Group name', name),
      field('Members', picker.el, 'Optional. Separate usernames with commas; you can add people later too.'),
      field('Who may join', policy, 'You are the owner; you and your admins can change it later.'),
      h('div', { class: 'dialog-actions' }, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const groupName = name.value.trim();
      if (!groupName) return d.error('Give the group a name.');
      const members = picker.values().filter((n) => n !== deps.me());
      const bad = members.find((n) => usernameProblem(n));
      if (bad) return d.error(`"${bad}" is not a valid username. ${usernameProblem(bad)}`);
      const joinPolicy = policy.value as JoinPolicy;
      d.run(submit, 'Creating…', async () => deps.open(await deps.chat.createGroup(groupName, members, joinPolicy)));
    });
    return [form];
  });
}

export function joinDialog(deps: FormDeps): void {
  openDialog('Join a room or group', 'join-dialog', (d) => {
    const room = h('input', {
      testid: 'join-room-name',
      maxlength: 65,
      placeholder: 'e.g. general',
      autocomplete: 'off',
      autocapitalize: 'none',
    });
    const roomSubmit = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', testid: 'join-room-submit' },
      'Join room',
    );
    const roomForm = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      field(
        'Room name',
        room,
        'Rooms are open to everyone. Joining a room that does not exist yet creates it.',
      ),
      h('div', { class: 'dialog-actions' }, roomSubmit),
    );
    roomForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const name = room.value.trim().replace(/^#/, '');
      if (!ROOM_RULE.test(name))
        return d.error('A room name is 1 to 64 characters: letters, digits, _ and -.');
      d.run(roomSubmit, 'Joining…', async () => deps.open(await deps.chat.joinRoom(name)));
    });

    const group = h('input', {
      testid: 'join-group-id',
      maxlength: 300,
      placeholder: 'g.01H… or an invite link',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    const note = h('input', { testid: 'join-group-note', maxlength: 500, placeholder: 'Optional', autocomplete: 'off' });
    const groupSubmit = h(
      'button',
      { class: 'btn', type: 'submit', testid: 'join-group-submit' },
      'Join group',
    );
    const groupForm = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      field('Group id or invite link', group, 'Ask a member for it: the id is shown in the group’s member list.'),
      field('A note for the admins', note, 'For groups that approve who joins.'),
      h('div', { class: 'dialog-actions' }, groupSubmit),
    );
    groupForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const code = inviteCodeOf(group.value);
      if (code) {
        d.close();
        return deps.joinLink(code);
      }
      let id = group.value.trim();
      if (id && !id.startsWith('g.')) id = `g.${id}`;
      if (!/^g\.[A-Za-z0-9_-]{1,64}$/.test(id))
        return d.error(
          'That does not look like a group id or an invite link. An id starts with "g." followed by letters and digits.',
        );
      d.run(groupSubmit, 'Joining…', async () => {
        const joined = await deps.chat.joinGroup(id, note.value.trim() || undefined);
        if (joined) deps.open(joined);
        else deps.chat.notify('info', 'The group approves who joins: your request is waiting for an admin.');
      });
    });
    return [roomForm, h('div', { class: 'divider' }, h('span', {}, 'or')), groupForm];
  });
}

export function addMembersDialog(
  deps: FormDeps,
  conversationId: string,
  groupName: string,
  onAdded: () => void,
): void {
  openDialog(`Add people to ${groupName}`, 'add-members-dialog', (d) => {
    const picker = new UserPicker((p) => deps.chat.searchUsers(p), {
      multiple: true,
      exclude: () => [deps.me()],
      testid: 'add-members-input',
      placeholder: 'Usernames, separated by commas',
    });
    const submit = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', testid: 'add-members-submit' },
      'Add',
    );
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      field('People', picker.el),
      h('div', { class: 'dialog-actions' }, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const names = picker.values();
      if (names.length === 0) return d.error('Type at least one username.');
      const bad = names.find((n) => usernameProblem(n));
      if (bad) return d.error(`"${bad}" is not a valid username. ${usernameProblem(bad)}`);
      d.run(submit, 'Adding…', async () => {
        const added = await deps.chat.addMembers(conversationId, names);
        onAdded();
        deps.chat.notify(
          'info',
          added.length ? `Added ${added.map((u) => u.username).join(', ')}.` : 'They are members already.',
        );
      });
    });
    return [form];
  });
}

export function confirmLeaveDialog(
  deps: FormDeps,
  conversationId: string,
  title: string,
  kind: 'group' | 'room',
): void {
  openDialog(`Leave ${title}?`, 'leave-dialog', (d) => {
    const submit = h(
      'button',
      { class: 'btn btn-danger', type: 'submit', testid: 'leave-confirm' },
      `Leave ${kind}`,
    );
    const cancel = h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel');
    const form = h(
      'form',
      { class: 'dialog-form' },
      h(
        'p',
        {},
        kind === 'room'
          ? 'You will stop getting messages from this room. You can join it again any time by its name.'
          : 'You will stop getting messages from this group. To come back, ask a member to invite you (or join again, if it is open). An owner hands the group to someone else first.',
      ),
      h('div', { class: 'dialog-actions' }, cancel, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      d.run(submit, 'Leaving…', async () => {
        await deps.chat.leave(conversationId);
        deps.open('');
      });
    });
    return [form];
  });
}
