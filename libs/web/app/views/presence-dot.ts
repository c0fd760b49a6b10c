import type { PresenceEntry } from '@parley/protocol';
import { h } from '../dom.js';
import { formatLastSeen } from '../format.js';

/** The dot on a direct conversation's avatar: green while the partner is online; hidden when not known. */
export function presenceDot(): HTMLElement {
  return h('span', { class: 'presence-dot', testid: 'presence-dot', hidden: true });
}

/** Shows `entry` (undefined: the partner's presence is not visible to the user, or not known yet). */
export function updatePresenceDot(dot: HTMLElement, entry: PresenceEntry | undefined, now = Date.now()): void {
  dot.hidden = !entry;
  if (!entry) {
    delete dot.dataset['online'];
    dot.title = '';
    return;
  }
  dot.dataset['online'] = String(entry.online);
  dot.title = entry.online ? 'Online' : entry.lastSeen !== null ? formatLastSeen(entry.lastSeen, now) : 'Offline';
}
