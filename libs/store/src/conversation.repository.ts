import { sql, type RawBuilder } from 'kysely';
import { MAX_UNREAD_MENTIONS, MENTION_ALL, type ConversationSummary } from '@parley/protocol';
import type { ParleyDb } from './database.js';
import { toSettings } from './settings.repository.js';
import { searchFold } from './text-keys.js';

export type { ConversationSummary };

/** How to list a user's conversations (see ConversationRepository.listForUser). */
export interface ConversationListOptions {
  /** Only conversations matching this (ignoring case and accents). */
  q?: string;
  /** Include the ones the user hid. */
  includeHidden?: boolean;
  /** The time timed mutes are judged against: one that ended is reported as not muted (0). */
  now: number;
}

export class ConversationRepository {
  constructor(private readonly db: ParleyDb) {}

  /**
   * The user's conversations, pinned first, then most recently active first, with unread counts and the
   * user's settings. A hidden one is left out until a message newer than its hiding arrives, unless
   * `includeHidden`. `q` keeps those whose name, the user's remark for it, or (direct) the other member's
   * handle, display name or the user's remark for them contains it, ignoring case and accents; it is
   * matched here rather than in SQL (the database has no accent folding), over all of the user's
   * conversations, so it costs a read of the whole list.
   */
  async listForUser(userId: string, limit: number, options?: ConversationListOptions): Promise<ConversationSummary[]> {
    const q = searchFold(options?.q ?? '');
    const rows = await this.rows(userId, q === '' ? limit : undefined, { includeHidden: options?.includeHidden ?? false });
    const page = q === '' ? rows : (await this.matching(userId, rows, q)).slice(0, limit);
    return this.summaries(userId, page, options?.now);
  }

  /** One conversation as the user sees it (hidden or not), or undefined when the user is not a member. */
  async summaryFor(userId: string, conversationId: string, now?: number): Promise<ConversationSummary | undefined> {
    const rows = await this.rows(userId, 1, { includeHidden: true, only: conversationId });
    return (await this.summaries(userId, rows, now))[0];
  }

