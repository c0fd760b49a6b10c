import type { ConversationRepository, GroupRepository, MessageRepository } from '@parley/store';
import type { HistoryReader } from './socket.js';

/**
 * History for the gateway's resume and gap filling, read from the projection store: all of it for a
 * member, up to their departure (the entry that recorded it) for one who left or was removed, and
 * 'not_member' for anyone else.
 */
export function createHistoryReader(conversations: ConversationRepository, messages: MessageRepository, groups: GroupRepository): HistoryReader {
  return async (userId, conversation, afterSeq, limit) => {
    const until = await groups.readableUntil(conversation, userId);
    if (until === undefined) return 'not_member';
    const page = (await messages.after(conversation, afterSeq, limit, until)).map((m) => ({ type: 'message' as const, ...m }));
    // Read after the page: the last seq is then at least the page's newest.
    const lastSeq = (await conversations.get(conversation))?.lastSeq ?? 0;
    return { messages: page, lastSeq: Math.min(until, Math.max(lastSeq, page[page.length - 1]?.seq ?? 0)) };
  };
}
