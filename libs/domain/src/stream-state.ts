import type { ParleyEvent } from '@parley/schemas';
import { dedupeKey, type ConversationState, type DirectBlocks } from './deciders/conversation/conversation-state.js';
import type { AccountState } from './deciders/account/account-state.js';
import { evolveAccount } from './deciders/account/evolve-account.js';
import { isUserStream } from './streams.js';

export interface StreamStateOptions {
  /** How many recent client message ids per conversation are remembered for duplicate detection (0: none). */
  readonly dedupeWindow: number;
}

/**
 * The state of every stream of one partition, folded from its events in log order. Ingest decides
 * commands against it; fanout resolves recipients from it. Both rebuild it by replaying the events topic,
 * so it is never stored anywhere else.
 */
export class StreamState {
  readonly conversations = new Map<string, ConversationState>();
  /** Account streams (`u.<key>`): a login, a profile, or both. */
  readonly accounts = new Map<string, AccountState>();
  /** Direct conversation stream -> the profiles blocking the other side. */
  readonly directBlocks: DirectBlocks = new Map();
  /** userId -> ids of the rooms the user is in (for room presence). */
  readonly roomsByUser = new Map<string, Set<string>>();

  constructor(private readonly options: StreamStateOptions) {}

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
    switch (p.type) {
      case 'ConversationCreated': {
        // Idempotent like every case here: a consumer may fold an event it already applied.
        if (this.conversations.has(event.stream)) return;
        const conversation: ConversationState = {
          id: event.stream,
          kind: p.kind,
          name: p.name,
          createdBy: p.createdBy,
          members: new Map(),
          lastSeq: 0,
          sent: new Map(),
        };
        this.conversations.set(event.stream, conversation);
        for (const m of p.members) this.addMember(conversation, m.userId, m.username);
        return;
      }
      case 'MembersJoined': {
        const conversation = this.conversations.get(event.stream);
        if (conversation) for (const m of p.members) this.addMember(conversation, m.userId, m.username);
        return;
      }
      case 'MemberLeft': {
        const conversation = this.conversations.get(event.stream);
        if (!conversation) return;
        conversation.members.delete(p.userId);
        if (conversation.kind === 'room') this.roomsByUser.get(p.userId)?.delete(conversation.id);
        return;
      }
      case 'MessageSent': {
        const conversation = this.conversations.get(event.stream);
        if (!conversation) return;
        conversation.lastSeq = event.seq;
        if (this.options.dedupeWindow > 0) {
          conversation.sent.set(dedupeKey(p.senderId, p.clientMsgId), { id: p.id, seq: event.seq, ts: event.ts });
          if (conversation.sent.size > this.options.dedupeWindow) {
            const oldest = conversation.sent.keys().next();
            if (!oldest.done) conversation.sent.delete(oldest.value);
          }
        }
        return;
      }
      case 'DirectBlockChanged': {
        const blockers = (this.directBlocks.get(event.stream) ?? []).filter((b) => b !== p.by);
        if (p.blocked) blockers.push(p.by);
        if (blockers.length > 0) this.directBlocks.set(event.stream, blockers);
        else this.directBlocks.delete(event.stream);
        return;
      }
      default:
        // Account events and outcomes (rejections, duplicates, read marks) change no conversation state.
        return;
    }
  }

  private addMember(conversation: ConversationState, userId: string, username: string): void {
    conversation.members.set(userId, username);
    if (conversation.kind !== 'room') return;
    let rooms = this.roomsByUser.get(userId);
    if (!rooms) this.roomsByUser.set(userId, (rooms = new Set()));
    rooms.add(conversation.id);
  }
}
