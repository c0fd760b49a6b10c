import type { ConversationKind, ParleyEvent } from '@parley/schemas';

export interface ConversationState {
  readonly id: string;
  readonly kind: ConversationKind;
  name: string;
  readonly createdBy: string;
  /** userId -> username */
  readonly members: Map<string, string>;
  /** The last message seq; messages are numbered 1, 2, 3, ... */
  lastSeq: number;
  /** `${senderId}\u0000${clientMsgId}` -> the message it produced; the newest `dedupeWindow` per conversation. */
  readonly sent: Map<string, { id: string; seq: number; ts: number }>;
}

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
  /** username -> userId */
  readonly users = new Map<string, string>();
  /** userId -> ids of the rooms the user is in (for room presence). */
  readonly roomsByUser = new Map<string, Set<string>>();

  constructor(private readonly options: StreamStateOptions) {}

  apply(event: ParleyEvent): void {
    const p = event.payload;
    switch (p.type) {
      case 'UserRegistered':
        this.users.set(p.username, p.userId);
        return;
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
      case 'TokenRevoked':
      case 'ReadMarked':
      case 'CommandRejected':
      case 'CommandDuplicate':
        return;
      default: {
        const unreachable: never = p;
        throw new Error(`unhandled event ${(unreachable as { type: string }).type}`);
      }
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

export function dedupeKey(senderId: string, clientMsgId: string): string {
  return `${senderId}\u0000${clientMsgId}`;
}