  private async rows(userId: string, limit: number | undefined, o: { includeHidden: boolean; only?: string }) {
    const activity = sql<string | number>`coalesce(c.last_message_at, c.created_at)`;
    return this.db
      .selectFrom('members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .leftJoin('conversation_settings as s', (j) => j.onRef('s.conversation_id', '=', 'm.conversation_id').onRef('s.profile_id', '=', 'm.user_id'))
      .select([
        'c.id',
        'c.kind',
        'c.name',
        'c.last_seq',
        'c.last_message_at',
        'c.last_message_preview',
        'c.last_sender_name',
        'c.created_at',
        'c.dissolved',
        'm.read_seq',
        'm.role',
        's.pinned',
        's.mute_until',
        's.hidden',
        's.hidden_at',
        's.remark',
        activity.as('activity'),
        sql<string>`(select count(*) from members mc where mc.conversation_id = c.id)`.as('member_count'),
      ])
      .where('m.user_id', '=', userId)
      .$if(o.only !== undefined, (qb) => qb.where('c.id', '=', o.only!))
      .$if(!o.includeHidden, (qb) => qb.where(sql<boolean>`not (coalesce(s.hidden, false) and s.hidden_at >= ${activity})`))
      .orderBy(sql`coalesce(s.pinned, false)`, 'desc')
      .orderBy(activity, 'desc')
      .orderBy('c.id')
      .$if(limit !== undefined, (qb) => qb.limit(limit!))
      .execute();
  }

  /** The rows `q` (folded) matches: name, the user's remark, and for direct ones the other member. */
  private async matching<R extends { id: string; kind: string; name: string; remark: string | null }>(userId: string, rows: R[], q: string): Promise<R[]> {
    // The other member of each of the user's direct conversations, by a join (no list of ids to pass).
    const others = await this.db
      .selectFrom('members as mine')
      .innerJoin('conversations as c', 'c.id', 'mine.conversation_id')
      .innerJoin('members as o', (j) => j.onRef('o.conversation_id', '=', 'mine.conversation_id').onRef('o.user_id', '<>', 'mine.user_id'))
      .leftJoin('profiles as p', 'p.id', 'o.user_id')
      .leftJoin('contact_remarks as r', (j) => j.onRef('r.contact_id', '=', 'o.user_id').onRef('r.profile_id', '=', 'mine.user_id'))
      .select(['mine.conversation_id', 'o.username', 'p.handle', 'p.display_name', 'r.remark'])
      .where('mine.user_id', '=', userId)
      .where('c.kind', '=', 'direct')
      .execute();
    const texts = new Map<string, string[]>();
    for (const o of others) {
      const list = texts.get(o.conversation_id) ?? [];
      list.push(o.username, o.handle ?? '', o.display_name ?? '', o.remark ?? '');
      texts.set(o.conversation_id, list);
    }
    const has = (text: string): boolean => text !== '' && searchFold(text).includes(q);
    return rows.filter((r) => has(r.name) || has(r.remark ?? '') || (r.kind === 'direct' && (texts.get(r.id) ?? []).some(has)));
  }

  private async summaries(
    userId: string,
    rows: Awaited<ReturnType<ConversationRepository['rows']>>,
    now: number | undefined,
  ): Promise<ConversationSummary[]> {
    const directIds = rows.filter((r) => r.kind === 'direct').map((r) => r.id);
    const directMembers = directIds.length
      ? await this.db.selectFrom('members').select(['conversation_id', 'user_id', 'username']).where('conversation_id', 'in', directIds).orderBy('username').execute()
      : [];
    const mentions = await this.unreadMentions(userId, rows.map((r) => r.id));
    return rows.map((r) => {
      const lastSeq = Number(r.last_seq);
      const readSeq = Math.min(Number(r.read_seq), lastSeq);
      const settings = toSettings(r, Number(r.activity), now ?? Date.now());
      return {
        id: r.id,
        kind: r.kind,
        name: r.name,
        lastSeq,
        readSeq,
        unread: lastSeq - readSeq,
        unreadMentions: mentions.get(r.id) ?? 0,
        memberCount: Number(r.member_count),
        lastMessage:
          r.last_message_at === null ? null : { at: Number(r.last_message_at), preview: r.last_message_preview ?? '', sender: r.last_sender_name ?? '' },
        ...(r.kind === 'direct'
          ? { members: directMembers.filter((m) => m.conversation_id === r.id).map((m) => ({ id: m.user_id, username: m.username })) }
          : {}),
        role: r.role,
        dissolved: r.dissolved,
        settings,
      };
    });
  }

  /** The user's unread totals over every conversation they are in (hidden and muted ones too). */
  async unreadTotals(userId: string): Promise<{ conversations: number; messages: number; mentions: number }> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select(['c.id', 'c.last_seq', 'm.read_seq'])
      .where('m.user_id', '=', userId)
      .whereRef('c.last_seq', '>', 'm.read_seq')
      .execute();
    const mentions = await this.unreadMentions(userId, rows.map((r) => r.id));
    return {
      conversations: rows.length,
      messages: rows.reduce((n, r) => n + Number(r.last_seq) - Number(r.read_seq), 0),
      mentions: [...mentions.values()].reduce((n, m) => n + m, 0),
    };
  }

  /**
   * Per conversation of `ids` (the user's), how many messages after the user's read mark, not sent by the
   * user, mention the user or "all", counted up to MAX_UNREAD_MENTIONS. Each of the two mention kinds is
   * read up to the cap from the mentions key (a range of seqs of one conversation and user), so the count
   * costs at most twice the cap whatever the backlog; their union is exact below the cap.
   */
  private async unreadMentions(userId: string, ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const cap = sql.lit(MAX_UNREAD_MENTIONS);
    const mentioned = (who: RawBuilder<unknown>) => sql`(select x.seq from mentions x
      where x.conversation_id = m.conversation_id and x.user_id = ${who} and x.seq > m.read_seq and x.sender_id <> m.user_id limit ${cap})`;
    const { rows } = await sql<{ id: string; n: string | number }>`
      select m.conversation_id as id, (select count(*) from (${mentioned(sql.ref('m.user_id'))} union ${mentioned(sql.val(MENTION_ALL))}) u) as n
      from members m
      where m.user_id = ${userId} and m.conversation_id in (${sql.join(ids)})`.execute(this.db);
    return new Map(rows.map((r) => [r.id, Math.min(MAX_UNREAD_MENTIONS, Number(r.n))]));
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
}
