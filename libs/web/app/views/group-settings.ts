import type { Ban, GroupChanges, GroupDetails, InvitePolicy, JoinPolicy } from '@parley/sdk';
import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { isAdmin } from '../state.js';
import { avatarColor, profileAvatar, updateAvatar } from './common.js';
import { confirmDialog, field, openDialog } from './dialog.js';
import { formatWhen, type GroupDeps } from './group-deps.js';
import { inviteLinksDialog } from './invite-dialogs.js';
import { noticesDialog } from './notice-dialogs.js';
import { SWATCHES } from './profile-forms.js';

const JOIN_LABELS: Record<JoinPolicy, string> = {
  open: 'Anyone with the group id',
  approval: 'On request, approved by an admin',
  invite: 'By invitation or invite link only',
};
const INVITE_LABELS: Record<InvitePolicy, string> = {
  friends: 'Members invite their friends only',
  anyone: 'Members invite anyone',
};

/**
 * The group's (or room's) settings: name, avatar color, description, who may join, whom members may
 * invite, and "only admins write". Admins change them; everyone else reads them. Below: notices, invite
 * links and bans (admins), and dissolving (the owner).
 */
export function groupSettingsDialog(deps: GroupDeps, conversationId: string, title: string): void {
  const group = deps.state().groups.get(conversationId);
  if (!group) {
    deps.notify('error', 'The group settings are still loading. Try again in a moment.');
    void deps.groups.loadGroup(conversationId);
    return;
  }
  const admin = isAdmin(group.myRole) && !group.dissolved;
  const isGroup = group.kind === 'group';
  openDialog(`${title} settings`, 'group-settings-dialog', (d) => {
    const name = h('input', { testid: 'group-settings-name', maxlength: 80, value: group.name, disabled: !admin || !isGroup });
    const description = h('textarea', { testid: 'group-settings-description', maxlength: 500, rows: 3, disabled: !admin, placeholder: admin ? 'What this group is about' : '' });
    description.value = group.description;
    const joinPolicy = h('select', { testid: 'group-settings-join-policy', disabled: !admin || !isGroup }, ...Object.entries(JOIN_LABELS).map(([v, l]) => h('option', { value: v }, l)));
    joinPolicy.value = group.joinPolicy;
    const invitePolicy = h('select', { testid: 'group-settings-invite-policy', disabled: !admin || !isGroup }, ...Object.entries(INVITE_LABELS).map(([v, l]) => h('option', { value: v }, l)));
    invitePolicy.value = group.invitePolicy;
    const muteAll = h('input', { type: 'checkbox', testid: 'group-settings-mute-all', disabled: !admin });
    muteAll.checked = group.muteAll;
    let color = avatarColor(group.avatar) ?? '';
    const preview = profileAvatar(group.name || title, group.avatar, 'lg');
    preview.classList.add('avatar-square');
    const swatches = h('div', { class: 'swatches', role: 'radiogroup', 'aria-label': 'Avatar color' });
    const paint = (): void => {
      updateAvatar(preview, name.value.trim() || title, color ? `initials:${color}` : '');
      for (const b of swatches.querySelectorAll<HTMLButtonElement>('.swatch')) b.setAttribute('aria-checked', String((b.dataset['color'] ?? '') === color));
    };
    for (const c of ['', ...SWATCHES]) {
      const b = h('button', { type: 'button', class: 'swatch', role: 'radio', 'data-color': c, 'aria-label': c || 'Automatic', testid: 'group-settings-swatch', disabled: !admin });
      if (c) b.style.setProperty('--swatch', c);
      else b.classList.add('swatch-auto');
      b.addEventListener('click', () => {
        color = c;
        paint();
      });
      swatches.append(b);
    }
    name.addEventListener('input', paint);
    paint();

    const save = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'group-settings-save', hidden: !admin }, 'Save');
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      h(
        'div',
        { class: 'profile-preview' },
        preview,
        h('div', {}, h('strong', {}, group.name || title), h('p', { class: 'muted', testid: 'group-settings-summary' }, summary(group))),
      ),
      admin ? null : h('p', { class: 'form-info', testid: 'group-settings-readonly' }, group.dissolved ? 'This group was dissolved: its settings stay as they were.' : 'Only the owner and admins change these.'),
      field('Name', name, isGroup ? undefined : 'A room keeps its name.'),
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Avatar color'), swatches),
      field('Description', description),
      isGroup ? field('Who may join', joinPolicy) : null,
      isGroup ? field('Invitations', invitePolicy) : null,
      h('label', { class: 'check-field' }, muteAll, h('span', {}, 'Only the owner and admins can write')),
      h('div', { class: 'dialog-actions' }, save),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!admin) return;
      const changes: GroupChanges = {};
      const newName = name.value.trim();
      if (isGroup && newName !== group.name) {
        if (!newName) return d.error('Give the group a name.');
        changes.name = newName;
      }
      const avatar = color ? `initials:${color}` : '';
      if (avatar !== group.avatar) changes.avatar = avatar;
      if (description.value.trim() !== group.description) changes.description = description.value.trim();
      if (isGroup && joinPolicy.value !== group.joinPolicy) changes.joinPolicy = joinPolicy.value as JoinPolicy;
      if (isGroup && invitePolicy.value !== group.invitePolicy) changes.invitePolicy = invitePolicy.value as InvitePolicy;
      if (muteAll.checked !== group.muteAll) changes.muteAll = muteAll.checked;
      if (Object.keys(changes).length === 0) return d.close();
      d.run(save, 'Saving…', () => deps.groups.updateGroup(conversationId, changes));
    });

    const more = h('div', { class: 'dialog-actions start wrap' });
    const add = (label: string, testid: string, onclick: () => void, danger = false): void => {
      more.append(h('button', { class: `btn btn-sm${danger ? ' btn-ghost danger-text' : ''}`, type: 'button', testid, onclick }, label));
    };
    add('Notices', 'group-notices', () => noticesDialog(deps, conversationId));
    if (admin && isGroup) add('Invite links', 'group-invite-links', () => inviteLinksDialog(deps, conversationId, title));
    if (admin) add('Banned', 'group-bans', () => bansDialog(deps, conversationId, title));
    if (group.myRole === 'owner' && isGroup && !group.dissolved) {
      add('Dissolve group', 'group-dissolve', () =>
        confirmDialog(`Dissolve ${title}?`, 'dissolve-dialog', 'Nobody can send to it any more, and nobody can join. Its members keep reading the history. This cannot be undone.', 'Dissolve', () => deps.groups.dissolve(conversationId)),
      true);
    }
    return [form, h('h3', { class: 'section-title' }, 'More'), more];
  });
}

