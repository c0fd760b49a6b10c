import type { Logger, LogProducer, Presence, PresenceSignal } from '@parley/core';
import { commandCodec, type ReceiptMark } from '@parley/schemas';
import { Topics } from '@parley/domain';
import type { PresenceEntry, PresenceFrame, RoomPresenceFrame, TypingFrame } from '@parley/protocol';
import type { Session } from './session.js';

/** A profile's privacy settings as the gateway applies them. */
export interface Privacy {
  readonly readReceipts: boolean;
  readonly presence: 'everyone' | 'contacts' | 'nobody';
}

/** What the gateway reads from the projection store for receipts, typing and presence. */
export interface Directory {
  privacyOf(ids: readonly string[]): Promise<Map<string, Privacy>>;
  /** Friends (friend: true) and direct-conversation partners. */
  contactsOf(userId: string): Promise<Array<{ id: string; friend: boolean }>>;
  isMember(conversation: string, userId: string): Promise<boolean>;
  /** A member, the group not dissolved, and no block between the two of a direct conversation. */
  canType(conversation: string, userId: string): Promise<boolean>;
  memberIds(conversation: string): Promise<string[]>;
}

export interface SocialOptions {
  readonly gatewayId: string;
  readonly presence: Presence;
  readonly directory: Directory;
  readonly producer: LogProducer;
  readonly logger: Logger;
  /** How long reads and deliveries are gathered before one command per conversation carries them. */
  readonly receiptFlushMs: number;
}

/** A `typing: true` more often than this per conversation and connection is dropped. */
export const TYPING_INTERVAL_MS = 2000;
/** Conversations with more members than this show no typing. */
export const MAX_TYPING_MEMBERS = 500;
/** How long a conversation's member list is reused for typing. */
const MEMBERS_TTL_MS = 5000;
const DEFAULT_PRIVACY: Privacy = { readReceipts: true, presence: 'everyone' };

interface PendingMark {
  readSeq: number;
  deliveredSeq: number;
}

/**
 * Read receipts, typing and presence on one gateway (docs/PROTOCOL.md "Read receipts", "Typing",
 * "Presence"). Reads and deliveries are gathered per conversation and written as one MarkReceipts command
 * per flush, whoever the readers: a group where everyone reads costs one event per gateway and flush, not
 * one per reader. Typing and presence never touch the log: typing goes over the presence port's signals,
 * presence comes from its online/offline changes. Everything here is best-effort.
 */
export class Social {
  /** conversation -> userId -> marks waiting for the next flush. */
  private pending = new Map<string, Map<string, PendingMark>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Privacy of the users connected here, kept current by their own `profile` frames. */
  private readonly privacy = new Map<string, Privacy>();
  /** contact id -> the sessions that show the contact's presence. */
  private readonly watchers = new Map<string, Set<Session>>();
  private readonly members = new Map<string, { ids: string[]; at: number }>();
  private readonly offSignal: () => void;
  private readonly offChange: () => void;
  private closed = false;

  constructor(
    private readonly options: SocialOptions,
    /** The sessions of a user on this gateway. */
    private readonly sessionsOf: (userId: string) => Iterable<Session>,
    private readonly write: (session: Session, frame: TypingFrame | PresenceFrame) => void,
  ) {
    this.offSignal = options.presence.onSignal((s) => this.onSignal(s));
    this.offChange = options.presence.onChange(({ userId, online }) => {
      void this.announce(userId, online).catch((error: unknown) => options.logger.warn('presence update failed', { error, userId }));
    });
  }

  /** A session authenticated: its user's privacy, then its contacts and their presence (one frame). */
  async joined(session: Session): Promise<void> {
    const userId = session.user!.id;
    if (!this.privacy.has(userId)) this.privacy.set(userId, (await this.options.directory.privacyOf([userId])).get(userId) ?? DEFAULT_PRIVACY);
    await this.loadContacts(session);
  }

  /**
   * A contact gained (a new friend, a new direct partner) by a user connected here, as a frame told it:
   * their sessions watch it and get its presence at once (the store may not have the fact yet). A
   * friendship that ended only stops counting as one (the contact may be a direct partner too); the next
   * connection loads the contacts afresh.
   */
  contactGained(userId: string, contactId: string, relation: 'friend' | 'partner' | 'unfriended'): void {
    if (contactId === userId) return;
    for (const session of this.sessionsOf(userId)) {
      const known = session.contacts.get(contactId);
      if (relation === 'unfriended') {
        if (known !== undefined) session.contacts.set(contactId, false);
        continue;
      }
      this.watch(session, contactId, relation === 'friend' || known === true);
      // A friend may now see what `contacts` hides from a partner: shown again when the relation grew.
      if (known === undefined || (relation === 'friend' && known === false)) {
        void this.showPresence(session, [contactId]).catch((error: unknown) => this.options.logger.warn('presence failed', { error }));
      }
    }
  }

