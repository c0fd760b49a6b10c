import { setTimeout as sleep } from 'node:timers/promises';
import {
  isParleyError,
  type Delivery,
  type EventLog,
  type LogProducer,
  type Logger,
  type Presence,
} from '@parley/core';
import { commandCodec, type CommandPayload } from '@parley/schemas';
import { Topics } from '@parley/domain';
import type { AttachmentSigner, Authenticate } from '@parley/auth';
import {
  CloseCodes,
  SYSTEM_KIND,
  conversationKind,
  isAttachmentKind,
  parseClientFrame,
  type AckFrame,
  type Attachment,
  type AttachmentKind,
  type ClientFrame,
  type ErrorFrame,
  type MessageFrame,
  type ProfileFrame,
  type ReadyFrame,
  type RoomPresenceFrame,
  type ServerFrame,
  type SessionRevokedFrame,
} from '@parley/protocol';
import type { AwaitProjection, ClientSocket, HistoryReader } from './socket.js';
import { Metrics, SpanKind, inSpan, injectTrace } from '@parley/telemetry';
import { Cork, Session } from './session.js';
import { HeartbeatSweep } from './heartbeat-sweep.js';
import { Social, type Directory } from './social.js';
import type { HeartbeatConfig } from './transport-config.js';

export interface GatewayLimits {
  readonly maxContentBytes: number;
  /** Largest frame the gateway reads; larger ones get a `payload_too_large` error and are dropped. */
  readonly maxFrameBytes: number;
  readonly maxPendingSends: number;
  /**
   * Unacknowledged sends over all connections: past it a send is refused (`too_many_pending`, retryable)
   * instead of queueing in this process while the log falls behind.
   */
  readonly maxGatewayPendingSends: number;
  readonly maxResumeConversations: number;
  readonly authTimeoutMs: number;
  readonly framesPerSecond: number;
  readonly frameBurst: number;
  /** A connection whose unsent output exceeds this is closed (4008) and must resume. */
  readonly maxBufferedBytes: number;
  /** Consecutive bad frames before the connection is closed (4004). */
  readonly maxConsecutiveErrors: number;
  /** Messages held per conversation ahead of a gap before giving up on the connection. */
  readonly maxAheadPerConversation: number;
}

export interface GatewayOptions {
  readonly gatewayId: string;
  readonly log: EventLog;
  readonly presence: Presence;
  readonly authenticate: Authenticate;
  /** Checks the `ref` an attachment kind's `send` names and gives the file's description in its place. */
  readonly attachments: AttachmentSigner;
  /**
   * Whether upload `upload` of `userId` still holds file `blob` (the store's uploads table): a ref whose
   * upload was deleted names bytes that may be gone, and is refused.
   */
  readonly attachmentHeld: (upload: string, userId: string, blob: string) => Promise<boolean>;
  readonly history: HistoryReader;
  readonly awaitProjection: AwaitProjection;
  readonly logger: Logger;
  readonly limits: GatewayLimits;
  /** How often this gateway renews its presence lease. */
  readonly heartbeatMs: number;
  /** Dead-connection detection on every transport (see HeartbeatSweep). */
  readonly clientHeartbeat: HeartbeatConfig;
  /** Privacy, contacts and members, from the projection store (receipts, typing, presence). */
  readonly directory: Directory;
  /** How long reads and deliveries are gathered into one command per conversation (PARLEY_RECEIPT_FLUSH_MS). */
  readonly receiptFlushMs: number;
  /** Group and room messages to connections that are current through the transport's topics (default true; see deliverMessage). */
  readonly topicFanout?: boolean;
}

const HISTORY_PAGE = 200;
const MAX_TIMER_MS = 2 ** 31 - 1;
const FILL_ATTEMPTS = 40;
/** Rounds of up to 5 s each that a resume keeps following a lagging store (about 2 minutes). */
const FOLLOW_UP_ATTEMPTS = 24;

/**
 * The gateway core: authenticates connections, turns `send` frames into commands on the log, and writes
 * what fanout hands it to every connection of every recipient. It knows sockets only as ClientSocket;
 * the uWebSockets.js transport lives in uws-server.ts.
 */
