/**
 * The frames a client and a gateway exchange, as JSON text: one frame per WebSocket message, or per
 * length-prefixed TCP frame. docs/PROTOCOL.md is the prose form of this file.
 */

// ---- client -> server ----
export interface AuthFrame {
  type: 'auth';
  token: string;
  /**
   * Per conversation, the last seq the client has. The server sends exactly what follows, before any live
   * message of those conversations, with no gap and no repeat.
   */
  resume?: Record<string, number>;
}
export interface SendFrame {
  type: 'send';
  conversation: string;
  clientMsgId: string;
  content: string;
  kind?: string;
}
/**
 * Mid-session resume (prefer `auth.resume` when connecting): the server sends everything after each seq.
 * Messages that arrived live before this frame may repeat; discard by seq.
 */
export interface ResumeFrame {
  type: 'resume';
  /** Per conversation, the last seq the client has (0 for none). */
  conversations: Record<string, number>;
}
export interface ReadFrame {
  type: 'read';
  conversation: string;
  seq: number;
}
export interface PingFrame {
  type: 'ping';
  id?: string;
}
export type ClientFrame = AuthFrame | SendFrame | ResumeFrame | ReadFrame | PingFrame;

// ---- server -> client ----
export interface ReadyFrame {
  type: 'ready';
  user: { id: string; username: string };
  connectionId: string;
  limits: { maxContentBytes: number; maxPendingSends: number };
}
export interface AckFrame {
  type: 'ack';
  conversation: string;
  clientMsgId: string;
  id: string;
  seq: number;
  ts: number;
}
export interface MessageFrame {
  type: 'message';
  conversation: string;
  id: string;
  seq: number;
  ts: number;
  sender: { id: string; username: string };
  clientMsgId: string;
  kind: string;
  content: string;
}
export interface ConversationFrame {
  type: 'conversation';
  /** What happened: the user was added to a conversation, someone joined or left, or the user read up to a seq. */
  event: 'created' | 'joined' | 'left' | 'read';
  conversation: string;
  kind: 'direct' | 'group' | 'room';
  name?: string;
  members?: Array<{ id: string; username: string }>;
  /** For 'read': the reader's new read watermark. */
  readSeq?: number;
  /** The conversation's last message seq when this happened. */
  lastSeq: number;
}
export interface RoomPresenceFrame {
  type: 'room.presence';
  conversation: string;
  online: number;
  members: number;
  /** Up to 100 online members. */
  onlineMembers: Array<{ id: string; username: string }>;
}
export interface ResumedFrame {
  type: 'resumed';
  conversations: Record<string, number>;
}
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  /** The clientMsgId or frame id the error is about, when there is one. */
  ref?: string;
  conversation?: string;
}
export interface PongFrame {
  type: 'pong';
  id?: string;
}
export type ServerFrame =
  | ReadyFrame
  | AckFrame
  | MessageFrame
  | ConversationFrame
  | RoomPresenceFrame
  | ResumedFrame
  | ErrorFrame
  | PongFrame;

/**
 * Internal, gateway-bound only (never written to a client): the token with this id was revoked, so the
 * gateway closes the connections that authenticated with it (close code 4009).
 */
export interface SessionRevokedFrame {
  type: 'session.revoked';
  tokenId: string;
}
