import type { StoredMessage } from '@parley/protocol';
import type { ParleyDb } from './database.js';

export type { StoredMessage };

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
    return rows.map(toMessage);
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
    return rows.map(toMessage).reverse();
  }

  /** The message (or system entry) at `seq`, or undefined when there is none or it lies past `untilSeq` (as in `after`). */
  async one(conversationId: string, seq: number, untilSeq = Number.MAX_SAFE_INTEGER): Promise<StoredMessage | undefined> {
    if (seq > untilSeq) return undefined;
    const row = await this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('seq', '=', seq).executeTakeFirst();
    return row && toMessage(row);
  }
}

/**
 * A row as the `message` frame carries it: `body` parsed (left out when there is none), `replyTo` only
 * when it quotes a message, `mentions` only when there are some (docs/PROTOCOL.md "message").
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
