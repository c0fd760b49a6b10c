import type { AckFrame, MessageFrame, MessageKind, ReadyFrame, ServerFrame } from '@parley/protocol';
import { CloseCodes, isAttachmentKind } from '@parley/protocol';
import type { AccountApiOptions } from './account-api.js';
import type { ConnectionState } from './client-events.js';
import { ParleyClientError } from './http-api.js';
import type { SignedIn } from './http-client.js';
import { MessagesApi } from './messages-api.js';
import type { SendOptions } from './send-options.js';
import type { ChatMessage } from './message-state.js';
import type { Transport, TransportConnection } from './transport.js';
import { webSocketTransport, type WebSocketConstructor } from './websocket-transport.js';

export interface ParleyClientOptions extends AccountApiOptions {
  /**
   * The realtime endpoint when it is not `url`: its scheme picks the transport. `ws://` / `wss://` (or
   * `http(s)://`, for `/v1/ws` on that server; distributed mode: the gateways apart from the API) use the
   * WebSocket; `tcp://host:port` / `tls://host:port` use raw TCP, which needs a transport from
   * `@parley/sdk/node` in `transports`. Default: `url`, over WebSocket.
   */
  readonly realtimeUrl?: string;
  /** @deprecated The old name of `realtimeUrl`; used when `realtimeUrl` is not set. */
  readonly wsUrl?: string;
  /** WebSocket implementation; defaults to the global one (browsers, Node 22+). In Node 20 pass `ws`. */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * Transports for other URL schemes, e.g. `[tcpTransport()]` from `@parley/sdk/node` for `tcp://` and
   * `tls://`. Checked before the built-in WebSocket one, by `Transport.schemes`.
   */
  readonly transports?: readonly Transport[];
  /** Last seq per conversation the app already has (persisted by the app), resumed on connect. */
  readonly positions?: Record<string, number>;
  /** Reconnect automatically after a dropped connection (default true). */
  readonly reconnect?: boolean;
  readonly minReconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /** An unacked send is re-sent after this long while connected (default 10 s). */
  readonly resendAfterMs?: number;
  /** A send that is not acked within this long fails with `timeout` (default 60 s). */
  readonly sendTimeoutMs?: number;
}

export type { ConnectionState, ClientEvents } from './client-events.js';

export interface Ack {
  conversation: string;
  clientMsgId: string;
  id: string;
  seq: number;
  ts: number;
}

interface Outgoing {
  conversation: string;
  clientMsgId: string;
  content: string;
  kind: string;
  /** body, replyTo and mentions as they go on the wire (left out when not given). */
  extra: { body?: unknown; replyTo?: number; mentions?: string[]; seenSeq?: number };
  lastSentAt: number;
  deadline: number;
  resolve: (ack: Ack) => void;
  reject: (error: ParleyClientError) => void;
}

/** Conversations named in one auth frame's resume (the server accepts 2000). */
const MAX_RESUME = 1000;
const RETRYABLE = new Set(['unavailable', 'rate_limited', 'too_many_pending', 'internal', 'timeout']);
/** Pages of history (200 messages each) a `dedupe_expired` send looks through for itself. */
const EXPIRED_LOOKUP_PAGES = 50;
const STOP_CODES = new Set<number>([CloseCodes.unauthorized, CloseCodes.loggedOut, CloseCodes.authTimeout]);

/**
 * The Parley client: HTTP API calls plus one realtime connection (WebSocket, or raw TCP in Node; see
 * `ParleyClientOptions.realtimeUrl`) that authenticates, resumes every known
 * conversation from its last seq, re-sends unacked messages with their original clientMsgId after a
 * reconnect (the server dedupes), and emits each message exactly once in order.
 */
export class ParleyClient extends MessagesApi {
  private conn: TransportConnection | undefined;
  private stateValue: ConnectionState = 'idle';
  private readonly positions = new Map<string, number>();
  /** The newest seq this client has learned of per conversation, from any source (live, acks, history reads): what `seenSeq` says. */
  private readonly newest = new Map<string, number>();
  private readonly outbox = new Map<string, Outgoing>();
  private ownAhead = new Map<string, MessageFrame>();
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private tick: ReturnType<typeof setInterval> | undefined;
  private wantOpen = false;

