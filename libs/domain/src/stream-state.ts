import type { ParleyEvent } from '@parley/schemas';
import { asInvitePolicy, asJoinPolicy, dedupeKey, newConversation, type ConversationState, type DirectBlocks } from './deciders/conversation/conversation-state.js';
import type { AccountState } from './deciders/account/account-state.js';
import { evolveAccount } from './deciders/account/evolve-account.js';
import { isUserStream } from './streams.js';
import { Conversations, checkConversation, type StatePaging } from './conversations.js';

export interface StreamStateOptions {
  /** How many recent client message ids per conversation are remembered for duplicate detection (0: none). */
  readonly dedupeWindow: number;
  /** How long (ms, by the events' time) a client message id is remembered at most (0 or absent: no limit). */
  readonly dedupeWindowMs?: number;
  /** How many of the newest messages per conversation are remembered for recall and edit (default 1000; 0: none). */
  readonly recentMessages?: number;
}

/**
 * The shape and meaning of StreamState's data, as snapshots hold it (state-snapshot.ts). Bump it whenever
 * a field is added, removed or changes meaning, or `apply` folds an event differently: a snapshot of
 * another version is then ignored and the partition folded from the log. The test "a snapshot of a known
 * history has this digest" fails when the data changes, to remind whoever changed it.
 */
export const STREAM_STATE_VERSION = 2;

/** StreamState's data, as a snapshot holds it. */
export interface StreamStateData {
  conversations: Map<string, ConversationState>;
  accounts: Map<string, AccountState>;
  directBlocks: DirectBlocks;
  roomsByUser: Map<string, Set<string>>;
}

/**
 * The state of every stream of one partition, folded from its events in log order. Ingest decides
 * commands against it; fanout resolves recipients from it. Both rebuild it by replaying the events topic,
 * so it is never stored anywhere else.
 */
export class StreamState {
  /** Conversation streams; with paging, the idle ones are kept in a page file, not in memory. */
  readonly conversations: Conversations;
  /** Account streams (`u.<key>`): a login, a profile, or both. */
  readonly accounts = new Map<string, AccountState>();
  /** Direct conversation stream -> the profiles blocking the other side. */
  readonly directBlocks: DirectBlocks = new Map();
  /** userId -> ids of the rooms the user is in (for room presence). */
  readonly roomsByUser = new Map<string, Set<string>>();

  constructor(
    readonly options: StreamStateOptions,
    paging?: StatePaging,
  ) {
    this.conversations = new Conversations(paging);
  }

  /**
   * The data, conversations by id (those paged out read as copies): for comparing states. Shared, not
   * copied: use it before the next `apply`.
   */
  data(): StreamStateData {
    const conversations = new Map<string, ConversationState>();
    for (const id of this.conversations.ids().sort()) conversations.set(id, this.conversations.peek(id)!);
    return { conversations, accounts: this.accounts, directBlocks: this.directBlocks, roomsByUser: this.roomsByUser };
  }

  /**
   * A state holding `data` (from a snapshot; `conversations` may be absent when the caller adds them
   * itself), folded with `options`. Throws when the data does not have this code's shape.
   */
  static fromData(data: Partial<Pick<StreamStateData, 'conversations'>> & Omit<StreamStateData, 'conversations'>, options: StreamStateOptions, paging?: StatePaging): StreamState {
    const state = new StreamState(options, paging);
    for (const [name, into] of [
      ['accounts', state.accounts],
      ['directBlocks', state.directBlocks],
      ['roomsByUser', state.roomsByUser],
    ] as const) {
      const from = data[name];
      if (!(from instanceof Map)) throw new Error(`${name} is not a map`);
      for (const [key, value] of from as Map<string, never>) (into as Map<string, unknown>).set(key, value);
    }
    if (data.conversations !== undefined) {
      if (!(data.conversations instanceof Map)) throw new Error('conversations is not a map');
      for (const [id, c] of data.conversations) {
        checkConversation(id, c);
        state.conversations.set(id, c);
      }
    }
    return state;
  }