  /**
   * A `room.presence` frame as its recipients may see it: members who do not show their presence to
   * everyone are neither listed nor counted (of those listed; a room lists at most 100 online members).
   */
  async roomPresence(frame: RoomPresenceFrame): Promise<RoomPresenceFrame> {
    const privacy = await this.options.directory.privacyOf(frame.onlineMembers.map((m) => m.id));
    const shown = frame.onlineMembers.filter((m) => (privacy.get(m.id)?.presence ?? 'everyone') === 'everyone');
    if (shown.length === frame.onlineMembers.length) return frame;
    return { ...frame, online: frame.online - (frame.onlineMembers.length - shown.length), onlineMembers: shown };
  }

  /** A session closed: it stops watching, and typing it started stops. */
  left(session: Session): void {
    for (const id of session.contacts.keys()) this.unwatch(id, session);
    for (const conversation of session.typingIn.keys()) void this.stopTyping(session, conversation);
    const userId = session.user?.id;
    if (userId && [...this.sessionsOf(userId)].length === 0) this.privacy.delete(userId);
  }

  /** Whether receipts frames go to this user (only to those who share their own). */
  sharesReceipts(userId: string): boolean {
    return (this.privacy.get(userId) ?? DEFAULT_PRIVACY).readReceipts;
  }

  /** A `profile` frame for a user connected here: their privacy changed. */
  privacyChanged(userId: string, readReceipts: boolean | undefined, presence: string | undefined): void {
    const before = this.privacy.get(userId) ?? DEFAULT_PRIVACY;
    this.privacy.set(userId, {
      readReceipts: readReceipts ?? before.readReceipts,
      presence: presence === 'contacts' || presence === 'nobody' || presence === 'everyone' ? presence : before.presence,
    });
  }

  // --- Read receipts -----------------------------------------------------------------------------

  /** Whether the user may mark this conversation (a member), remembered per session once true. */
  async canMark(session: Session, conversation: string): Promise<boolean> {
    if (session.memberOf.has(conversation)) return true;
    const member = await this.options.directory.isMember(conversation, session.user!.id);
    if (member) session.memberOf.add(conversation);
    return member;
  }

  read(userId: string, conversation: string, seq: number): void {
    this.mark(userId, conversation, seq, 0);
  }

  /** A message of a direct conversation was written to a connection of its recipient. */
  delivered(userId: string, conversation: string, seq: number): void {
    this.mark(userId, conversation, 0, seq);
  }