  constructor(private readonly options: ParleyClientOptions) {
    super(options);
    for (const [id, seq] of Object.entries(options.positions ?? {})) this.positions.set(id, seq);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Last seq seen per conversation; persist it to resume across restarts of the app. */
  lastSeqs(): Record<string, number> {
    return Object.fromEntries(this.positions);
  }

  lastSeq(conversation: string): number | undefined {
    return this.positions.get(conversation);
  }

  /**
   * A token for another profile (switchProfile, or a login as someone else) ends the previous profile's
   * realtime session: its positions and ahead-of-order messages are dropped, its unsent messages fail with
   * `closed`, and a connection that was wanted opens again as the new profile (a new `ready` follows).
   */
  protected override signedIn(res: SignedIn): void {
    const previous = this.user?.id;
    super.signedIn(res);
    if (previous === undefined || previous === res.user.id) return;
    this.failOutbox(new ParleyClientError('closed', 'Switched to another profile before the message was acknowledged'));
    this.positions.clear();
    this.ownAhead.clear();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      conn.close(CloseCodes.normal, 'switching profile');
      this.setState('closed', { code: CloseCodes.normal, reason: 'switching profile' });
    }
    this.attempts = 0;
    if (this.wantOpen) this.open();
  }

  protected override signedOut(): void {
    super.signedOut();
    this.close();
  }

  // ---------- realtime ----------

  /** Opens the connection and resolves once authenticated (and reconnects after drops until `close`). */
  connect(): Promise<ReadyFrame> {
    if (!this.token) return Promise.reject(new ParleyClientError('unauthenticated', 'Log in first'));
    try {
      this.endpoint();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    this.wantOpen = true;
    const ready = new Promise<ReadyFrame>((resolve, reject) => {
      const offReady = this.once('ready', (frame) => {
        offState();
        resolve(frame);
      });
      const offState = this.on('state', (state, info) => {
        if (state === 'closed' && !this.wantOpen) {
          offReady();
          offState();
          reject(new ParleyClientError('closed', info?.reason || 'Connection closed before it was ready'));
        }
      });
    });
    this.open();
    this.tick ??= setInterval(() => this.checkOutbox(), 1000);
    return ready;
  }

  /**
   * Sends a message; resolves with its ack. Survives reconnects: it is re-sent with the same clientMsgId.
   * `options` gives its kind with the body that kind declares, the message it replies to and whom it
   * mentions (see SendOptions); the server's refusals reject with its code (`invalid_frame`, `bad_request`,
   * `forbidden`, ...). Every re-send carries the seq this client had seen when it first sent
   * (`seenSeq`): a re-send that comes after the server's dedupe window is refused (`dedupe_expired`)
   * instead of stored twice, and the SDK then looks for the message in the history after that seq: found,
   * the send resolves with it; not found, it is sent again under a new clientMsgId (the ack's), so it is
   * stored once either way (docs/PROTOCOL.md).
   */
  send<K extends MessageKind = 'text'>(conversation: string, content: string, options: SendOptions<K> = {}): Promise<Ack> {
    const clientMsgId = options.clientMsgId ?? randomId();
    const existing = this.outbox.get(clientMsgId);
    if (existing) return new Promise((resolve, reject) => this.chain(existing, resolve, reject));
    return new Promise<Ack>((resolve, reject) => {
      const now = Date.now();
      const entry: Outgoing = {
        conversation,
        clientMsgId,
        content,
        kind: options.kind ?? 'text',
        extra: {
          ...(options.body !== undefined ? { body: options.body } : {}),
          ...(options.replyTo ? { replyTo: options.replyTo } : {}),
          ...(options.mentions?.length ? { mentions: [...new Set(options.mentions)] } : {}),
          // What this client had seen when it first sent: a re-send after the server's dedupe window is then
          // refused (dedupe_expired) instead of stored twice. Knowing nothing of the conversation, it says
          // nothing: a 0 would have every send into a conversation longer than the window refused.
          ...(this.seen(conversation) > 0 ? { seenSeq: this.seen(conversation) } : {}),
        },
        lastSentAt: 0,
        deadline: now + (this.options.sendTimeoutMs ?? 60_000),
        resolve,
        reject,
      };
      this.outbox.set(clientMsgId, entry);
      this.transmit(entry);
    });
  }

  /** Marks everything up to `seq` as read (unread counts, other devices). */
  markRead(conversation: string, seq: number): void {
    this.write({ type: 'read', conversation, seq });
  }

  /**
   * Tells the conversation's other members that this user is typing (`typing`, the default) or stopped.
   * Not repeated by the SDK: while the user types, call it every 3 s (members drop the indicator 6 s after
   * the last one); call it with false when they stop (sending a message stops it too). Best-effort.
   */
  setTyping(conversation: string, typing = true): void {
    this.write({ type: 'typing', conversation, typing });
  }

  /** Closes the connection for good (no reconnect). Pending sends fail with `closed`. */
  close(): void {
    this.wantOpen = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.tick) clearInterval(this.tick);
    this.tick = undefined;
    this.failOutbox(new ParleyClientError('closed', 'The client was closed'));
    this.conn?.close(CloseCodes.normal, 'bye');
    this.conn = undefined;
    this.setState('closed');
  }

