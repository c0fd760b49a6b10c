import type { Command, EventPayload, Member, ParleyEvent } from '@parley/schemas';
import { directConversationId, roomConversationId, conversationKind } from '@parley/protocol';
import { dedupeKey, isUserStream, userStream, type StreamState } from '@parley/domain';

export interface DecideLimits {
  /** Most members a group or room may have. */
  readonly maxMembers: number;
}

export interface DecideContext {
  readonly now: number;
  readonly newId: () => string;
  readonly limits: DecideLimits;
}

/**
 * The rules of Parley, as one pure function: a command and the current state of its stream in, the events
 * that record what happened out. Every command yields at least one event, so its sender always learns the
 * outcome: the facts it caused, or a CommandRejected / CommandDuplicate naming why nothing changed.
 */
export function decide(command: Command, state: StreamState, ctx: DecideContext): ParleyEvent[] {
  const conversation = state.conversations.get(command.stream);
  const event = (payload: EventPayload, seq = conversation?.lastSeq ?? 0): ParleyEvent => ({
    eventId: ctx.newId(),
    stream: command.stream,
    seq,
    ts: ctx.now,
    commandId: command.commandId,
    actor: command.actor,
    origin: command.origin,
    payload,
  });
  const p = command.payload;
  const reject = (code: string, message: string): ParleyEvent[] => [
    event({ type: 'CommandRejected', code, message, clientMsgId: p.type === 'SendMessage' ? p.clientMsgId : '' }),
  ];
  const actor = command.actor;

  if (isUserStream(command.stream)) {
    switch (p.type) {
      case 'RegisterUser':
        if (command.stream !== userStream(p.username)) return reject('bad_request', 'Stream does not match the username');
        if (state.users.has(p.username)) return reject('username_taken', `The username "${p.username}" is taken`);
        return [event({ type: 'UserRegistered', userId: p.userId, username: p.username, passwordHash: p.passwordHash }, 0)];
      case 'RevokeToken':
        if (!actor || command.stream !== userStream(actor.username)) return reject('forbidden', 'Only the account owner may revoke its tokens');
        return [event({ type: 'TokenRevoked', userId: actor.userId, tokenId: p.tokenId, expiresAt: p.expiresAt }, 0)];
      default:
        return reject('bad_request', `${p.type} does not apply to an account`);
    }
  }

  const kind = conversationKind(command.stream);
  if (!kind || !actor) return reject('bad_request', 'Commands on a conversation need a valid conversation id and an actor');
  const isMember = conversation?.members.has(actor.userId) ?? false;

  switch (p.type) {
    case 'SendMessage': {
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      const earlier = conversation.sent.get(dedupeKey(actor.userId, p.clientMsgId));
      if (earlier) {
        return [event({ type: 'CommandDuplicate', clientMsgId: p.clientMsgId, messageId: earlier.id, messageSeq: earlier.seq, messageTs: earlier.ts })];
      }
      return [
        event(
          { type: 'MessageSent', id: ctx.newId(), senderId: actor.userId, senderName: actor.username, clientMsgId: p.clientMsgId, kind: p.kind, content: p.content },
          conversation.lastSeq + 1,
        ),
      ];
    }
    case 'CreateConversation': {
      if (conversation) return reject('conflict', 'The conversation already exists');
      if (p.kind !== kind || p.kind === 'room') return reject('bad_request', 'Rooms are created by joining them; the id must match the kind');
      const members = uniqueMembers(p.members);
      if (!members.some((m) => m.userId === actor.userId)) return reject('forbidden', 'The creator must be a member');
      if (p.kind === 'direct') {
        const [a, b] = members;
        if (members.length !== 2 || !a || !b || directConversationId(a.userId, b.userId) !== command.stream) {
          return reject('bad_request', 'A direct conversation has exactly its two users as members');
        }
      }
      if (members.length > ctx.limits.maxMembers) return reject('bad_request', `A group has at most ${ctx.limits.maxMembers} members`);
      return [event({ type: 'ConversationCreated', kind: p.kind, name: p.name, createdBy: actor.userId, members }, 0)];
    }
    case 'AddMembers': {
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      if (conversation.kind !== 'group') return reject('bad_request', 'Members can be added to groups only');
      const fresh = uniqueMembers(p.members).filter((m) => !conversation.members.has(m.userId));
      if (fresh.length === 0) return reject('conflict', 'They are members already');
      if (conversation.members.size + fresh.length > ctx.limits.maxMembers) return reject('bad_request', `A group has at most ${ctx.limits.maxMembers} members`);
      return [event({ type: 'MembersJoined', members: fresh })];
    }
    case 'JoinConversation': {
      const self = [{ userId: actor.userId, username: actor.username }];
      if (p.kind !== kind || kind === 'direct') return reject('bad_request', 'Only groups and rooms can be joined');
      if (!conversation) {
        if (kind === 'group') return reject('not_found', 'No such group');
        const name = command.stream.slice(2);
        if (roomConversationId(name) !== command.stream) return reject('bad_request', 'Invalid room id');
        return [event({ type: 'ConversationCreated', kind: 'room', name, createdBy: actor.userId, members: self }, 0)];
      }
      if (isMember) return reject('conflict', 'You are a member already');
      if (conversation.members.size >= ctx.limits.maxMembers) return reject('bad_request', 'The conversation is full');
      return [event({ type: 'MembersJoined', members: self })];
    }
    case 'LeaveConversation':
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      if (conversation.kind === 'direct') return reject('bad_request', 'A direct conversation cannot be left');
      return [event({ type: 'MemberLeft', userId: actor.userId, username: actor.username })];
    case 'MarkRead':
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      return [event({ type: 'ReadMarked', userId: actor.userId, readSeq: Math.min(Math.max(0, p.seq), conversation.lastSeq) })];
    case 'RegisterUser':
    case 'RevokeToken':
      return reject('bad_request', `${p.type} applies to an account stream`);
    default: {
      const unreachable: never = p;
      return reject('bad_request', `Unknown command ${(unreachable as { type: string }).type}`);
    }
  }
}

function uniqueMembers(members: readonly Member[]): Member[] {
  const seen = new Map<string, Member>();
  for (const m of members) if (!seen.has(m.userId)) seen.set(m.userId, { userId: m.userId, username: m.username });
  return [...seen.values()];
}
