import type { ConversationSummary, MessageFrame } from '@parley/sdk';

/** `12:04 #7 alice: hello` — local time, the seq, the sender, the content. */
export function formatMessage(m: MessageFrame, withConversation = false): string {
  const time = new Date(m.ts).toTimeString().slice(0, 5);
  return `${time} ${withConversation ? `${m.conversation} ` : ''}#${m.seq} ${m.sender.username}: ${m.content}`;
}

/** A conversation's display name: the group or room name, or the other member of a direct one. */
export function conversationName(c: ConversationSummary, me: string | undefined): string {
  if (c.kind !== 'direct') return c.kind === 'room' ? `#${c.name}` : c.name;
  const other = c.members?.find((u) => u.username !== me) ?? c.members?.[0];
  return other ? `@${other.username}` : '(direct)';
}

/** One line per conversation: unread count, name, id, and the last message. */
export function formatConversations(list: readonly ConversationSummary[], me: string | undefined): string {
  if (list.length === 0) return 'No conversations yet. Start one with `parley-cli direct <username>`.';
  const names = list.map((c) => conversationName(c, me));
  const width = Math.max(...names.map((n) => n.length));
  return list
    .map((c, i) => {
      const unread = c.unread > 0 ? `${c.unread} unread`.padStart(10) : ''.padStart(10);
      const last = c.lastMessage ? `  ${c.lastMessage.sender}: ${c.lastMessage.preview}` : '';
      return `${unread}  ${names[i]!.padEnd(width)}  ${c.id}${last}`;
    })
    .join('\n');
}