  private failOutbox(error: ParleyClientError): void {
    for (const entry of this.outbox.values()) entry.reject(error);
    this.outbox.clear();
  }

  private chain(entry: Outgoing, resolve: (a: Ack) => void, reject: (e: ParleyClientError) => void): void {
    const [r, j] = [entry.resolve, entry.reject];
    entry.resolve = (a) => (r(a), resolve(a));
    entry.reject = (e) => (j(e), reject(e));
  }

  /** The realtime URL and the transport its scheme selects. */
  private endpoint(): { url: URL; transport: Transport } {
    const base = new URL(this.options.realtimeUrl ?? this.options.wsUrl ?? this.options.url);
    const scheme = base.protocol.slice(0, -1);
    const given = this.options.transports?.find((t) => t.schemes.includes(scheme));
    if (given) return { url: base, transport: given };
    if (scheme === 'http' || scheme === 'https' || scheme === 'ws' || scheme === 'wss') {
      const Ctor = this.options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
      if (!Ctor) throw new ParleyClientError('unsupported', 'No WebSocket implementation: pass options.WebSocket (e.g. the ws package)');
      const url = new URL('/v1/ws', base);
      url.protocol = scheme === 'https' || scheme === 'wss' ? 'wss:' : 'ws:';
      return { url, transport: webSocketTransport(Ctor) };
    }
    const hint = scheme === 'tcp' || scheme === 'tls' ? ": pass transports: [tcpTransport()] from '@parley/sdk/node'" : '';
    throw new ParleyClientError('unsupported', `No transport for ${scheme}:// URLs${hint}`);
  }

  private open(): void {
    const { url, transport } = this.endpoint();
    this.setState('connecting');
    const conn: TransportConnection = transport.connect(url, {
      open: () => {
        if (this.conn !== conn) return;
        // The most recently active conversations, within the server's limit per auth frame.
        const resume = Object.fromEntries([...this.positions].slice(-MAX_RESUME));
        conn.send(JSON.stringify({ type: 'auth', token: this.token, ...(Object.keys(resume).length ? { resume } : {}) }));
      },
      frame: (frame) => {
        if (this.conn === conn && typeof frame === 'object' && frame !== null) this.onFrame(frame as ServerFrame);
      },
      close: (code, reason) => {
        if (this.conn !== conn) return;
        this.conn = undefined;
        this.onClose(code, reason);
      },
    });
    this.conn = conn;
  }

  /** One set of rules for every transport's ending (docs/PROTOCOL.md "Close codes"). */
  private onClose(code: number, reason: string): void {
    const stop = STOP_CODES.has(code);
    // Decided before the state event, so that a pending connect() sees it and fails instead of waiting.
    if (stop || this.options.reconnect === false) this.wantOpen = false;
    this.setState('closed', { code, reason });
    if (stop) return this.failOutbox(new ParleyClientError('unauthenticated', `Connection closed: ${reason || code}; log in again`));
    if (this.wantOpen) this.scheduleReconnect(code === CloseCodes.goingAway);
  }

