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
}

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
}): StoredMessage {
  return {
    conversation: r.conversation_id,
    id: r.id,
    seq: Number(r.seq),
    ts: Number(r.ts),
    sender: { id: r.sender_id, username: r.sender_name },
    clientMsgId: r.client_msg_id,
    kind: r.kind,
    content: r.content,
  };
}
