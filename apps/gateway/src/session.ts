import type { MessageFrame } from '@parley/protocol';
import type { ClientSocket } from './socket.js';
import { TokenBucket } from './token-bucket.js';
import { Metrics } from '@parley/telemetry';

/**
 * One client connection's state. `cursors` is the last seq written to this connection per conversation:
 * the gateway writes each conversation's messages to a connection strictly in seq order, with no gap and
 * no repeat, filling gaps from history (see Gateway.writeInOrder).
 */
export class Session {
  user: { id: string; username: string } | undefined;
  tokenId: string | undefined;
  authenticating = false;
  closed = false;
  errors = 0;
  readonly cursors = new Map<string, number>();
  /** Messages that arrived ahead of a gap, per conversation, waiting for the fill. */
  readonly ahead = new Map<string, Map<number, MessageFrame>>();
  /** Conversations being resumed or gap-filled right now. */
  readonly filling = new Set<string>();
  /** Sends not yet acked or rejected: clientMsgId -> conversation. */
  readonly pending = new Map<string, string>();
  readonly timers: NodeJS.Timeout[] = [];
  readonly bucket: TokenBucket;

  constructor(
    readonly id: string,
    readonly socket: ClientSocket,
    limits: { framesPerSecond: number; frameBurst: number },
  ) {
    this.bucket = new TokenBucket(limits.framesPerSecond, limits.frameBurst);
  }

  write(text: string): boolean {
    if (this.closed) return false;
    Metrics.framesOut.add(1);
    if (text.startsWith('{"type":"message"')) Metrics.messagesDelivered.add(1);
    return this.socket.send(text);
  }
}