  private mark(userId: string, conversation: string, readSeq: number, deliveredSeq: number): void {
    if (this.closed) return;
    let marks = this.pending.get(conversation);
    if (!marks) this.pending.set(conversation, (marks = new Map()));
    const m = marks.get(userId);
    if (m) {
      m.readSeq = Math.max(m.readSeq, readSeq);
      m.deliveredSeq = Math.max(m.deliveredSeq, deliveredSeq);
    } else marks.set(userId, { readSeq, deliveredSeq });
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flushing = this.flushing.then(() => this.flush());
    }, this.options.receiptFlushMs);
  }

  /** Writes what was gathered: one MarkReceipts per conversation. On failure the marks wait for the next flush. */
  async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    const now = Date.now();
    const records = [...batch].map(([conversation, marks]) => {
      const list: ReceiptMark[] = [...marks].map(([userId, m]) => ({ userId, ...m, shared: this.sharesReceipts(userId) }));
      const value = commandCodec.encode({
        commandId: `${this.options.gatewayId}/receipts/${now}/${conversation}`,
        stream: conversation,
        issuedAt: now,
        actor: null,
        origin: { gatewayId: this.options.gatewayId, connectionId: `${this.options.gatewayId}/receipts` },
        payload: { type: 'MarkReceipts', marks: list },
      });
      return { key: conversation, value };
    });
    try {
      await this.options.producer.send(Topics.commands, records);
    } catch (error) {
      this.options.logger.warn('could not write read receipts; retrying with the next flush', { error });
      for (const [conversation, marks] of batch) for (const [userId, m] of marks) {
        this.mark(userId, conversation, m.readSeq, m.deliveredSeq);
      }
    }
  }

  // --- Typing ------------------------------------------------------------------------------------

  /** A `typing` frame from a member (the caller checked membership). */
  async typing(session: Session, conversation: string, typing: boolean): Promise<void> {
    const now = Date.now();
    if (typing) {
      if (now - Math.abs(session.typingIn.get(conversation) ?? 0) < TYPING_INTERVAL_MS) return;
      session.typingIn.set(conversation, now); // before the lookup: a repeat meanwhile is dropped
      // Nothing to show in a dissolved group, or across a block: remembered as refused (negative), still throttled.
      if (!(await this.options.directory.canType(conversation, session.user!.id))) return void session.typingIn.set(conversation, -now);
    } else if (!this.wasTyping(session, conversation)) return;
    await this.signalTyping(session, conversation, typing);
  }

  /** The user sent a message here, or the connection closed: typing there stops. */
  async stopTyping(session: Session, conversation: string): Promise<void> {
    if (!this.wasTyping(session, conversation)) return;
    await this.signalTyping(session, conversation, false).catch((error: unknown) => this.options.logger.warn('typing signal failed', { error }));
  }

  /** Forgets the session's typing in the conversation; whether the others were told it types. */
  private wasTyping(session: Session, conversation: string): boolean {
    const at = session.typingIn.get(conversation);
    session.typingIn.delete(conversation);
    return at !== undefined && at > 0;
  }

  private async signalTyping(session: Session, conversation: string, typing: boolean): Promise<void> {
    const user = session.user!;
    const members = await this.memberIds(conversation);
    if (members.length > MAX_TYPING_MEMBERS) return;
    const to = members.filter((id) => id !== user.id);
    if (to.length === 0) return;
    await this.options.presence.publish({ kind: 'typing', conversation, user: { id: user.id, username: user.username }, typing, to });
  }

  private async memberIds(conversation: string): Promise<string[]> {
    const cached = this.members.get(conversation);
    if (cached && Date.now() - cached.at < MEMBERS_TTL_MS) return cached.ids;
    const ids = await this.options.directory.memberIds(conversation);
    this.members.set(conversation, { ids, at: Date.now() });
    if (this.members.size > 10_000) this.members.delete(this.members.keys().next().value!);
    return ids;
  }

  private onSignal(signal: PresenceSignal): void {
    if (signal.kind !== 'typing') return;
    const { conversation, user, typing, to } = signal as unknown as { conversation: string; user: { id: string; username: string }; typing: boolean; to: string[] };
    if (typeof conversation !== 'string' || !Array.isArray(to) || typeof user?.id !== 'string') return;
    const frame: TypingFrame = { type: 'typing', conversation, user: { id: user.id, username: String(user.username) }, typing: typing === true };
    for (const id of to) for (const session of this.sessionsOf(String(id))) this.write(session, frame);
  }

  // --- Presence ----------------------------------------------------------------------------------

  /** The session's contacts from the store, watched from now on; then their presence, in one frame. */
  private async loadContacts(session: Session): Promise<void> {
    const contacts = await this.options.directory.contactsOf(session.user!.id);
    if (session.closed) return;
    for (const c of contacts) this.watch(session, c.id, c.friend);
    await this.showPresence(session, contacts.map((c) => c.id));
  }

  private watch(session: Session, contactId: string, friend: boolean): void {
    session.contacts.set(contactId, friend);
    let set = this.watchers.get(contactId);
    if (!set) this.watchers.set(contactId, (set = new Set()));
    set.add(session);
  }

  /** One `presence` frame with those of `ids` the session's user may see (none: no frame). */
  private async showPresence(session: Session, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const visible = await this.visibleTo(session, ids);
    const online = await this.options.presence.locate(visible);
    const seen = await this.options.presence.lastSeen(visible.filter((id) => !online.has(id)));
    if (session.closed) return;
    const users: PresenceEntry[] = visible.map((id) => ({ id, online: online.has(id), lastSeen: online.has(id) ? null : (seen.get(id) ?? null) }));
    if (users.length > 0) this.write(session, { type: 'presence', users });
  }

  /** Which of these contacts of the session's user let that user see their presence. */
  private async visibleTo(session: Session, ids: readonly string[]): Promise<string[]> {
    const privacy = await this.options.directory.privacyOf(ids);
    return ids.filter((id) => {
      const p = privacy.get(id)?.presence ?? 'everyone';
      return p === 'everyone' || (p === 'contacts' && session.contacts.get(id) === true);
    });
  }

  private async announce(userId: string, online: boolean): Promise<void> {
    const watching = this.watchers.get(userId);
    if (!watching || watching.size === 0) return;
    const privacy = (await this.options.directory.privacyOf([userId])).get(userId) ?? DEFAULT_PRIVACY;
    if (privacy.presence === 'nobody') return;
    // The time the port recorded, so a later snapshot says the same.
    const lastSeen = online ? null : ((await this.options.presence.lastSeen([userId])).get(userId) ?? Date.now());
    const frame: PresenceFrame = { type: 'presence', users: [{ id: userId, online, lastSeen }] };
    for (const session of watching) {
      if (privacy.presence === 'contacts' && session.contacts.get(userId) !== true) continue;
      this.write(session, frame);
    }
  }

  private unwatch(id: string, session: Session): void {
    const set = this.watchers.get(id);
    set?.delete(session);
    if (set?.size === 0) this.watchers.delete(id);
  }

  /** Writes the marks still gathered and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.offSignal();
    this.offChange();
    await this.flushing;
    await this.flush();
  }
}
