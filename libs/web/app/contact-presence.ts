import type { ParleyClient } from '@parley/sdk';
import type { PresenceFrame } from '@parley/protocol';
import type { Store } from './state.js';

/**
 * Contacts' presence (AppState.contactPresence) from `presence` frames: the first one after each `ready`
 * lists every contact the user may see, so it replaces what was known; later ones carry the changes.
 */
export class ContactPresence {
  private full = false;

  constructor(private readonly store: Store) {}

  attach(client: ParleyClient): void {
    client.on('ready', () => (this.full = true));
    client.on('presence', (f) => this.onPresence(f));
  }

  private onPresence(f: PresenceFrame): void {
    const full = this.full;
    this.full = false;
    this.store.update((s) => {
      if (full) s.contactPresence.clear();
      for (const u of f.users) s.contactPresence.set(u.id, u);
    });
  }
}
