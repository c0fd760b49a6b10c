import { sql } from 'kysely';
import type { ConversationSummary, Member } from '@parley/protocol';
import type { ParleyDb } from './database.js';

export type { ConversationSummary, Member };

export class ConversationRepository {
  constructor(private readonly db: ParleyDb) {}

  /** The user's conversations, most recently active first, with unread counts. */
  listForUser(userId: string, limit: number): Promise<ConversationSummary[]> {
    return this.summaries(userId, limit);
  }

  /** One conversation as the user sees it, or undefined when the user is not a member. */
  async summaryFor(userId: string, conversationId: string): Promise<ConversationSummary | undefined> {
    return (await this.summaries(userId, 1, conversationId))[0];
  }

  private async summaries(userId: string, limit: number, only?: string): Promise<ConversationSummary[]> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select([
        'c.id',
        'c.kind',
        'c.name',
        'c.last_seq',
        'c.last_message_at',
        'c.last_message_preview',
        'c.last_sender_name',
        'c.created_at',
        'm.read_seq',
        sql<string>`(select count(*) from members mc where mc.conversation_id = c.id)`.as('member_count'),
      ])
      .where('m.user_id', '=', userId)
      .$if(only !== undefined, (q) => q.where('c.id', '=', only!))
      .orderBy(sql`coalesce(c.last_message_at, c.created_at)`, 'desc')
      .limit(limit)
      .execute();
    const directIds = rows.filter((r) => r.kind === 'direct').map((r) => r.id);
    const directMembers = directIds.length
      ? await this.db.selectFrom('members').select(['conversation_id', 'user_id', 'username']).where('conversation_id', 'in', directIds).execute()
      : [];
    return rows.map((r) => {
      const lastSeq = Number(r.last_seq);
      const readSeq = Math.min(Number(r.read_seq), lastSeq);
      return {
        id: r.id,
        kind: r.kind,
        name: r.name,
        lastSeq,
        readSeq,
        unread: lastSeq - readSeq,
        memberCount: Number(r.member_count),
        lastMessage:
          r.last_message_at === null ? null : { at: Number(r.last_message_at), preview: r.last_message_preview ?? '', sender: r.last_sender_name ?? '' },
        ...(r.kind === 'direct'
          ? { members: directMembers.filter((m) => m.conversation_id === r.id).map((m) => ({ id: m.user_id, username: m.username })) }
          : {}),
      };
    });
  }

  async get(conversationId: string): Promise<{ id: string; kind: 'direct' | 'group' | 'room'; name: string; lastSeq: number; createdBy: string } | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirst();
    return row && { id: row.id, kind: row.kind, name: row.name, lastSeq: Number(row.last_seq), createdBy: row.created_by };
  }

  async isMember(conversationId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('members')
      .select('user_id')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async members(conversationId: string, limit: number, afterUsername = ''): Promise<Member[]> {
    const rows = await this.db
      .selectFrom('members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('username', '>', afterUsername)
      .orderBy('username')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.user_id, username: r.username, joinedAt: Number(r.joined_at), readSeq: Number(r.read_seq) }));
  }
}
