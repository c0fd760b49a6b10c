import type { MessageFrame } from './frames.js';

/** Shapes of the HTTP API's responses (docs/openapi.yaml), shared by the server's store and the SDK. */
export interface User {
  id: string;
  username: string;
}

export interface ConversationSummary {
  id: string;
  kind: 'direct' | 'group' | 'room';
  name: string;
  lastSeq: number;
  /** The user's read watermark; unread = lastSeq - readSeq. */
  readSeq: number;
  unread: number;
  memberCount: number;
  lastMessage: { at: number; preview: string; sender: string } | null;
  /** For direct conversations: both members, so a client can name it after the other one. */
  members?: User[];
}

export interface Member extends User {
  joinedAt: number;
  readSeq: number;
}

/** A stored message as the history API returns it: a `message` frame without its type. */
export type StoredMessage = Omit<MessageFrame, 'type'>;
