import { sql } from 'kysely';
import type { ParleyDb } from './database.js';

/** Narrows a search; every filter given must hold. */
export interface SearchFilters {
  /** Only this conversation. */
  readonly conversation?: string;
  /** Only messages sent by this profile. */
  readonly sender?: string;
  /** Only messages of this kind. */
  readonly kind?: string;
  /** Sent at or after (ms since the epoch). */
  readonly after?: number;
  /** Sent before (ms since the epoch). */
  readonly before?: number;
}

/** Where a page starts: after the last result of the previous page, in the order of results. */
export interface SearchPosition {
  readonly ts: number;
  readonly conversation: string;
  readonly seq: number;
}

export interface SearchPage {
  /** Results after this one (the previous page's last); from the newest when absent. */
  readonly after?: SearchPosition;
  readonly limit: number;
}

/** A message a search found, as its conversation's history shows it now. */
export interface SearchHit {
  conversation: string;
  seq: number;
  id: string;
  ts: number;
  sender: { id: string; username: string };
  kind: string;
  content: string;
}

/**
 * Message search over the message_search projection (migration 0008). Who may find what is decided here, in
 * the query, with the rules of a conversation's history (GET /v1/conversations/{id}/messages): a member
 * reads the whole conversation, a former member up to the seq of the entry that recorded their leaving or
 * removal (former_members.until_seq), anyone else nothing. Recalled messages and system entries have no row.
 */
export class SearchRepository {
  constructor(private readonly db: ParleyDb) {}

  /**
   * The messages `userId` can read now whose tokens hold every one of `terms` (search-tokens.ts
   * queryTerms), newest first: ts, then conversation id, then seq, descending. Up to `page.limit` of them,
   * and whether more follow. No terms find nothing.
   */
  async search(userId: string, terms: readonly string[], filters: SearchFilters, page: SearchPage): Promise<{ hits: SearchHit[]; more: boolean }> {
    if (terms.length === 0) return { hits: [], more: false };
    const only = filters.conversation;
    // The conversations the user can read (as members or former members) are one array, evaluated once,
    // that the search rows' primary key (conversation_id first) can be scanned by, next to the GIN index:
    // the planner then bounds the work by the smaller of the user's conversations and the term's matches
    // (a common word's matches over every conversation, joined to the user's, took seconds in 1,000,000
    // messages: docs/BENCHMARKS.md section 9). A member reads everything; a former member (joining again
    // deletes the former_members row; a member wins anyway) up to until_seq.
    const readable = sql<string[]>`array(
      select mb.conversation_id from members mb where mb.user_id = ${userId}${only !== undefined ? sql` and mb.conversation_id = ${only}` : sql``}
      union all
      select f.conversation_id from former_members f where f.user_id = ${userId}${only !== undefined ? sql` and f.conversation_id = ${only}` : sql``})`;
    // The page is cut from the search rows alone, and only its rows are joined to messages (a common word
    // matched thousands of rows, each looked up in messages before the sort). Recalled messages have no
    // search row (their recall deletes it, in the projector's transaction); `recalled` is checked after the
    // cut as a guard only: were a row left, its page would come out short, never with the message.
    const matches = this.db
      .selectFrom('message_search as s')
      .select(['s.conversation_id', 's.seq', 's.ts'])
      .where(sql<boolean>`s.tsv @@ ${tsquery(terms)}::tsquery`)
      .where(sql<boolean>`s.conversation_id = any(${readable})`)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('former_members as f')
              .select('f.user_id')
              .whereRef('f.conversation_id', '=', 's.conversation_id')
              .where('f.user_id', '=', userId)
              .whereRef('f.until_seq', '<', 's.seq')
              .where(({ not, exists, selectFrom }) =>
                not(exists(selectFrom('members as mb').select('mb.user_id').whereRef('mb.conversation_id', '=', 'f.conversation_id').where('mb.user_id', '=', userId))),
              ),
          ),
        ),
      )
      .$if(filters.sender !== undefined, (q) => q.where('s.sender_id', '=', filters.sender!))
      .$if(filters.kind !== undefined, (q) => q.where('s.kind', '=', filters.kind!))
      .$if(filters.after !== undefined, (q) => q.where('s.ts', '>=', filters.after!))
      .$if(filters.before !== undefined, (q) => q.where('s.ts', '<', filters.before!))
      .$if(page.after !== undefined, (q) => q.where(sql<boolean>`(s.ts, s.conversation_id, s.seq) < (${page.after!.ts}::int8, ${page.after!.conversation}::text, ${page.after!.seq}::int8)`))
      .orderBy('s.ts', 'desc')
      .orderBy('s.conversation_id', 'desc')
      .orderBy('s.seq', 'desc')
      .limit(page.limit + 1);
    const rows = await this.db
      .selectFrom(matches.as('s'))
      .innerJoin('messages as m', (j) => j.onRef('m.conversation_id', '=', 's.conversation_id').onRef('m.seq', '=', 's.seq'))
      .select(['s.conversation_id', 's.seq', 'm.id', 's.ts', 'm.sender_id', 'm.sender_name', 'm.kind', 'm.content'])
      .where('m.recalled', '=', false)
      .orderBy('s.ts', 'desc')
      .orderBy('s.conversation_id', 'desc')
      .orderBy('s.seq', 'desc')
      .execute();
    const hits = rows.slice(0, page.limit).map((r) => ({
      conversation: r.conversation_id,
      seq: Number(r.seq),
      id: r.id,
      ts: Number(r.ts),
      sender: { id: r.sender_id, username: r.sender_name },
      kind: r.kind,
      content: r.content,
    }));
    return { hits, more: rows.length > page.limit };
  }
}

/**
 * The tsquery text requiring every term: each a quoted lexeme (`'` doubled, `\` escaped), so a term is
 * never read as an operator, a weight or a prefix. Cast with ::tsquery (not to_tsquery), so the lexemes are
 * taken as they are, like the tsvector's (array_to_tsvector).
 */
export function tsquery(terms: readonly string[]): string {
  return terms.map((t) => `'${t.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`).join(' & ');
}
