import { sql } from 'kysely';
import type { ParleyDb } from './database.js';

/**
 * Every table the projector writes, with the columns that order its rows. Not personal_keys (the vault a
 * replay copies, never rebuilds), sessions, login_codes or uploads (operational, written by the query API:
 * a replay target may already hold them, and a replay never writes or empties them).
 */
export const PROJECTED_TABLES: Readonly<Record<string, string>> = {
  logins: 'id',
  profiles: 'id',
  friend_requests: 'id',
  friendships: 'profile_id, friend_id',
  blocks: 'profile_id, blocked_id',
  conversation_settings: 'profile_id, conversation_id',
  contact_remarks: 'profile_id, contact_id',
  revoked_tokens: 'token_id',
  conversations: 'id',
  members: 'conversation_id, user_id',
  former_members: 'conversation_id, user_id',
  bans: 'conversation_id, user_id',
  group_invitations: 'conversation_id, user_id',
  join_requests: 'conversation_id, user_id',
  invite_links: 'code',
  notices: 'conversation_id, id',
  messages: 'conversation_id, seq',
  mentions: 'conversation_id, user_id, seq',
  pins: 'conversation_id, seq',
  reactions: 'conversation_id, seq, emoji, user_id',
  message_attachments: 'conversation_id, seq, blob',
  message_search: 'conversation_id, seq',
  command_outcomes: 'command_id',
  projector_offsets: 'topic, partition',
};

/**
 * md5 over every row of every projected table, in key order: two databases with equal checksums hold the
 * same projections (used to check a replay against the live database).
 */
export async function projectionChecksums(db: ParleyDb): Promise<Record<string, { rows: number; md5: string }>> {
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const [table, order] of Object.entries(PROJECTED_TABLES)) {
    const { rows } = await sql<{ rows: string | number; md5: string | null }>`
      select count(*) as rows, md5(coalesce(string_agg(t::text, E'\\n' order by ${sql.raw(order)}), '')) as md5
      from ${sql.table(table)} t`.execute(db);
    out[table] = { rows: Number(rows[0]?.rows ?? 0), md5: rows[0]?.md5 ?? '' };
  }
  return out;
}

/** Whether no projection table holds a row (a replay target must be empty). */
export async function projectionsEmpty(db: ParleyDb): Promise<boolean> {
  return Object.values(await projectionChecksums(db)).every((t) => t.rows === 0);
}
