import type { InviteLink } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { describeError } from '../errors.js';
import { inviteUrl } from '../groups.js';
import { icon } from '../icons.js';
import { plural } from '../format.js';
import { profileAvatar, usernameProblem } from './common.js';
import { field, openDialog } from './dialog.js';
import { formatWhen, type GroupDeps } from './group-deps.js';
import { UserPicker } from './user-picker.js';

/**
 * Invites people to a group: tick friends, or type handles. Each invitee is checked on their side
 * (friends only, unless the group lets members invite anyone) and finds the invitation in their inbox.
 */
export function inviteDialog(deps: GroupDeps, conversationId: string, title: string): void {
  openDialog(`Invite people to ${title}`, 'invite-dialog', (d) => {
    const state = deps.state();
    const me = state.me?.username ?? '';
    const group = state.groups.get(conversationId);
    const friends = h('ul', { class: 'invite-friends', testid: 'invite-friends' });
    const ticked = new Set<string>();
    for (const f of state.social.friends) {
      const box = h('input', { type: 'checkbox', testid: 'invite-friend-check', value: f.profile.handle });
      box.addEventListener('change', () => (box.checked ? ticked.add(f.profile.handle) : ticked.delete(f.profile.handle)));
      friends.append(
        h(
          'li',
          {},
          h(
            'label',
            { class: 'invite-friend', testid: 'invite-friend', 'data-handle': f.profile.handle },
            box,
            profileAvatar(f.profile.displayName || f.profile.handle, f.profile.avatar, 'sm'),
            h('span', { class: 'member-name' }, f.remark || f.profile.displayName, h('span', { class: 'muted' }, ` @${f.profile.handle}`)),
          ),
        ),
      );
    }
    const picker = new UserPicker((p) => deps.chat.searchUsers(p), {
      multiple: true,
      exclude: () => [me],
      testid: 'invite-usernames',
      placeholder: 'Usernames, separated by commas',
    });
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'invite-submit' }, 'Send invitations');
    const hint =
      group?.invitePolicy === 'anyone'
        ? 'Anyone may be invited. They join when they accept.'
        : 'Members may invite their friends only. They join when they accept.';
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      state.social.friends.length
        ? h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Your friends'), friends)
        : h('p', { class: 'muted' }, 'You have no friends here yet: type handles below.'),
      field('Others by handle', picker.el, hint),
      h('div', { class: 'dialog-actions' }, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const names = [...new Set([...ticked, ...picker.values()])].filter((n) => n !== me);
      if (names.length === 0) return d.error('Pick a friend or type a handle.');
      const bad = names.find((n) => usernameProblem(n));
      if (bad) return d.error(`"${bad}" is not a valid username. ${usernameProblem(bad)}`);
      d.run(submit, 'Inviting…', async () => {
        const invited = await deps.groups.invite(conversationId, names);
        deps.notify('info', invited.length ? `Invited ${invited.map((u) => u.username).join(', ')}.` : 'Nobody new to invite: they are members or invited already.');
      });
    });
    return [form];
  });
}

const EXPIRIES: Array<[number, string]> = [
  [3600, '1 hour'],
  [86_400, '1 day'],
  [604_800, '7 days'],
  [2_592_000, '30 days'],
];