function summary(g: GroupDetails): string {
  const parts = [`${g.memberCount} member${g.memberCount === 1 ? '' : 's'}`, `${g.adminCount} admin${g.adminCount === 1 ? '' : 's'}`, `you: ${g.myRole}`];
  if (g.dissolved) parts.push('dissolved');
  return parts.join(' · ');
}

/** Who is banned, with an "Unban" each (admins). */
function bansDialog(deps: GroupDeps, conversationId: string, title: string): void {
  openDialog(`Banned from ${title}`, 'bans-dialog', (d) => {
    const list = h('ul', { class: 'people-list', testid: 'ban-list' });
    const status = h('p', { class: 'muted', testid: 'bans-status' }, 'Loading…');
    const row = (b: Ban): HTMLElement => {
      const unban = h('button', { class: 'btn btn-sm', type: 'button', testid: 'unban' }, 'Unban');
      const li = h(
        'li',
        { class: 'person-row', testid: 'ban-item', 'data-handle': b.user.username },
        h('div', { class: 'person-text' }, h('span', { class: 'person-name' }, b.user.username), h('span', { class: 'person-sub muted' }, `banned ${formatWhen(b.bannedAt)}`)),
        h('div', { class: 'row-actions' }, unban),
      );
      unban.addEventListener('click', () => {
        unban.disabled = true;
        deps.groups.unban(conversationId, b.user.id).then(
          () => {
            li.remove();
            status.hidden = list.childElementCount > 0;
            status.textContent = 'Nobody is banned.';
          },
          (e: unknown) => {
            unban.disabled = false;
            d.error(describeError(e));
          },
        );
      });
      return li;
    };
    deps.groups.bans(conversationId).then(
      (bans) => {
        list.replaceChildren(...bans.map(row));
        status.hidden = bans.length > 0;
        status.textContent = 'Nobody is banned.';
      },
      (e: unknown) => (status.textContent = describeError(e)),
    );
    return [status, list];
  });
}