  /** Drops the paged-out conversations' page file: for a state no longer used. */
  close(): void {
    this.conversations.close();
  }

  apply(event: ParleyEvent): void {
    const p = event.payload;
    if (isUserStream(event.stream)) {
      let account = this.accounts.get(event.stream);
      if (!account) this.accounts.set(event.stream, (account = {}));
      evolveAccount(account, p);
      // An account with nothing in it (only rejections so far) is not kept.
      if (!account.login && !account.profile) this.accounts.delete(event.stream);
      return;
    }
    if (p.type === 'ConversationCreated') {
      // Idempotent like every case here: a consumer may fold an event it already applied.
      if (this.conversations.has(event.stream)) return;
      const conversation = newConversation(event.stream, p.kind, p.name, p.createdBy, p.joinPolicy ?? 'open');
      this.conversations.set(event.stream, conversation);
      for (const m of p.members) this.addMember(conversation, m.userId, m.username);
      return;
    }
    if (p.type === 'DirectBlockChanged') {
      const blockers = (this.directBlocks.get(event.stream) ?? []).filter((b) => b !== p.by);
      if (p.blocked) blockers.push(p.by);
      if (blockers.length > 0) this.directBlocks.set(event.stream, blockers);
      else this.directBlocks.delete(event.stream);
      return;
    }
    const c = this.conversations.get(event.stream);
    if (!c) return;
    switch (p.type) {
      case 'MembersJoined': {
        // Folded again (a repeat), it changes nothing: not even an invite link's use count.
        if (p.members.every((m) => c.members.has(m.userId))) return;
        for (const m of p.members) {
          this.addMember(c, m.userId, m.username);
          delete c.invitations[m.userId];
          delete c.joinRequests[m.userId];
        }
        if (p.code) {
          const link = c.links[p.code];
          if (link) link.uses += 1;
        }
        return;
      }
      case 'MemberLeft':
      case 'MemberRemoved':
        this.removeMember(c, p.userId);
        if (p.type === 'MemberRemoved' && p.ban) c.banned[p.userId] = p.username;
        return;
      case 'MessageSent':
        c.lastSeq = event.seq;
        // Senders have read their own messages (the projection raises their mark the same way).
        if (p.kind !== 'system') raiseMarks(c, p.senderId, event.seq, event.seq);
        if ((this.options.recentMessages ?? 1000) > 0 && !c.recent.has(event.seq)) {
          c.recent.set(event.seq, { senderId: p.senderId, ts: event.ts, kind: p.kind, recalled: false });
          if (c.recent.size > (this.options.recentMessages ?? 1000)) {
            const oldest = c.recent.keys().next();
            if (!oldest.done) c.recent.delete(oldest.value);
          }
        }
        // System entries have no client id to repeat. One already forgotten (folded again) is not remembered again.
        if (this.options.dedupeWindow > 0 && p.kind !== 'system' && event.seq > c.dedupeHorizon) {
          c.sent.set(dedupeKey(p.senderId, p.clientMsgId), { id: p.id, seq: event.seq, ts: event.ts });
          const windowMs = this.options.dedupeWindowMs ?? 0;
          // Oldest first: past the count, or older than the window by this event's time.
          for (const [key, sent] of c.sent) {
            if (c.sent.size <= this.options.dedupeWindow && (windowMs <= 0 || sent.ts >= event.ts - windowMs)) break;
            c.sent.delete(key);
            c.dedupeHorizon = Math.max(c.dedupeHorizon, sent.seq);
          }
        }
        return;
      case 'ReadMarked':
        raiseMarks(c, p.userId, p.readSeq, p.readSeq);
        return;
      case 'ReceiptsMarked':
        for (const m of p.marks) raiseMarks(c, m.userId, m.readSeq, m.deliveredSeq);
        return;
      case 'MessageRecalled': {
        const recent = c.recent.get(p.target);
        if (recent) recent.recalled = true;
        delete c.pinned[p.target];
        return;
      }
      case 'MessagePinned':
        if (p.pinned) c.pinned[p.target] = true;
        else delete c.pinned[p.target];
        return;
      case 'MemberRoleChanged':
        if (p.role === 'admin') c.admins[p.userId] = true;
        else delete c.admins[p.userId];
        return;
      case 'OwnershipTransferred':
        // The old owner, if still a member, becomes an admin.
        if (c.members.has(p.fromId)) c.admins[p.fromId] = true;
        delete c.admins[p.toId];
        c.ownerId = p.toId;
        return;
      case 'ConversationDissolved':
        c.dissolved = true;
        c.invitations = {};
        c.joinRequests = {};
        c.links = {};
        return;
      case 'MemberUnbanned':
        delete c.banned[p.userId];
        return;
      case 'MemberMuted':
        if (p.until > 0) c.mutedUntil[p.userId] = p.until;
        else delete c.mutedUntil[p.userId];
        return;
      case 'GroupUpdated':
        c.name = p.name;
        c.avatar = p.avatar;
        c.description = p.description;
        c.joinPolicy = asJoinPolicy(p.joinPolicy);
        c.invitePolicy = asInvitePolicy(p.invitePolicy);
        c.muteAll = p.muteAll;
        return;
      case 'NoticePosted':
        if (!p.edited && c.noticeId !== p.noticeId) {
          c.noticeId = p.noticeId;
          c.noticeCount += 1;
        }
        if (c.noticeId === p.noticeId) c.noticeText = p.text;
        return;
      case 'MembersInvited':
        for (const i of p.invitees) {
          c.invitations[i.userId] = { by: event.actor?.userId ?? '', byName: event.actor?.username ?? '', byAdmin: isAdmin(c, event.actor?.userId), checked: false };
        }
        return;
      case 'InvitationChecked': {
        const invitation = c.invitations[p.userId];
        if (!invitation) return;
        if (p.allowed) invitation.checked = true;
        else delete c.invitations[p.userId];
        return;
      }
      case 'InvitationAnswered':
        delete c.invitations[p.userId];
        return;
      case 'JoinRequested':
        c.joinRequests[p.userId] = { username: p.username, invitedBy: p.invitedBy };
        return;
      case 'JoinRequestAnswered':
        delete c.joinRequests[p.userId];
        return;
      case 'InviteLinkCreated':
        c.links[p.code] = { expiresAt: p.expiresAt, maxUses: p.maxUses, uses: 0 };
        return;
      case 'InviteLinkRevoked':
        delete c.links[p.code];
        return;
      default:
        // Outcomes (rejections, duplicates) and notice acknowledgements change no decision.
        return;
    }
  }

