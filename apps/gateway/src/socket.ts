import type { MessageFrame } from '@parley/protocol';

/**
 * What the gateway core knows of a client connection, whatever the transport (uws-server.ts: WebSocket;
 * tcp-server.ts: raw TCP). A transport reports back through Gateway.open / message / oversized / heard / closed.
 */
export interface ClientSocket {
  /** Queues one text frame; returns false when the socket is closed. */
  send(text: string): boolean;
  /**
   * Queues several frames in order as one write where the transport can (uWS: cork), instead of one
   * system call each; returns false when the socket is closed. Optional: `send` per frame otherwise.
   */
  sendMany?(texts: readonly string[]): boolean;
  /**
   * Publish/subscribe in the transport (uWS topics: one publish, written to every subscriber in C++, in
   * order with each subscriber's own sends). Optional: a transport without it gets every frame by `send`.
   */
  readonly topics?: {
    subscribe(topic: string): void;
    unsubscribe(topic: string): void;
    /** Writes `text` to every subscriber of `topic`; with `exceptSelf`, not to this socket. */
    publish(topic: string, text: string, exceptSelf: boolean): void;
  };
  /** Bytes queued but not yet written to the network. */
  bufferedAmount(): number;
  /**
   * Asks the client to show it is alive (HeartbeatSweep): a WebSocket protocol ping, whose pong the
   * transport reports with Gateway.heard; on TCP a `heartbeat` frame, which the client answers with any frame.
   */
  ping(): void;
  /**
   * Closes with a code from @parley/protocol CloseCodes (WebSocket: the close frame; TCP: a final `close`
   * frame, then the socket). Idempotent.
   */
  close(code: number, reason: string): void;
}

/**
 * Reads a conversation's history for a member: messages with seq > afterSeq, oldest first, and the
 * conversation's last seq as the store has it (so a resume position past it can be recognised).
 */
export type HistoryReader = (
  userId: string,
  conversation: string,
  afterSeq: number,
  limit: number,
) => Promise<{ messages: MessageFrame[]; lastSeq: number } | 'not_member'>;

/**
 * Resolves true once the store holds every event that was in the log when it was called, or false after
 * `maxWaitMs` if it does not yet.
 */
export type AwaitProjection = (conversations: readonly string[], maxWaitMs: number) => Promise<boolean>;
