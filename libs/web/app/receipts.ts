import type { ParleyClient } from '@parley/sdk';
import type { ReadersResponse, ReceiptsFrame } from '@parley/protocol';
import type { Chat } from './chat.js';
import { applyMarks, emptyReceipts } from './receipt-marks.js';
import type { Store } from './state.js';

/** One page of a message's readers (`state` read) or of the members who have not read it (unread). */
export type ReadersPage = (state: 'read' | 'unread', cursor: string | undefined) => Promise<ReadersResponse>;

/**
 * Read receipts beside Chat: each direct conversation's and group's marks (AppState.receipts), loaded when
 * it opens and moved by `receipts` frames, and the readers of a message. Marks only move forward, so a
 * frame and a load may land in either order.
 */
export class Receipts {
  constructor(
    private readonly store: Store,
    private readonly chat: Chat,
  ) {}

  attach(client: ParleyClient): void {
    client.on('receipts', (f) => this.onReceipts(f));
    // Frames missed while away are not replayed: the open conversation loads again, the others when opened.
    client.on('ready', () => this.reload());
    // Read receipts turned on or off (on any device): who shares what changed.
    client.on('profile', (f) => {
      if (f.event === 'privacy' && f.id === this.store.state.me?.id) this.reload();
    });
  }

  /** Loads a conversation's marks (on opening it); they stay live after. */
  async load(id: string): Promise<void> {
    const s = this.store.state;
    if (!s.receipts.has(id)) s.receipts.set(id, emptyReceipts());
    try {
      const res = await this.chat.api.getReceipts(id);
      this.store.update((st) => {
        const r = st.receipts.get(id) ?? emptyReceipts();
        st.receipts.set(id, r);
        r.loaded = true;
        r.shared = res.shared;
        if (!res.shared) r.marks.clear();
        applyMarks(r, res.marks);
      });
    } catch {
      // No marks: ticks stay at "sent", groups show no count; opening it again retries.
      this.store.update((st) => {
        if (st.receipts.get(id)?.loaded === false) st.receipts.delete(id);
      });
    }
  }

  /** The pages of who has (or has not) read message `seq` of a conversation. */
  readers(conversation: string, seq: number): ReadersPage {
    return (state, cursor) => this.chat.api.getReaders(conversation, seq, { state, ...(cursor ? { cursor } : {}) });
  }

  private onReceipts(f: ReceiptsFrame): void {
    const r = this.store.state.receipts.get(f.conversation);
    // One not loaded yet gets all its marks when it opens.
    if (!r) return;
    this.store.update(() => applyMarks(r, f.marks));
  }

  private reload(): void {
    const open = this.store.state.openId;
    this.store.update((s) => {
      for (const id of [...s.receipts.keys()]) if (id !== open) s.receipts.delete(id);
    });
    if (open && this.store.state.receipts.has(open)) void this.load(open);
  }
}
