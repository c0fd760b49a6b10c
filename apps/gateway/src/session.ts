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
  /** When the client last sent anything (a frame, or a WebSocket pong): see HeartbeatSweep. */
  lastHeardAt = Date.now();
  /** When the sweep last asked it to answer (0: never). */
  pingedAt = 0;
  readonly cursors = new Map<string, number>();
  /** Messages that arrived ahead of a gap, per conversation, waiting for the fill. */
  readonly ahead = new Map<string, Map<number, MessageFrame>>();
  /** Conversations being resumed or gap-filled right now. */
  readonly filling = new Set<string>();
  /** Conversations whose messages reach this connection by the transport's topic (see Gateway.deliverMessage). */
  readonly live = new Set<string>();
  /** Sends not yet acked or rejected: clientMsgId -> conversation (counted in the gateway's total). */
  readonly pending: Map<string, string>;
  readonly timers: NodeJS.Timeout[] = [];
  /**
   * Sends waiting behind an attachment send whose upload is being looked up, in the order they came
   * (`queued` of them): a connection's sends reach the log in its order.
   */
  sendQueue: Promise<void> = Promise.resolve();
  queued = 0;
  /** Conversations the user was found a member of (read and typing frames check once). */
  readonly memberOf = new Set<string>();
  /** conversation -> when this connection last sent `typing: true` there, negative when it was refused (see Social.typing). */
  readonly typingIn = new Map<string, number>();
  /** The user's contacts whose presence this connection shows: id -> whether a friend. */
  readonly contacts = new Map<string, boolean>();
  readonly bucket: TokenBucket;
  /** Frames written while the gateway is corked (see Cork), sent together by flush(). */
  private outbox: string[] | undefined;

  constructor(
    readonly id: string,
    readonly socket: ClientSocket,
    limits: { framesPerSecond: number; frameBurst: number },
    private readonly cork?: Cork,
    total: { count: number } = { count: 0 },
  ) {
    this.bucket = new TokenBucket(limits.framesPerSecond, limits.frameBurst);
    this.pending = new CountedMap(total);
  }

  write(text: string): boolean {
    if (this.closed) return false;
    Metrics.framesOut.add(1);
    if (text.startsWith('{"type":"message"')) Metrics.messagesDelivered.add(1);
    if (this.cork && this.cork.depth > 0) {
      (this.outbox ??= []).push(text);
      this.cork.held.add(this);
      return true;
    }
    return this.socket.send(text);
  }

  /** Whether frames written while corked are waiting for flush(). */
  get holding(): boolean {
    return this.outbox !== undefined;
  }

  /** Sends what was written while corked, in order, as one write. */
  flush(): void {
    const frames = this.outbox;
    this.outbox = undefined;
    if (!frames || this.closed) return;
    if (this.socket.sendMany) this.socket.sendMany(frames);
    else for (const f of frames) this.socket.send(f);
  }
}

/** A Map that keeps `total.count` in step with its size (shared by every session of a gateway). */
class CountedMap<K, V> extends Map<K, V> {
  constructor(private readonly total: { count: number }) {
    super();
  }
  override set(key: K, value: V): this {
    if (!this.has(key)) this.total.count++;
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.total.count--;
    return had;
  }
  override clear(): void {
    this.total.count -= this.size;
    super.clear();
  }
}

/**
 * While `depth` > 0 (the gateway is writing a hand-off batch), every session's writes are held in its
 * outbox and sent per session in one write when the batch ends: a connection that gets several frames
 * from one batch costs one system call, not one per frame. Order per session is kept, since every write
 * of that time goes through the outbox.
 */
export class Cork {
  depth = 0;
  readonly held = new Set<Session>();
}
