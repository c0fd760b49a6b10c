/** A member's watermarks: read up to `readSeq`, reached a device of theirs up to `deliveredSeq`. */
export interface Mark {
  readSeq: number;
  deliveredSeq: number;
}

/**
 * The read receipts of one conversation as this page knows them: loaded when it opens, then moved by
 * `receipts` frames. Marks only move forward (a late answer or frame never takes one back).
 */
export interface ConversationReceipts {
  /** Whether the marks were loaded (until then, only frames that came while loading are in). */
  loaded: boolean;
  /** Whether the user shares read receipts (off: they see no one's, and `marks` stays empty). */
  shared: boolean;
  /** Members sharing receipts, the user included, by user id. */
  marks: Map<string, Mark>;
}

/** What a tick on the user's own message in a direct conversation says. */
export type TickState = 'sent' | 'delivered' | 'read';

export function emptyReceipts(): ConversationReceipts {
  return { loaded: false, shared: true, marks: new Map() };
}

/** Moves marks forward, never back: frames and a loaded list may arrive in any order. */
export function applyMarks(r: ConversationReceipts, marks: readonly ({ user: { id: string } } & Mark)[]): void {
  for (const m of marks) {
    const had = r.marks.get(m.user.id);
    const readSeq = Math.max(had?.readSeq ?? 0, m.readSeq);
    // A read also counts as delivered.
    r.marks.set(m.user.id, { readSeq, deliveredSeq: Math.max(had?.deliveredSeq ?? 0, m.deliveredSeq, readSeq) });
  }
}

/** The tick of message `seq` of the user's in a direct conversation with `partner`. */
export function tickState(r: ConversationReceipts | undefined, partner: string | undefined, seq: number): TickState {
  const m = partner ? r?.marks.get(partner) : undefined;
  if (m && m.readSeq >= seq) return 'read';
  if (m && m.deliveredSeq >= seq) return 'delivered';
  return 'sent';
}

/** How many members other than `me` have read message `seq` ("Read by N" in a group). */
export function readCount(r: ConversationReceipts | undefined, me: string | undefined, seq: number): number {
  let n = 0;
  for (const [id, m] of r?.marks ?? []) if (id !== me && m.readSeq >= seq) n++;
  return n;
}
