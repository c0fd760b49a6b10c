import { sql } from 'kysely';
import type { ReadersResponse, ReceiptsResponse } from '@parley/protocol';
import type { ParleyDb } from './database.js';

/** A page of a message's readers: after the user id `after` (the previous page's last). */
export interface ReadersPage {
  readonly state: 'read' | 'unread';
  readonly limit: number;
  readonly after?: string;
}

/** A contact whose presence a user may be shown: a friend, or the other member of a direct conversation. */
export interface Contact {
  readonly id: string;
  readonly friend: boolean;
}

/**
 * Read receipts as the query API shows them, and the people presence and typing go to. Marks of members
 * who do not share read receipts (profiles.read_receipts false) are never shown; a viewer who shares none
 * sees none (the routes check the viewer).
 */
export class ReceiptRepository {
  constructor(private readonly db: ParleyDb) {}

  /** Every member's marks who shares read receipts, by user id (code point order). */
  async marks(conversationId: string): Promise<ReceiptsResponse['marks']> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('profiles as p', 'p.id', 'm.user_id')
      .select(['m.user_id', 'm.username', 'm.read_seq', 'm.delivered_seq'])
      .where('m.conversation_id', '=', conversationId)
      .where('p.read_receipts', '=', true)
      .orderBy(sql`m.user_id collate "C"`)
      .execute();
    return rows.map((r) => {
      const readSeq = Number(r.read_seq);
      return { user: { id: r.user_id, username: r.username }, readSeq, deliveredSeq: Math.max(readSeq, Number(r.delivered_seq)) };
    });
  }

  /**
   * The members who have (`read`) or have not (`unread`) read the message of `seq`, the sender and those
   * who share no receipts left out: how many in all, and a page by user id.
   */
  async readers(conversationId: string, seq: number, page: ReadersPage): Promise<Omit<ReadersResponse, 'next'> & { more: boolean }> {
    const sender = await this.db.selectFrom('messages').select('sender_id').where('conversation_id', '=', conversationId).where('seq', '=', seq).executeTakeFirst();
    const base = this.db
      .selectFrom('members as m')
      .innerJoin('profiles as p', 'p.id', 'm.user_id')
      .where('m.conversation_id', '=', conversationId)
      .where('p.read_receipts', '=', true)
      .$if(sender !== undefined, (qb) => qb.where('m.user_id', '<>', sender!.sender_id))
      .where('m.read_seq', page.state === 'read' ? '>=' : '<', seq);
    const [{ count }] = (await base.select((eb) => eb.fn.countAll<string | number | bigint>().as('count')).execute()) as [{ count: string | number | bigint }];
    const rows = await base
      .select(['m.user_id', 'm.username'])
      .$if(page.after !== undefined, (qb) => qb.where(sql<boolean>`m.user_id collate "C" > ${page.after!} collate "C"`))
      .orderBy(sql`m.user_id collate "C"`)
      .limit(page.limit + 1)
      .execute();
    return { count: Number(count), users: rows.slice(0, page.limit).map((r) => ({ id: r.user_id, username: r.username })), more: rows.length > page.limit };
  }

  /**
   * The user's contacts for presence: friends, and the other members of their direct conversations; not
   * those the user blocked or who blocked the user.
   */
  async contactsOf(userId: string): Promise<Contact[]> {
    const [friends, partners] = await Promise.all([
      this.db.selectFrom('friendships').select('friend_id').where('profile_id', '=', userId).execute(),
      this.db
        .selectFrom('members as mine')
        .innerJoin('conversations as c', 'c.id', 'mine.conversation_id')
        .innerJoin('members as o', (j) => j.onRef('o.conversation_id', '=', 'mine.conversation_id').onRef('o.user_id', '<>', 'mine.user_id'))
        .select('o.user_id')
        .where('mine.user_id', '=', userId)
        .where('c.kind', '=', 'direct')
        .execute(),
    ]);
    const contacts = new Map<string, Contact>();
    for (const p of partners) contacts.set(p.user_id, { id: p.user_id, friend: false });
    for (const f of friends) contacts.set(f.friend_id, { id: f.friend_id, friend: true });
    for (const id of await this.blockedEitherWay(userId)) contacts.delete(id);
    return [...contacts.values()];
  }

  /** Whether the user may show typing in a conversation: a member, the group not dissolved, no block between the two of a direct one. */
  async canType(conversationId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select(['c.kind', 'c.dissolved'])
      .where('m.conversation_id', '=', conversationId)
      .where('m.user_id', '=', userId)
      .executeTakeFirst();
    if (!row || row.dissolved) return false;
    if (row.kind !== 'direct') return true;
    const others = await this.db.selectFrom('members').select('user_id').where('conversation_id', '=', conversationId).where('user_id', '<>', userId).execute();
    const blocked = await this.blockedEitherWay(userId);
    return !others.some((o) => blocked.has(o.user_id));
  }

  /** Who the user blocked and who blocked the user. */
  private async blockedEitherWay(userId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('blocks')
      .select(['profile_id', 'blocked_id'])
      .where((eb) => eb.or([eb('profile_id', '=', userId), eb('blocked_id', '=', userId)]))
      .execute();
    return new Set(rows.map((r) => (r.profile_id === userId ? r.blocked_id : r.profile_id)));
  }

  /** Whether `viewer` is a friend of each of `ids` (presence "contacts" is friends only). */
  async friendsAmong(viewer: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('friendships').select('friend_id').where('profile_id', '=', viewer).where('friend_id', 'in', [...ids]).execute();
    return new Set(rows.map((r) => r.friend_id));
  }

  /** The ids of a conversation's members, and how many (typing goes to the others). */
  async memberIds(conversationId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('members').select('user_id').where('conversation_id', '=', conversationId).execute();
    return rows.map((r) => r.user_id);
  }
}
