import type { Chat } from '../chat.js';
import type { Groups } from '../groups.js';
import type { AppState } from '../state.js';

/** What the group dialogs and panels need: the controllers, the current state, and where to go next. */
export interface GroupDeps {
  readonly groups: Groups;
  readonly chat: Chat;
  readonly state: () => AppState;
  /** Shows a conversation. */
  readonly open: (id: string) => void;
  readonly notify: (kind: 'error' | 'info', text: string) => void;
}

/** A short date and time, for expiries and ban times. */
export function formatWhen(ts: number): string {
  return new Date(ts).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
