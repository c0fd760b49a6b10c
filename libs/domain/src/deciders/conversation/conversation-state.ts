import type { ConversationKind } from '@parley/schemas';

export interface ConversationState {
  readonly id: string;
  readonly kind: ConversationKind;
  name: string;
  readonly createdBy: string;
  /** userId -> username */
  readonly members: Map<string, string>;
  /** The last message seq; messages are numbered 1, 2, 3, ... */
  lastSeq: number;
  /** `${senderId}\u0000${clientMsgId}` -> the message it produced; the newest `dedupeWindow` per conversation. */
  readonly sent: Map<string, { id: string; seq: number; ts: number }>;
}

/**
 * The profiles blocking the other side of a direct conversation, by the conversation's stream. Kept apart
 * from ConversationState because a block may arrive before the conversation exists (it then refuses the
 * creation too).
 */
export type DirectBlocks = Map<string, string[]>;

export function dedupeKey(senderId: string, clientMsgId: string): string {
  return `${senderId}\u0000${clientMsgId}`;
}
