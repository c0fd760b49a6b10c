import type { AppState } from '../state.js';
import { isMuted, titleOf } from '../state.js';
import type { Social } from '../social.js';
import { openMenu, type MenuItem } from './menu.js';
import { remarkDialog } from './profile-forms.js';

export interface ProfileMenuActions {
  switchTo(profileId: string): void;
  edit(): void;
  create(): void;
  logout(): void;
}

/** The profile switcher's menu: the login's profiles (switch without a password), edit, new profile, log out. */
export function profileMenu(anchor: HTMLElement, state: AppState, actions: ProfileMenuActions): void {
  const current = state.me?.id;
  const items: MenuItem[] = [{ heading: 'Your profiles' }];
  const profiles = state.profiles.length ? state.profiles : [];
  for (const p of profiles) {
    items.push({
      label: p.displayName === p.handle ? `@${p.handle}` : `${p.displayName} (@${p.handle})`,
      testid: 'profile-option',
      icon: 'account',
      checked: p.id === current,
      attrs: { 'data-profile-id': p.id, 'data-handle': p.handle },
      onSelect: () => {
        if (p.id !== current) actions.switchTo(p.id);
      },
    });
  }
  items.push(
    { label: 'New profile…', testid: 'profile-new', icon: 'add', onSelect: () => actions.create() },
    'separator',
    { label: 'Edit profile…', testid: 'profile-edit', icon: 'edit', onSelect: () => actions.edit() },
    { label: 'Log out', testid: 'profile-logout', icon: 'logout', onSelect: () => actions.logout() },
  );
  openMenu(anchor, 'profile-menu', items, 'Profiles');
}

const HOUR = 3_600_000;

/** A conversation's menu: pin to the top, mute (1 h / 8 h / always) or unmute, hide, remark. */
export function conversationMenu(
  anchor: HTMLElement,
  id: string,
  state: AppState,
  social: Social,
  notify: (kind: 'error' | 'info', text: string) => void,
): void {
  const conv = state.conversations.get(id);
  if (!conv) return;
  const set = (changes: Parameters<Social['setConversationSettings']>[1]): void => {
    social.setConversationSettings(id, changes).catch((e: unknown) => notify('error', `Could not change the conversation: ${e instanceof Error ? e.message : String(e)}`));
  };
  const muted = isMuted(conv);
  const items: MenuItem[] = [
    conv.settings.pinned
      ? { label: 'Unpin', testid: 'conversation-menu-unpin', icon: 'pin', onSelect: () => set({ pinned: false }) }
      : { label: 'Pin to top', testid: 'conversation-menu-pin', icon: 'pin', onSelect: () => set({ pinned: true }) },
    'separator',
    { heading: muted ? (conv.settings.muteUntil === -1 ? 'Muted until you unmute' : `Muted until ${new Date(conv.settings.muteUntil).toLocaleString()}`) : 'Mute' },
    { label: 'For 1 hour', testid: 'conversation-menu-mute-1h', icon: 'muted', onSelect: () => set({ muteUntil: Date.now() + HOUR }) },
    { label: 'For 8 hours', testid: 'conversation-menu-mute-8h', icon: 'muted', onSelect: () => set({ muteUntil: Date.now() + 8 * HOUR }) },
    { label: 'Until I unmute', testid: 'conversation-menu-mute-always', icon: 'muted', checked: conv.settings.muteUntil === -1 ? true : undefined, onSelect: () => set({ muteUntil: -1 }) },
  ];
  if (muted) items.push({ label: 'Unmute', testid: 'conversation-menu-unmute', icon: 'check', onSelect: () => set({ muteUntil: 0 }) });
  items.push(
    'separator',
    {
      label: 'Remark…',
      testid: 'conversation-menu-remark',
      icon: 'edit',
      onSelect: () => remarkDialog(`Remark for ${titleOf(conv, state)}`, conv.settings.remark, (remark) => social.setConversationSettings(id, { remark })),
    },
    {
      label: 'Hide',
      testid: 'conversation-menu-hide',
      icon: 'hide',
      onSelect: () => {
        set({ hidden: true });
        notify('info', `${titleOf(conv, state)} is hidden until a new message arrives.`);
      },
    },
  );
  openMenu(anchor, 'conversation-menu-list', items, 'Conversation options');
}