export class Gateway {
  private readonly sessions = new Map<string, Session>();
  private readonly byUser = new Map<string, Set<Session>>();
  private readonly producer: LogProducer;
  private nextId = 0;
  /** Holds writes during a hand-off batch (see Cork). */
  private readonly cork = new Cork();
  /** Unacknowledged sends over every session (see GatewayLimits.maxGatewayPendingSends). */
  private readonly pendingSends = { count: 0 };
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly sweep: HeartbeatSweep;
  private accepting = true;
  private readonly social: Social;
  /** Sessions subscribed to each conversation's topic (see deliverMessage). */
  private readonly topicMembers = new Map<string, Set<Session>>();
  /** Whether group and room messages go through the transport's topics (GatewayOptions.topicFanout). */
  private readonly topicFanout: boolean;

  constructor(private readonly options: GatewayOptions) {
    this.topicFanout = options.topicFanout ?? true;
    this.producer = options.log.producer();
    this.social = new Social(
      { gatewayId: options.gatewayId, presence: options.presence, directory: options.directory, producer: this.producer, logger: options.logger, receiptFlushMs: options.receiptFlushMs },
      (userId) => this.byUser.get(userId) ?? [],
      (session, frame) => this.write(session, frame),
    );
    this.sweep = new HeartbeatSweep(options.clientHeartbeat, () => this.sessions.values(), (session) =>
      this.closeSession(session, CloseCodes.heartbeatTimeout, 'no heartbeat answer in time'),
    );
  }

