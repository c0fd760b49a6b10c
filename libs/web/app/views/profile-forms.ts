import type { OwnProfile } from '@parley/sdk';
import { HANDLE } from '@parley/protocol';
import { h } from '../dom.js';
import type { Social } from '../social.js';
import { avatarColor, profileAvatar, updateAvatar } from './common.js';
import { field, openDialog } from './dialog.js';

/** Colors offered for the initials avatar; any other comes from the color input. */
export const SWATCHES = ['#4f46e5', '#0891b2', '#059669', '#ca8a04', '#ea580c', '#dc2626', '#db2777', '#7c3aed', '#475569'];

/** A profile's handle: 3-32 letters, digits, _ . - of any script (the server applies NFKC and checks again). */

/**
 * Edits the display name, bio, avatar color, who may message the profile, who sees it online and whether
 * it sends read receipts; `remove` (absent for the login's last profile) deletes it.
 */
export function editProfileDialog(social: Social, profile: OwnProfile, remove: (() => Promise<void>) | undefined): void {
  openDialog('Edit profile', 'profile-dialog', (d) => {
    const name = h('input', { testid: 'profile-display-name', maxlength: 64, value: profile.displayName, autocomplete: 'nickname' });
    const bio = h('textarea', { testid: 'profile-bio', maxlength: 280, rows: 3, placeholder: 'A few words about you' });
    bio.value = profile.bio;
    let color = avatarColor(profile.avatar) ?? '';
    const preview = profileAvatar(profile.displayName, profile.avatar, 'lg');
    const picker = h('input', { type: 'color', testid: 'profile-color', 'aria-label': 'Custom color', value: color || '#4f46e5' });
    const swatches = h('div', { class: 'swatches', role: 'radiogroup', 'aria-label': 'Avatar color' });
    const paint = (): void => {
      updateAvatar(preview, name.value.trim() || profile.handle, color ? `initials:${color}` : '');
      for (const b of swatches.querySelectorAll<HTMLButtonElement>('.swatch')) {
        b.setAttribute('aria-checked', String((b.dataset['color'] ?? '') === color));
      }
    };
    const swatch = (c: string, label: string): HTMLButtonElement => {
      const b = h('button', { type: 'button', class: 'swatch', role: 'radio', 'data-color': c, 'aria-label': label, testid: 'profile-swatch' });
      if (c) b.style.setProperty('--swatch', c);
      else b.classList.add('swatch-auto');
      b.addEventListener('click', () => {
        color = c;
        paint();
      });
      return b;
    };
    swatches.append(swatch('', 'Automatic'), ...SWATCHES.map((c) => swatch(c, c)), picker);
    picker.addEventListener('input', () => {
      color = picker.value;
      paint();
    });
    name.addEventListener('input', paint);
    const directFrom = h(
      'select',
      { testid: 'profile-direct-from' },
      h('option', { value: 'everyone' }, 'Everyone'),
      h('option', { value: 'friends' }, 'Only my friends'),
    );
    directFrom.value = profile.directFrom;
    const readReceipts = h('input', { type: 'checkbox', testid: 'read-receipts-toggle' });
    // A server from before these settings leaves them out: the defaults (on, everyone).
    readReceipts.checked = (profile.readReceipts as boolean | undefined) !== false;
    const presence = h(
      'select',
      { testid: 'presence-visibility' },
      h('option', { value: 'everyone' }, 'Everyone I chat with'),
      h('option', { value: 'contacts' }, 'Only my friends'),
      h('option', { value: 'nobody' }, 'Nobody'),
    );
    presence.value = (profile.presence as string | undefined) ?? 'everyone';
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'profile-submit' }, 'Save');
    const removeBtn = h('button', { class: 'btn btn-ghost danger-text', type: 'button', testid: 'profile-delete', hidden: !remove }, 'Delete profile');
    removeBtn.addEventListener('click', () => {
      d.close();
      if (remove) confirmDeleteProfileDialog(profile, remove);
    });
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      h('div', { class: 'profile-preview' }, preview, h('div', {}, h('strong', {}, `@${profile.handle}`), h('p', { class: 'muted' }, 'Your handle cannot change.'))),
      field('Display name', name),
      field('Bio', bio, 'Up to 280 characters; anyone who finds you sees it.'),
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Avatar color'), swatches),
      field('Who may start a direct chat with you', directFrom),
      field('Who sees when you are online and last seen', presence),
      h('label', { class: 'check-field' }, readReceipts, 'Send read receipts (off: you see no one else\'s either)'),
      h('div', { class: 'dialog-actions spread' }, removeBtn, submit),
    );
    paint();
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const displayName = name.value.trim();
      if (!displayName) return d.error('Enter a display name.');
      d.run(submit, 'Saving…', () =>
        social.updateProfile(profile.id, {
          displayName,
          bio: bio.value.trim(),
          avatar: color ? `initials:${color}` : '',
          directFrom: directFrom.value === 'friends' ? 'friends' : 'everyone',
          readReceipts: readReceipts.checked,
          presence: presence.value === 'contacts' || presence.value === 'nobody' ? presence.value : 'everyone',
        }),
      );
    });
    return [form];
  });
}

