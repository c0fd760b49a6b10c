import type { ConversationRepository, MessageRepository } from '@parley/store';
import type { HistoryReader } from './socket.js';

/** History for the gateway's resume and gap filling, read from the projection store (members only). */
export function createHistoryReader(conversations: ConversationRepository, messages: MessageRepository): HistoryReader {
  return async (userId, conversation, afterSeq, limit) => {
    if (!(await conversations.isMember(conversation, userId))) return 'not_member';
    const page = (await messages.after(conversation, afterSeq, limit)).map((m) => ({ type: 'message' as const, ...m }));
    // Read after the page: the last seq is then at least the page's newest.
    const lastSeq = (await conversations.get(conversation))?.lastSeq ?? 0;
    return { messages: page, lastSeq: Math.max(lastSeq, page[page.length - 1]?.seq ?? 0) };
  };
}