  private removeMember(conversation: ConversationState, userId: string): void {
    conversation.members.delete(userId);
    conversation.reads.delete(userId);
    delete conversation.admins[userId];
    delete conversation.mutedUntil[userId];
    if (conversation.kind === 'room') this.roomsByUser.get(userId)?.delete(conversation.id);
  }

  private addMember(conversation: ConversationState, userId: string, username: string): void {
    conversation.members.set(userId, username);
    if (conversation.kind !== 'room') return;
    let rooms = this.roomsByUser.get(userId);
    if (!rooms) this.roomsByUser.set(userId, (rooms = new Set()));
    rooms.add(conversation.id);
  }
}

/** Moves a member's marks forward (never back: a consumer may fold an event again). */
function raiseMarks(conversation: ConversationState, userId: string, read: number, delivered: number): void {
  if (!conversation.members.has(userId)) return;
  const marks = conversation.reads.get(userId);
  if (!marks) conversation.reads.set(userId, { read, delivered: Math.max(read, delivered) });
  else {
    marks.read = Math.max(marks.read, read);
    marks.delivered = Math.max(marks.delivered, delivered, marks.read);
  }
}

function isAdmin(conversation: ConversationState, userId: string | undefined): boolean {
  return userId !== undefined && (conversation.ownerId === userId || conversation.admins[userId] === true);
}