  private scheduleReconnect(soon: boolean): void {
    const min = this.options.minReconnectDelayMs ?? 250;
    const max = this.options.maxReconnectDelayMs ?? 10_000;
    const delay = soon && this.attempts === 0 ? Math.random() * min : Math.min(max, min * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      if (this.wantOpen) this.open();
    }, delay);
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        this.attempts = 0;
        this.user = frame.user;
        this.setState('open');
        this.emit('ready', frame);
        for (const entry of this.outbox.values()) this.transmit(entry);
        return;
      case 'message':
        return this.onMessage(frame);
      case 'ack':
        return this.onAck(frame);
      case 'error': {
        // Not (or no longer) a member: stop resuming it.
        if (frame.code === 'not_member' && frame.conversation && !frame.ref) this.positions.delete(frame.conversation);
        const entry = frame.ref ? this.outbox.get(frame.ref) : undefined;
        if (!entry) return this.emit('error', frame);
        if (RETRYABLE.has(frame.code)) {
          entry.lastSentAt = Date.now() - (this.options.resendAfterMs ?? 10_000) + 500;
          return;
        }
        this.outbox.delete(frame.ref!);
        if (frame.code === 'dedupe_expired') return void this.settleExpired(entry);
        entry.reject(new ParleyClientError(frame.code, frame.message));
        return;
      }
      case 'conversation': {
        // Left, or removed: nothing more arrives, so stop resuming it (a dissolved group's history stays readable).
        if ((frame.event === 'left' && frame.members?.some((m) => m.id === this.user?.id)) || frame.event === 'removed') this.positions.delete(frame.conversation);
        return this.emit('conversation', frame);
      }
      case 'room.presence':
        return this.emit('room.presence', frame);
      case 'resumed':
        // A position lower than ours means ours was past the conversation's end (`resume_ahead`): take the server's.
        for (const [id, seq] of Object.entries(frame.conversations)) if (seq < (this.positions.get(id) ?? 0)) this.positions.set(id, seq);
        return this.emit('resumed', frame.conversations);
      case 'friend':
        return this.emit('friend', frame);
      case 'block':
        return this.emit('block', frame);
      case 'settings':
        return this.emit('settings', frame);
      case 'remark':
        return this.emit('remark', frame);
      case 'profile':
        return this.emit('profile', frame);
      case 'invitation':
        return this.emit('invitation', frame);
      case 'join_request':
        return this.emit('join_request', frame);
      case 'receipts':
        return this.emit('receipts', frame);
      case 'typing':
        return this.emit('typing', frame);
      case 'presence':
        return this.emit('presence', frame);
      case 'pong':
        return;
    }
  }

  /** The newest seq of `conversation` this client has seen, 0 for none. */
  private seen(conversation: string): number {
    return Math.max(this.positions.get(conversation) ?? 0, this.newest.get(conversation) ?? 0);
  }

  private learn(conversation: string, seq: number): void {
    if (seq > (this.newest.get(conversation) ?? 0)) {
      this.newest.delete(conversation); // re-insert: ordered by last activity, the oldest dropped first
      this.newest.set(conversation, seq);
      if (this.newest.size > 10_000) this.newest.delete(this.newest.keys().next().value!);
    }
  }

  /** History pages also tell this client how far each conversation goes (`seenSeq` of its next sends). */
  override async history(id: string, page: { after?: number; before?: number; limit?: number } = {}): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const result = await super.history(id, page);
    const last = result.messages.reduce((n, m) => Math.max(n, m.seq), 0);
    if (last > 0) this.learn(id, last);
    return result;
  }

  private onMessage(m: MessageFrame): void {
    this.learn(m.conversation, m.seq);
    const last = this.positions.get(m.conversation);
    if (last !== undefined && m.seq <= last) return;
    this.positions.delete(m.conversation); // re-insert: the map stays ordered by last activity
    this.positions.set(m.conversation, m.seq);
    this.ownAhead.delete(`${m.conversation}\u0000${m.seq}`);
    this.emit('message', m);
    const next = this.ownAhead.get(`${m.conversation}\u0000${m.seq + 1}`);
    if (next) this.onMessage(next);
  }

  private onAck(ack: AckFrame): void {
    this.learn(ack.conversation, ack.seq);
    const entry = this.outbox.get(ack.clientMsgId);
    this.emit('ack', ack);
    if (!entry) return;
    this.outbox.delete(ack.clientMsgId);
    const own: MessageFrame = {
      type: 'message',
      conversation: ack.conversation,
      id: ack.id,
      seq: ack.seq,
      ts: ack.ts,
      sender: this.user ?? { id: '', username: '' },
      clientMsgId: ack.clientMsgId,
      kind: entry.kind,
      content: entry.content,
      ...(({ seenSeq: _seen, ...fields }) => fields)(entry.extra as Pick<MessageFrame, 'body' | 'replyTo' | 'mentions'> & { seenSeq?: number }),
    };
    // An attachment goes out as its upload's ref; the server delivers the file's description instead, and so do we.
    const ref = isAttachmentKind(entry.kind) ? own.body?.['attachment'] : undefined;
    const file = typeof ref === 'string' ? this.uploads.attachmentFor(ref) : undefined;
    if (file) own.body = { attachment: file };
    const last = this.positions.get(ack.conversation);
    // Our own message counts as received in order; if earlier ones are still on their way, it waits for them.
    if (last === undefined || ack.seq === last + 1) this.onMessage(own);
    else if (ack.seq > last + 1) this.ownAhead.set(`${ack.conversation}\u0000${ack.seq}`, own);
    entry.resolve({ conversation: ack.conversation, clientMsgId: ack.clientMsgId, id: ack.id, seq: ack.seq, ts: ack.ts });
  }

  /**
   * A re-send the server could no longer match (`dedupe_expired`): the history after what this client had
   * seen when it first sent tells whether the message was stored. Found: the send resolves with it. Not
   * found: it is sent again as a new message (a new clientMsgId, which its ack then carries). The history
   * cannot be read, or is longer than EXPIRED_LOOKUP_PAGES pages: the send rejects with `dedupe_expired`.
   */
  private async settleExpired(entry: Outgoing): Promise<void> {
    try {
      for (let after = entry.extra.seenSeq ?? 0, pages = 0; pages < EXPIRED_LOOKUP_PAGES; pages++) {
        const page = await this.history(entry.conversation, { after, limit: 200 });
        const mine = page.messages.find((m) => m.clientMsgId === entry.clientMsgId && m.sender.id === this.user?.id);
        if (mine) return entry.resolve({ conversation: entry.conversation, clientMsgId: entry.clientMsgId, id: mine.id, seq: mine.seq, ts: mine.ts });
        if (!page.hasMore || page.messages.length === 0) {
          // Read to the end: a new clientMsgId is in none of those messages, so the end is what it has seen.
          const end = Math.max(this.seen(entry.conversation), page.messages.at(-1)?.seq ?? after);
          const fresh: Outgoing = { ...entry, clientMsgId: randomId(), extra: { ...entry.extra, ...(end > 0 ? { seenSeq: end } : {}) }, lastSentAt: 0 };
          this.outbox.set(fresh.clientMsgId, fresh);
          return this.transmit(fresh);
        }
        after = page.messages[page.messages.length - 1]!.seq;
      }
    } catch (error) {
      return entry.reject(new ParleyClientError('dedupe_expired', `The server no longer remembers this message and its history could not be read: ${error instanceof Error ? error.message : String(error)}`));
    }
    entry.reject(new ParleyClientError('dedupe_expired', `The server no longer remembers this message; look for clientMsgId ${entry.clientMsgId} in the history`));
  }

  private transmit(entry: Outgoing): void {
    if (this.stateValue !== 'open') return;
    entry.lastSentAt = Date.now();
    this.write({ type: 'send', conversation: entry.conversation, clientMsgId: entry.clientMsgId, content: entry.content, kind: entry.kind, ...entry.extra });
  }

  private checkOutbox(): void {
    const now = Date.now();
    for (const [id, entry] of this.outbox) {
      if (now > entry.deadline) {
        this.outbox.delete(id);
        entry.reject(new ParleyClientError('timeout', 'No ack in time; the message may or may not have been stored'));
      } else if (this.stateValue === 'open' && now - entry.lastSentAt > (this.options.resendAfterMs ?? 10_000)) {
        this.transmit(entry);
      }
    }
  }

  private write(frame: Record<string, unknown>): void {
    if (this.conn && this.stateValue === 'open') this.conn.send(JSON.stringify(frame));
  }

  private setState(state: ConnectionState, info?: { code?: number; reason?: string }): void {
    this.stateValue = state;
    this.emit('state', state, info);
  }
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