function confirmDeleteProfileDialog(profile: OwnProfile, remove: () => Promise<void>): void {
  openDialog(`Delete @${profile.handle}?`, 'delete-profile-dialog', (d) => {
    const submit = h('button', { class: 'btn btn-danger', type: 'submit', testid: 'delete-profile-confirm' }, 'Delete profile');
    const form = h(
      'form',
      { class: 'dialog-form' },
      h('p', {}, 'Its conversations, friends and settings go with it, and its devices are signed out. You continue as another of your profiles. This cannot be undone.'),
      h('div', { class: 'dialog-actions' }, h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      d.run(submit, 'Deleting…', remove);
    });
    return [form];
  });
}

/** A further profile of the login; `created` switches to it. */
export function newProfileDialog(social: Social, created: (profile: OwnProfile) => Promise<void>): void {
  openDialog('New profile', 'new-profile-dialog', (d) => {
    const handle = h('input', { testid: 'new-profile-handle', maxlength: 32, autocapitalize: 'none', spellcheck: 'false', placeholder: 'e.g. alice.work' });
    const name = h('input', { testid: 'new-profile-display-name', maxlength: 64, placeholder: 'Optional' });
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'new-profile-submit' }, 'Create and switch');
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      h('p', { class: 'muted' }, 'A profile has its own handle, conversations and friends. Switch between your profiles without your password.'),
      field('Handle', handle, '3-32 letters, digits, _ . - (any script).'),
      field('Display name', name),
      h('div', { class: 'dialog-actions' }, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const h_ = handle.value.trim().replace(/^@/, '').normalize('NFKC');
      if (!HANDLE.test(h_)) return d.error('A handle is 3 to 32 letters, digits, _ . or -.');
      const displayName = name.value.trim() || undefined;
      d.run(submit, 'Creating…', async () => created(await social.createProfile(h_, displayName)));
    });
    return [form];
  });
}

/** A private name for a person or a conversation, that only the user sees; empty removes it. */
export function remarkDialog(title: string, current: string, save: (remark: string) => Promise<void>): void {
  openDialog(title, 'remark-dialog', (d) => {
    const input = h('input', { testid: 'remark-input', maxlength: 64, value: current, placeholder: 'A name only you see' });
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'remark-submit' }, 'Save');
    const form = h(
      'form',
      { class: 'dialog-form', novalidate: true },
      field('Remark', input, 'Only you see it, on all your devices. Leave it empty to remove it.'),
      h('div', { class: 'dialog-actions' }, submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      d.run(submit, 'Saving…', () => save(input.value.trim()));
    });
    return [form];
  });
}
