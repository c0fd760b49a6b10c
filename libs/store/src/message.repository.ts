import { sql } from 'kysely';
import type { StoredMessage } from '@parley/protocol';
import type { ParleyDb } from './database.js';

export type { StoredMessage };

/** Most people listed per emoji of a message's reactions (the count counts them all). */
export const REACTION_USERS_LISTED = 20;

/** A pinned message, with who pinned it and when. */
export interface Pin {
  message: StoredMessage;
  /** The profile's handle is "" once the profile is gone. */
  pinnedBy: { id: string; username: string };
  pinnedAt: number;
}

export class MessageRepository {
  constructor(private readonly db: ParleyDb) {}

  /**
   * Messages with seq > `afterSeq`, oldest first; none past `untilSeq` (a former member's last readable,
   * GroupRepository.readableUntil).
   */
  async after(conversationId: string, afterSeq: number, limit: number, untilSeq = Number.MAX_SAFE_INTEGER): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '>', afterSeq)
      .$if(untilSeq < Number.MAX_SAFE_INTEGER, (qb) => qb.where('seq', '<=', untilSeq))
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    return this.decorated(conversationId, rows.map(toMessage));
  }

  /** The newest messages with seq < `beforeSeq` and none past `untilSeq` (as in `after`), returned oldest first. */
  async before(conversationId: string, beforeSeq: number, limit: number, untilSeq = Number.MAX_SAFE_INTEGER): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '<', beforeSeq)
      .$if(untilSeq < Number.MAX_SAFE_INTEGER, (qb) => qb.where('seq', '<=', untilSeq))
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return this.decorated(conversationId, rows.map(toMessage).reverse());
  }

  /** The message (or system entry) at `seq`, or undefined when there is none or it lies past `untilSeq` (as in `after`). */
  async one(conversationId: string, seq: number, untilSeq = Number.MAX_SAFE_INTEGER): Promise<StoredMessage | undefined> {
    if (seq > untilSeq) return undefined;
    const row = await this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('seq', '=', seq).executeTakeFirst();
    return row && (await this.decorated(conversationId, [toMessage(row)]))[0];
  }

  /** The message `senderId` sent with `clientMsgId` (a command's own message, once projected). */
  async byClientMsgId(conversationId: string, senderId: string, clientMsgId: string): Promise<StoredMessage | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('sender_id', '=', senderId)
      .where('client_msg_id', '=', clientMsgId)
      .executeTakeFirst();
    return row && (await this.decorated(conversationId, [toMessage(row)]))[0];
  }

  /** The conversation's pinned messages, the newest pin first (at most PARLEY_MAX_PINS, the decider's limit). */
  async pins(conversationId: string): Promise<Pin[]> {
    const rows = await this.db
      .selectFrom('pins as p')
      .innerJoin('messages as m', (j) => j.onRef('m.conversation_id', '=', 'p.conversation_id').onRef('m.seq', '=', 'p.seq'))
      .selectAll('m')
      .leftJoin('profiles as who', 'who.id', 'p.pinned_by')
      .select(['p.pinned_by', 'p.pinned_at', 'who.handle as pinned_by_handle'])
      .where('p.conversation_id', '=', conversationId)
      .orderBy('p.pinned_at', 'desc')
      .orderBy('p.seq', 'desc')
      .execute();
    const messages = await this.decorated(conversationId, rows.map(toMessage));
    return rows.map((r, i) => ({ message: messages[i]!, pinnedBy: { id: r.pinned_by, username: r.pinned_by_handle ?? '' }, pinnedAt: Number(r.pinned_at) }));
  }

  /** Whether `userId` has reacted to the message with `emoji`. */
  async hasReaction(conversationId: string, seq: number, emoji: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('reactions')
      .select('seq')
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .where('emoji', '=', emoji)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * `messages` (of one conversation) as they are now: `pinned` and `reactions` added from their tables, in
   * one query each over the seq range of the page.
   */
  private async decorated(conversationId: string, messages: StoredMessage[]): Promise<StoredMessage[]> {
    const seqs = messages.filter((m) => m.kind !== 'system' && !m.recalled).map((m) => m.seq);
    if (seqs.length === 0) return messages;
    const [low, high] = [Math.min(...seqs), Math.max(...seqs)];
    const pinned = new Set(
      (await this.db.selectFrom('pins').select('seq').where('conversation_id', '=', conversationId).where('seq', '>=', low).where('seq', '<=', high).execute()).map((r) => Number(r.seq)),
    );
    const { rows } = await sql<{ seq: string | number | bigint; emoji: string; count: string | number | bigint; user_ids: string[] }>`
      select seq, emoji, count(*) as count, (array_agg(user_id order by at, user_id))[1:${sql.lit(REACTION_USERS_LISTED)}] as user_ids
      from reactions
      where conversation_id = ${conversationId} and seq >= ${low} and seq <= ${high}
      group by seq, emoji
      order by seq, min(at), emoji`.execute(this.db);
    const reactions = new Map<number, NonNullable<StoredMessage['reactions']>>();
    for (const r of rows) {
      const list = reactions.get(Number(r.seq)) ?? [];
      list.push({ emoji: r.emoji, count: Number(r.count), userIds: r.user_ids });
      reactions.set(Number(r.seq), list);
    }
    return messages.map((m) => {
      const its = reactions.get(m.seq);
      return pinned.has(m.seq) || its ? { ...m, ...(pinned.has(m.seq) ? { pinned: true as const } : {}), ...(its ? { reactions: its } : {}) } : m;
    });
  }
}

/**
 * A row as the `message` frame carries it: `body` parsed (left out when there is none), `replyTo` only
 * when it quotes a message, `mentions` only when there are some (docs/PROTOCOL.md "message"); then what
 * the message is now, each only when set: `recalled` (its content, body and mentions blanked by the
 * projection), `editedAt`, `forwarded`.
 */
function toMessage(r: {
  conversation_id: string;
  id: string;
  seq: string | number | bigint;
  ts: string | number | bigint;
  sender_id: string;
  sender_name: string;
  client_msg_id: string;
  kind: string;
  content: string;
  body: string;
  reply_to: string | number | bigint;
  mentions: string;
  recalled: boolean;
  edited_at: string | number | bigint;
  forwarded: boolean;
}): StoredMessage {
  const replyTo = Number(r.reply_to);
  const mentions = parsed(r.mentions);
  const body = parsed(r.body);
  return {
    conversation: r.conversation_id,
    id: r.id,
    seq: Number(r.seq),
    ts: Number(r.ts),
    sender: { id: r.sender_id, username: r.sender_name },
    clientMsgId: r.client_msg_id,
    kind: r.kind,
    content: r.content,
    ...(isObject(body) ? { body } : {}),
    ...(replyTo > 0 ? { replyTo } : {}),
    ...(Array.isArray(mentions) && mentions.length > 0 ? { mentions: mentions as string[] } : {}),
    ...(r.recalled ? { recalled: true as const } : {}),
    ...(Number(r.edited_at) > 0 ? { editedAt: Number(r.edited_at) } : {}),
    ...(r.forwarded ? { forwarded: true as const } : {}),
  };
}

/**
 * JSON text as the projector stored it from the event; undefined for '' (none). Only a body that matches
 * its kind gets into the log (messageProblem, before the command), so text that does not parse is a
 * corrupt row: it is left out, as the live `message` frame leaves it out, rather than failing every page of
 * history it is on.
 */
function parsed(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