/** The group's invite links (admins): make one with an expiry and a use limit, copy it, revoke it. */
export function inviteLinksDialog(deps: GroupDeps, conversationId: string, title: string): void {
  openDialog(`Invite links of ${title}`, 'invite-links-dialog', (d) => {
    const list = h('ul', { class: 'people-list', testid: 'invite-link-list' });
    const status = h('p', { class: 'muted', testid: 'invite-links-status' }, 'Loading…');
    const expiry = h('select', { testid: 'invite-link-expiry' }, ...EXPIRIES.map(([s, label]) => h('option', { value: s }, label)));
    expiry.value = '604800';
    const maxUses = h('input', { type: 'number', testid: 'invite-link-max-uses', min: 0, max: 100000, value: 0, inputmode: 'numeric' });
    const create = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'invite-link-create' }, 'Create link');
    const showEmpty = (): void => {
      status.hidden = list.childElementCount > 0;
      status.textContent = 'No live links. Anyone with a link joins, whatever the join setting.';
    };
    const row = (link: InviteLink): HTMLElement => {
      const url = inviteUrl(link.code);
      const copy = h('button', { class: 'btn btn-sm', type: 'button', testid: 'invite-link-copy', title: 'Copy the link' }, icon('copy', 15), h('span', { class: 'btn-label' }, 'Copy'));
      const revoke = h('button', { class: 'btn btn-sm', type: 'button', testid: 'invite-link-revoke', title: 'Revoke the link' }, icon('close', 15), h('span', { class: 'btn-label' }, 'Revoke'));
      const li = h(
        'li',
        { class: 'person-row', testid: 'invite-link', 'data-code': link.code },
        h(
          'div',
          { class: 'person-text' },
          h('code', { class: 'group-id', testid: 'invite-link-url' }, url),
          h('span', { class: 'person-sub muted' }, `${link.maxUses ? `${link.uses} of ${link.maxUses} uses` : plural(link.uses, 'use')} · until ${formatWhen(link.expiresAt)} · by ${link.createdBy.username}`),
        ),
        h('div', { class: 'row-actions' }, copy, revoke),
      );
      copy.addEventListener('click', () => {
        void navigator.clipboard?.writeText(url).then(
          () => setText(copy.querySelector('.btn-label') ?? copy, 'Copied'),
          () => deps.notify('error', 'Could not copy: select the link and copy it yourself.'),
        );
      });
      revoke.addEventListener('click', () => {
        revoke.disabled = true;
        deps.groups.revokeInviteLink(conversationId, link.code).then(
          () => {
            li.remove();
            showEmpty();
          },
          (e: unknown) => {
            revoke.disabled = false;
            d.error(describeError(e));
          },
        );
      });
      return li;
    };
    deps.groups.inviteLinks(conversationId).then(
      (links) => {
        list.replaceChildren(...links.map(row));
        showEmpty();
      },
      (e: unknown) => {
        status.textContent = describeError(e);
      },
    );
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      h('div', { class: 'inline-form' }, field('Works for', expiry), field('Uses (0: no limit)', maxUses)),
      h('div', { class: 'dialog-actions' }, create),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const uses = Number(maxUses.value || '0');
      if (!Number.isInteger(uses) || uses < 0 || uses > 100_000) return d.error('Uses is a whole number from 0 (no limit) to 100000.');
      create.disabled = true;
      d.error(undefined);
      deps.groups.createInviteLink(conversationId, Number(expiry.value), uses).then(
        (link) => {
          create.disabled = false;
          list.prepend(row(link));
          showEmpty();
        },
        (e: unknown) => {
          create.disabled = false;
          d.error(describeError(e));
        },
      );
    });
    return [form, h('h3', { class: 'section-title' }, 'Live links'), status, list];
  });
}

/** Shows where an invite link leads and joins on confirmation; `done` gets the group's id. */
export function joinLinkDialog(deps: GroupDeps, code: string, done: (id: string) => void): void {
  openDialog('Join by invite link', 'join-link-dialog', (d) => {
    const name = h('strong', { class: 'person-name', testid: 'join-link-name' }, 'Loading…');
    const sub = h('span', { class: 'person-sub muted', testid: 'join-link-members' });
    const description = h('p', { class: 'person-bio', testid: 'join-link-description', hidden: true });
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'join-link-submit', disabled: true }, 'Join group');
    deps.groups.previewLink(code).then(
      (preview) => {
        const c = preview.conversation;
        setText(name, c.name || 'Unnamed group');
        setText(sub, `${plural(c.memberCount, 'member')} · link works until ${formatWhen(preview.expiresAt)}`);
        description.textContent = c.description;
        description.hidden = !c.description;
        submit.disabled = false;
      },
      (e: unknown) => {
        setText(name, 'This link does not work');
        d.error(describeError(e));
      },
    );
    const form = h(
      'form',
      { class: 'dialog-form' },
      h('div', { class: 'person-text join-link-preview' }, name, sub, description),
      h('div', { class: 'dialog-actions' }, h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      d.run(submit, 'Joining…', async () => done(await deps.chat.joinByLink(code)));
    });
    return [form];
  });
}