  get id(): string {
    return this.options.gatewayId;
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  start(): void {
    this.heartbeat = setInterval(() => {
      this.options.presence
        .heartbeat(this.id)
        .catch((error: unknown) => this.options.logger.warn('presence heartbeat failed', { error }));
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
    this.sweep.start();
  }

  /** A transport opened a connection. Returns the session to pass back with its frames, or undefined when draining. */
  open(socket: ClientSocket): Session | undefined {
    if (!this.accepting) {
      socket.close(CloseCodes.goingAway, 'server is shutting down; reconnect');
      return undefined;
    }
    const session = new Session(`${this.id}/${++this.nextId}`, socket, this.options.limits, this.cork, this.pendingSends);
    this.sessions.set(session.id, session);
    Metrics.connections.add(1);
    const timer = setTimeout(() => {
      if (!session.user) this.closeSession(session, CloseCodes.authTimeout, 'no auth frame in time');
    }, this.options.limits.authTimeoutMs);
    timer.unref();
    session.timers.push(timer);
    return session;
  }

  /** A transport got one text frame from the connection. */
  message(session: Session, text: string): void {
    if (session.closed) return;
    session.lastHeardAt = Date.now();
    Metrics.framesIn.add(1);
    const limited = !session.bucket.take();
    const parsed = parseClientFrame(text, this.options.limits);
    // A dropped send is named by its clientMsgId, like every other error about a send, so the client can retry it.
    const sendRef = parsed.ok ? (parsed.frame.type === 'send' ? parsed.frame.clientMsgId : undefined) : parsed.ref;
    if (limited)
      return this.fail(session, { code: 'rate_limited', message: 'Too many frames; slow down', ...(sendRef ? { ref: sendRef } : {}) });
    if (!parsed.ok)
      return this.fail(session, {
        code: parsed.code,
        message: parsed.message,
        ...(parsed.ref ? { ref: parsed.ref } : {}),
      });
    void this.handle(session, parsed.frame).catch((error: unknown) => {
      this.options.logger.error('frame handling failed', {
        connection: session.id,
        type: parsed.frame.type,
        error,
      });
      this.fail(session, { code: 'internal', message: 'The server failed to handle that frame; retry', ...(sendRef ? { ref: sendRef } : {}) });
    });
  }

  /** A transport got a frame over `maxFrameBytes`: refuse it without reading it, keep the connection. */
  oversized(session: Session, bytes: number): void {
    if (session.closed) return;
    session.lastHeardAt = Date.now();
    this.fail(session, {
      code: 'payload_too_large',
      message: `Frame is ${bytes} bytes; the limit is ${this.options.limits.maxFrameBytes}`,
    });
  }

  /** The transport heard from the connection outside a frame (a WebSocket pong or ping): it is alive. */
  heard(session: Session): void {
    session.lastHeardAt = Date.now();
  }

  /** The transport saw the connection close. Idempotent. */
  closed(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    session.closed = true;
    for (const c of [...session.live]) this.leaveTopic(session, c);
    session.pending.clear(); // no ack can reach it now: its sends no longer count against the gateway's bound
    Metrics.connections.add(-1);
    for (const t of session.timers) clearTimeout(t);
    if (session.user) {
      const set = this.byUser.get(session.user.id);
      set?.delete(session);
      if (set?.size === 0) this.byUser.delete(session.user.id);
      this.social.left(session);
      this.options.presence
        .disconnect({ userId: session.user.id, gatewayId: this.id, connectionId: session.id })
        .catch((error: unknown) => this.options.logger.warn('presence disconnect failed', { error }));
    }
  }

  private async handle(session: Session, frame: ClientFrame): Promise<void> {
    if (frame.type === 'ping')
      return void this.write(session, { type: 'pong', ...(frame.id !== undefined ? { id: frame.id } : {}) });
    if (frame.type === 'auth') return this.auth(session, frame.token, frame.resume);
    if (!session.user)
      return this.fail(session, {
        code: 'unauthenticated',
        message: 'Send an auth frame with your token first',
        // An error about a send names its clientMsgId (PROTOCOL.md, error.ref), this one too.
        ...(frame.type === 'send' ? { ref: frame.clientMsgId } : {}),
      });
    session.errors = 0;
    switch (frame.type) {
      case 'send': {
        const kind = frame.kind ?? 'text';
        // An attachment's upload is looked up before its send goes on; sends after it wait their turn, so a
        // connection's sends reach the log in its order. Others (no lookup pending) go at once.
        if (!isAttachmentKind(kind) && session.queued === 0) return this.sendFrame(session, frame, frame.body);
        session.queued += 1;
        const turn = session.sendQueue.then(async () => {
          try {
            if (session.closed) return;
            if (!isAttachmentKind(kind)) return await this.sendFrame(session, frame, frame.body);
            // parseClientFrame checked the body is { attachment: <ref> }; the message carries the file instead.
            const found = await this.attachment(session.user!.id, kind, (frame.body as { attachment: string }).attachment);
            if ('error' in found) return this.fail(session, { code: 'invalid_attachment', message: found.error, ref: frame.clientMsgId });
            await this.sendFrame(session, frame, { attachment: found.attachment });
          } finally {
            session.queued -= 1;
          }
        });
        // The queue goes on after a failed turn; the failure itself is the caller's (handle's catch).
        session.sendQueue = turn.catch(() => undefined);
        return turn;
      }
      case 'read':
        if (!(await this.social.canMark(session, frame.conversation))) return this.notMember(session, frame.conversation);
        return this.social.read(session.user!.id, frame.conversation, frame.seq);
      case 'typing':
        if (!(await this.social.canMark(session, frame.conversation))) return this.notMember(session, frame.conversation);
        return this.social.typing(session, frame.conversation, frame.typing ?? true);
      case 'resume':
        return this.resume(session, frame.conversations);
      default: {
        const unreachable: never = frame;
        return unreachable;
      }
    }
  }

  /** A well-formed read or typing for a conversation the user is not in: an answer, not a bad frame (no count toward closing). */
  private notMember(session: Session, conversation: string): void {
    this.write(session, { type: 'error', code: 'not_member', message: 'You are not a member of this conversation', conversation });
  }

  private async auth(session: Session, token: string, resume: Record<string, number> | undefined): Promise<void> {
    if (session.user || session.authenticating)
      return this.fail(session, { code: 'bad_request', message: 'Already authenticated' });
    session.authenticating = true;
    let claims;
    try {
      claims = await this.options.authenticate(token);
    } catch (error) {
      const code = isParleyError(error) ? error.code : 'invalid_token';
      this.write(session, {
        type: 'error',
        code,
        message: isParleyError(error) ? error.message : 'The token is not valid',
      });
      return this.closeSession(session, CloseCodes.unauthorized, code);
    }
    if (session.closed) return;
    session.user = { id: claims.userId, username: claims.username };
    session.tokenId = claims.tokenId;
    let set = this.byUser.get(claims.userId);
    if (!set) this.byUser.set(claims.userId, (set = new Set()));
    set.add(session);
    this.closeAtExpiry(session, claims.expiresAt);
    // Cursors are set before presence makes this connection reachable, so no live message can overtake history.
    for (const [id, seq] of Object.entries(resume ?? {})) {
      session.cursors.set(id, seq);
      session.filling.add(id);
    }
    await this.options.presence.connect({
      userId: claims.userId,
      gatewayId: this.id,
      connectionId: session.id,
    });
    const ready: ReadyFrame = {
      type: 'ready',
      user: session.user,
      connectionId: session.id,
      limits: {
        maxContentBytes: this.options.limits.maxContentBytes,
        maxPendingSends: this.options.limits.maxPendingSends,
      },
    };
    this.write(session, ready);
    // Privacy, then the contacts' presence (one `presence` frame); receipts and presence wait for it.
    await this.social.joined(session).catch((error: unknown) => this.options.logger.warn('loading presence failed', { error, connection: session.id }));
    // An auth with `resume`, even an empty one, is answered by `resumed` (PROTOCOL.md, Connecting).
    if (resume !== undefined) await this.catchUp(session, Object.keys(resume));
  }

  /** Closes the session when its token expires (re-armed in steps: timers cap at about 24.8 days). */
  private closeAtExpiry(session: Session, expiresAt: number): void {
    const wait = Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      if (Date.now() >= expiresAt) this.closeSession(session, CloseCodes.unauthorized, 'token expired');
      else if (!session.closed) this.closeAtExpiry(session, expiresAt);
    }, wait);
    timer.unref();
    session.timers.push(timer);
  }

  /** A `send` frame as the SendMessage command, with `body` (the frame's, or the file its ref named). */
  private sendFrame(session: Session, frame: Extract<ClientFrame, { type: 'send' }>, body: unknown): Promise<void> {
    // Sending ends typing there.
    if (session.typingIn.has(frame.conversation)) void this.social.stopTyping(session, frame.conversation);
    return this.send(session, frame.conversation, frame.clientMsgId, {
      type: 'SendMessage',
      clientMsgId: frame.clientMsgId,
      kind: frame.kind ?? 'text',
      content: frame.content,
      // The command carries the body as JSON text ("" for none); parseClientFrame checked it against the kind.
      body: body === undefined ? '' : JSON.stringify(body),
      replyTo: frame.replyTo ?? 0,
      mentions: frame.mentions ?? [],
      seenSeq: frame.seenSeq ?? -1,
    });
  }

  /**
   * The file an attachment `ref` names, if it is good for this sender and kind and its upload still holds
   * it (not deleted since); else why not.
   */
  private async attachment(userId: string, kind: AttachmentKind, ref: string): Promise<{ attachment: Attachment } | { error: string }> {
    let opened: ReturnType<AttachmentSigner['openRef']>;
    try {
      opened = this.options.attachments.openRef(ref, userId, Date.now());
    } catch (error) {
      if (isParleyError(error) && error.code === 'invalid_attachment') return { error: error.message };
      throw error;
    }
    const { attachment, upload } = opened;
    if (attachment.kind !== kind) return { error: `That upload is of kind "${attachment.kind}"; send it with kind "${attachment.kind}"` };
    if (upload === undefined || !(await this.options.attachmentHeld(upload, userId, attachment.id))) {
      return { error: 'That upload was deleted; upload the file again' };
    }
    return { attachment };
  }

  private async send(
    session: Session,
    conversation: string,
    clientMsgId: string,
    payload: CommandPayload,
  ): Promise<void> {
    if (session.pending.size >= this.options.limits.maxPendingSends && !session.pending.has(clientMsgId)) {
      return this.fail(session, {
        code: 'too_many_pending',
        message: `Wait for acks: at most ${this.options.limits.maxPendingSends} sends in flight`,
        ref: clientMsgId,
      });
    }
    if (this.pendingSends.count >= this.options.limits.maxGatewayPendingSends && !session.pending.has(clientMsgId)) {
      return this.fail(session, {
        code: 'too_many_pending',
        message: 'The server is busy; retry later with the same clientMsgId',
        ref: clientMsgId,
      });
    }
    session.pending.set(clientMsgId, conversation);
    try {
      await this.command(session, conversation, payload);
    } catch (error) {
      session.pending.delete(clientMsgId);
      throw error;
    }
  }

  /** Writes a command to the log; its outcome comes back through fanout as an ack, a fact or an error. */
  private async command(session: Session, conversation: string, payload: CommandPayload): Promise<void> {
    const user = session.user!;
    const issuedAt = Date.now();
    const value = commandCodec.encode({
      commandId: `${session.id}/${++this.nextId}`,
      stream: conversation,
      issuedAt,
      actor: { userId: user.id, username: user.username },
      origin: { gatewayId: this.id, connectionId: session.id },
      payload,
    });
    try {
      await inSpan(
        `gateway.${payload.type}`,
        undefined,
        async (span) => {
          span.setAttribute('parley.conversation', conversation);
          const headers = injectTrace({ 'parley-issued-at': String(issuedAt) });
          await this.producer.send(Topics.commands, [{ key: conversation, value, headers }]);
        },
        SpanKind.PRODUCER,
      );
    } catch (error) {
      this.options.logger.warn('could not write a command to the log', { error });
      const ref = payload.type === 'SendMessage' ? payload.clientMsgId : undefined;
      if (ref) session.pending.delete(ref);
      this.write(session, {
        type: 'error',
        code: 'unavailable',
        message: 'Could not store the command; retry with the same clientMsgId',
        conversation,
        ...(ref ? { ref } : {}),
      });
    }
  }

  /** Mid-session resume: restarts each conversation's cursor at the client's seq and catches up. */
  private async resume(session: Session, conversations: Record<string, number>): Promise<void> {
    for (const [id, seq] of Object.entries(conversations)) {
      this.leaveTopic(session, id);
      session.cursors.set(id, seq);
      session.filling.add(id);
    }
    await this.catchUp(session, Object.keys(conversations));
  }

  /** Writes history after each conversation's cursor, then `resumed`; live messages held meanwhile follow in order. */
  private async catchUp(session: Session, ids: readonly string[]): Promise<void> {
    let fresh = true;
    try {
      fresh = await this.options.awaitProjection(ids, 5000);
      const result: Record<string, number> = {};
      for (const id of ids) {
        const ok = await this.catchUpFromHistory(session, id, fresh);
        this.flushAhead(session, id, true);
        result[id] = session.cursors.get(id) ?? 0;
        if (!ok) {
          // Not a member: forget the position, or the messages up to it would be dropped as repeats if
          // the user joins later (the cursor starts at the first message received, as for any conversation).
          session.cursors.delete(id);
          this.write(session, {
            type: 'error',
            code: 'not_member',
            message: 'You are not a member of this conversation',
            conversation: id,
          });
        }
      }
      this.write(session, { type: 'resumed', conversations: result });
    } finally {
      for (const id of ids) {
        session.filling.delete(id);
        this.flushAhead(session, id);
        // The store may have lagged past the wait: keep filling until the held messages connect.
        if (session.ahead.get(id)?.size) void this.fillGap(session, id);
      }
    }
    // A store still behind the log means history may be missing its newest messages, and in a quiet
    // conversation no live message would ever reveal the gap: keep reading until the store caught up.
    if (!fresh) void this.followUp(session, ids);
  }

  private async followUp(session: Session, ids: readonly string[]): Promise<void> {
    for (let attempt = 0; attempt < FOLLOW_UP_ATTEMPTS && !session.closed; attempt++) {
      const caughtUp = await this.options.awaitProjection(ids, 5000);
      for (const id of ids) {
        if (session.closed || session.filling.has(id)) continue;
        session.filling.add(id);
        try {
          await this.catchUpFromHistory(session, id, caughtUp);
          this.flushAhead(session, id, true);
        } finally {
          session.filling.delete(id);
          this.flushAhead(session, id);
        }
      }
      if (caughtUp) return;
    }
    if (!session.closed) this.options.logger.warn('the store stayed behind the log after a resume', { connection: session.id });
  }

  /**
   * Writes history after the connection's cursor until the store has no more. False if not a member.
   * With `storeIsCurrent` (the store holds everything the log held when the resume began), a cursor past
   * the conversation's last seq names messages that do not exist: it is clamped to the last seq and the
   * client told (`resume_ahead`), otherwise every later live message would be dropped as already held.
   */
  private async catchUpFromHistory(session: Session, conversation: string, storeIsCurrent = false): Promise<boolean> {
    for (;;) {
      if (session.closed) return true;
      const after = session.cursors.get(conversation) ?? 0;
      const page = await this.options.history(session.user!.id, conversation, after, HISTORY_PAGE);
      if (page === 'not_member') return false;
      for (const m of page.messages) this.writeInOrder(session, m, JSON.stringify(m), false, true);
      if (page.messages.length < HISTORY_PAGE) {
        if (storeIsCurrent && after > page.lastSeq) {
          session.cursors.set(conversation, page.lastSeq);
          this.write(session, {
            type: 'error',
            code: 'resume_ahead',
            message: `Resume position ${after} is past the conversation's last seq ${page.lastSeq}; continuing after ${page.lastSeq}. Drop any local message above it.`,
            conversation,
          });
        }
        return true;
      }
    }
  }

  /** Fanout's hand-off: every delivery of a batch, for the users of this gateway. */
  async deliver(batch: readonly Delivery[]): Promise<void> {
    // Room presence as its recipients may see it (privacy, read from the store) before anything is written.
    if (batch.some((d) => d.frame.type === 'room.presence')) {
      batch = await Promise.all(batch.map(async (d) => (d.frame.type === 'room.presence' ? { ...d, frame: await this.social.roomPresence(d.frame as RoomPresenceFrame) } : d)));
    }
    this.cork.depth++;
    try {
      for (const d of batch) {
        if (d.trace && d.trace['traceparent'])
          await inSpan('gateway.deliver', d.trace, () => this.deliverOne(d));
        else this.deliverOne(d);
      }
    } finally {
      if (--this.cork.depth === 0) this.uncork();
    }
  }

  /** Sends every session's held frames (see Cork), then checks their send buffers. */
  private uncork(): void {
    const held = [...this.cork.held];
    this.cork.held.clear();
    for (const session of held) {
      session.flush();
      this.checkBackpressure(session);
    }
  }

  /** Writes one delivery: the origin's ack or error, and the frame to every other connection of its users. */
  private deliverOne(d: Delivery): void {
    const text = JSON.stringify(d.frame);
    const originSession = d.origin ? this.sessions.get(d.origin.connectionId) : undefined;
    if (d.frame.type === 'session.revoked') {
      const tokenId = (d.frame as SessionRevokedFrame).tokenId;
      for (const userId of d.userIds)
        for (const s of this.byUser.get(userId) ?? [])
          if (s.tokenId === tokenId) this.closeSession(s, CloseCodes.loggedOut, 'logged out');
      return;
    }
    if (d.frame.type === 'message' && d.issuedAt) {
      const seconds = Math.max(0, Date.now() - d.issuedAt) / 1000;
      for (const userId of d.userIds)
        for (let i = this.byUser.get(userId)?.size ?? 0; i > 0; i--) Metrics.e2eLatency.record(seconds);
    }
    if (d.frame.type === 'message' && conversationKind((d.frame as MessageFrame).conversation) !== 'direct') {
      // Groups and rooms: through the transport's topic (the origin's own cursor moves with it, so first).
      this.deliverMessage(d, d.frame as MessageFrame, text, originSession);
      if (originSession && d.origin) this.deliverToOrigin(originSession, d, d.origin.frame as ServerFrame);
      return;
    }
    if (originSession && d.origin) this.deliverToOrigin(originSession, d, d.origin.frame as ServerFrame);
    this.noteSocial(d);
    for (const userId of d.userIds) {
      // Receipts go only to those who share their own.
      if (d.frame.type === 'receipts' && !this.social.sharesReceipts(userId)) continue;
      for (const session of this.byUser.get(userId) ?? []) {
        if (session === originSession) continue;
        if (d.frame.type === 'message') this.writeInOrder(session, d.frame as MessageFrame, text, false);
        else session.write(text);
        this.checkBackpressure(session);
      }
    }
  }

  /**
   * A group or room message to every connection of its recipients here. A connection whose cursor in the
   * conversation is current (nothing held ahead, no gap being filled) is subscribed to the conversation's
   * topic, and one publish writes the message to all of them (the fan-out in uWS's C++, one copy of the
   * text); the others take the per-connection path (writeInOrder: in order, gaps filled from history),
   * and join the topic once they are current. Before each publish, a subscriber that is no longer a
   * recipient or no longer exactly one message behind leaves it, so the topic never writes a repeat, a
   * gap, or to someone who may not read the conversation. uWS keeps a subscriber's published messages
   * in order with its own sends; frames held for it by the cork go out before the publish.
   */
  private deliverMessage(d: Delivery, m: MessageFrame, text: string, origin: Session | undefined): void {
    const c = m.conversation;
    const topic = `m/${c}`;
    const members = this.topicMembers.get(c);
    let publishVia: Session | undefined;
    let reached = 0;
    if (members && members.size > 0) {
      const users = new Set(d.userIds);
      for (const s of [...members]) {
        if (s.closed || !s.user || !users.has(s.user.id) || s.cursors.get(c) !== m.seq - 1 || s.filling.has(c) || s.ahead.has(c)) {
          this.leaveTopic(s, c);
          continue;
        }
        if (s.holding) s.flush();
        s.cursors.set(c, m.seq);
        this.cork.held.add(s); // its send buffer is checked when the batch ends
        if (s !== origin) reached++;
        publishVia ??= s;
      }
      if (publishVia && reached > 0) {
        const exceptOrigin = origin !== undefined && members.has(origin);
        (exceptOrigin ? origin : publishVia).socket.topics!.publish(topic, text, exceptOrigin);
        Metrics.framesOut.add(reached);
        Metrics.messagesDelivered.add(reached);
      }
    }
    for (const userId of d.userIds) {
      for (const session of this.byUser.get(userId) ?? []) {
        if (session === origin || members?.has(session)) continue;
        this.writeInOrder(session, m, text, false);
        this.checkBackpressure(session);
        if (
          this.topicFanout &&
          session.socket.topics &&
          !session.closed &&
          session.cursors.get(c) === m.seq &&
          !session.filling.has(c) &&
          !session.ahead.has(c)
        ) {
          this.joinTopic(session, c);
        }
      }
    }
  }

  private joinTopic(session: Session, conversation: string): void {
    if (session.holding) session.flush(); // what it holds goes out before anything published
    session.socket.topics!.subscribe(`m/${conversation}`);
    session.live.add(conversation);
    let members = this.topicMembers.get(conversation);
    if (!members) this.topicMembers.set(conversation, (members = new Set()));
    members.add(session);
  }

  private leaveTopic(session: Session, conversation: string): void {
    if (!session.live.delete(conversation)) return;
    session.socket.topics?.unsubscribe(`m/${conversation}`);
    const members = this.topicMembers.get(conversation);
    members?.delete(session);
    if (members?.size === 0) this.topicMembers.delete(conversation);
  }

  /** What a hand-off tells the receipts and presence of the users here: privacy, friends, direct partners. */
  private noteSocial(d: Delivery): void {
    const frame = d.frame as ServerFrame;
    if (frame.type === 'profile' && frame.event === 'privacy') {
      const p = frame as ProfileFrame;
      for (const userId of d.userIds) if (userId === p.id) this.social.privacyChanged(userId, p.readReceipts, p.presence);
    } else if (frame.type === 'friend' && (frame.event === 'accepted' || frame.event === 'added' || frame.event === 'removed')) {
      for (const userId of d.userIds) {
        if (!this.byUser.has(userId)) continue;
        const other = frame.from.id === userId ? frame.to.id : frame.from.id;
        this.social.contactGained(userId, other, frame.event === 'removed' ? 'unfriended' : 'friend');
      }
    } else if (frame.type === 'conversation' && frame.kind === 'direct' && frame.event === 'created') {
      // A direct conversation's id names its two members: d.<id>.<id>.
      const [, a, b] = frame.conversation.split('.');
      for (const userId of d.userIds) if (this.byUser.has(userId) && a && b) this.social.contactGained(userId, userId === a ? b : a, 'partner');
    }
  }

  private deliverToOrigin(session: Session, d: Delivery, frame: ServerFrame): void {
    if (frame.type === 'ack' || frame.type === 'error') {
      const ref = frame.type === 'ack' ? frame.clientMsgId : frame.ref;
      if (ref) session.pending.delete(ref);
    }
    this.write(session, frame);
    // The ack stands for the message on the sender's connection; the cursor moves past it.
    if (frame.type === 'ack' && d.frame.type === 'message')
      this.writeInOrder(session, d.frame as MessageFrame, JSON.stringify(d.frame), true);
  }

  /**
   * Writes message `m` to the connection only in seq order: a repeat is dropped, a message ahead of a gap
   * waits while the gap is filled from history. `acked` marks the sender's own message, already answered
   * by its ack, which moves the cursor without being written again. `fromHistory` marks the fill itself,
   * which writes while live messages of the conversation are held back.
   */
  private writeInOrder(
    session: Session,
    m: MessageFrame,
    text: string,
    acked: boolean,
    fromHistory = false,
  ): void {
    const cursor = session.cursors.get(m.conversation);
    if (
      (!fromHistory && session.filling.has(m.conversation)) ||
      (cursor !== undefined && m.seq > cursor + 1)
    ) {
      if (cursor !== undefined && m.seq <= cursor) return;
      let ahead = session.ahead.get(m.conversation);
      if (!ahead) session.ahead.set(m.conversation, (ahead = new Map()));
      ahead.set(m.seq, m);
      if (ahead.size > this.options.limits.maxAheadPerConversation) {
        return this.closeSession(session, CloseCodes.slowConsumer, 'too far behind; reconnect and resume');
      }
      if (!session.filling.has(m.conversation)) void this.fillGap(session, m.conversation);
      return;
    }
    if (cursor !== undefined && m.seq <= cursor) return;
    session.cursors.set(m.conversation, m.seq);
    if (!acked) {
      session.write(text);
      this.wroteMessage(session, m);
    }
    this.checkBackpressure(session);
  }

  /** A message reached a connection of a member: in a direct conversation, the message is delivered. */
  private wroteMessage(session: Session, m: MessageFrame): void {
    if (m.kind !== SYSTEM_KIND && m.sender.id !== session.user?.id && conversationKind(m.conversation) === 'direct') {
      this.social.delivered(session.user!.id, m.conversation, m.seq);
    }
  }

  private async fillGap(session: Session, conversation: string): Promise<void> {
    session.filling.add(conversation);
    try {
      for (let attempt = 0; attempt < FILL_ATTEMPTS && !session.closed; attempt++) {
        await this.catchUpFromHistory(session, conversation);
        this.flushAhead(session, conversation, true);
        if (!session.ahead.get(conversation)?.size) return;
        await sleep(Math.min(25 * (attempt + 1), 250));
      }
      if (session.ahead.get(conversation)?.size) {
        this.options.logger.warn('could not fill a gap from history; closing so the client resumes', {
          connection: session.id,
          conversation,
        });
        this.closeSession(session, CloseCodes.slowConsumer, 'could not fill a gap; reconnect and resume');
      }
    } finally {
      session.filling.delete(conversation);
      this.flushAhead(session, conversation);
    }
  }

  /** Writes held messages that are now next in line. */
  private flushAhead(session: Session, conversation: string, evenWhileFilling = false): void {
    const ahead = session.ahead.get(conversation);
    if (!ahead || (!evenWhileFilling && session.filling.has(conversation))) return;
    for (;;) {
      const cursor = session.cursors.get(conversation) ?? 0;
      for (const seq of [...ahead.keys()]) if (seq <= cursor) ahead.delete(seq);
      const next = ahead.get(cursor + 1);
      if (!next) break;
      ahead.delete(cursor + 1);
      session.cursors.set(conversation, next.seq);
      session.write(JSON.stringify(next));
      this.wroteMessage(session, next);
    }
    if (ahead.size === 0) session.ahead.delete(conversation);
  }

  private write(session: Session, frame: ServerFrame | ErrorFrame | AckFrame): void {
    session.write(JSON.stringify(frame));
    this.checkBackpressure(session);
  }

  private checkBackpressure(session: Session): void {
    // While corked the frames are held, not buffered in the socket: uncork() checks every held session.
    if (this.cork.depth > 0) return;
    if (!session.closed && session.socket.bufferedAmount() > this.options.limits.maxBufferedBytes) {
      this.closeSession(session, CloseCodes.slowConsumer, 'send buffer full; reconnect and resume');
    }
  }

  private fail(session: Session, error: Omit<ErrorFrame, 'type'>): void {
    this.write(session, { type: 'error', ...error });
    if (++session.errors >= this.options.limits.maxConsecutiveErrors)
      this.closeSession(session, CloseCodes.protocolAbuse, 'too many bad frames');
  }

  private closeSession(session: Session, code: number, reason: string): void {
    if (session.closed) return;
    session.flush(); // frames held by a cork go out before the close
    session.socket.close(code, reason);
    this.closed(session);
  }

  /** Stops accepting, tells every client to reconnect elsewhere (1001), and stops heartbeating and sweeping. Idempotent. */
  async drain(): Promise<void> {
    this.accepting = false;
    for (const session of [...this.sessions.values()])
      this.closeSession(session, CloseCodes.goingAway, 'server is shutting down; reconnect');
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.sweep.stop();
    await this.social.close().catch((error: unknown) => this.options.logger.warn('could not write the last read receipts', { error }));
    await this.producer.close();
  }
}
