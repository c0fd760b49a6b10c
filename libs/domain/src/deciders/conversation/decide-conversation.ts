import type { Command, Member } from '@parley/schemas';
import { conversationKind, directConversationId, roomConversationId } from '@parley/protocol';
import { accept, reject, type Outcome } from '../outcome.js';
import { dedupeKey, type ConversationState } from './conversation-state.js';

export interface ConversationLimits {
  /** Most members a group or room may have. */
  readonly maxMembers: number;
}

/**
 * The conversation decider: membership, messages and read marks of one conversation. `blockers` are the
 * profiles that block the other side of a direct conversation (set by the friends workflow): while there
 * is one, the conversation takes no messages and cannot be created.
 */
export function decideConversation(
  command: Command,
  conversation: ConversationState | undefined,
  blockers: readonly string[],
  limits: ConversationLimits,
  newId: () => string,
): Outcome {
  const p = command.payload;
  const actor = command.actor;
  const kind = conversationKind(command.stream);
  if (!kind || !actor) return reject('bad_request', 'Commands on a conversation need a valid conversation id and an actor');
  const isMember = conversation?.members.has(actor.userId) ?? false;
  const blocked = (): Outcome =>
    blockers.includes(actor.userId) ? reject('blocked', 'You blocked this person; unblock them to write to them') : reject('not_permitted', 'This person does not take direct messages from you');

  switch (p.type) {
    case 'SendMessage': {
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      const earlier = conversation.sent.get(dedupeKey(actor.userId, p.clientMsgId));
      if (earlier) return accept({ type: 'CommandDuplicate', clientMsgId: p.clientMsgId, messageId: earlier.id, messageSeq: earlier.seq, messageTs: earlier.ts });
      if (blockers.length > 0) return blocked();
      return accept({ type: 'MessageSent', id: newId(), senderId: actor.userId, senderName: actor.username, clientMsgId: p.clientMsgId, kind: p.kind, content: p.content });
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
        if (blockers.length > 0) return blocked();
      }
      if (members.length > limits.maxMembers) return reject('bad_request', `A group has at most ${limits.maxMembers} members`);
      return accept({ type: 'ConversationCreated', kind: p.kind, name: p.name, createdBy: actor.userId, members });
    }
    case 'AddMembers': {
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      if (conversation.kind !== 'group') return reject('bad_request', 'Members can be added to groups only');
      const fresh = uniqueMembers(p.members).filter((m) => !conversation.members.has(m.userId));
      if (fresh.length === 0) return reject('conflict', 'They are members already');
      if (conversation.members.size + fresh.length > limits.maxMembers) return reject('bad_request', `A group has at most ${limits.maxMembers} members`);
      return accept({ type: 'MembersJoined', members: fresh });
    }
    case 'JoinConversation': {
      const self = [{ userId: actor.userId, username: actor.username }];
      if (p.kind !== kind || kind === 'direct') return reject('bad_request', 'Only groups and rooms can be joined');
      if (!conversation) {
        if (kind === 'group') return reject('not_found', 'No such group');
        const name = command.stream.slice(2);
        if (roomConversationId(name) !== command.stream) return reject('bad_request', 'Invalid room id');
        return accept({ type: 'ConversationCreated', kind: 'room', name, createdBy: actor.userId, members: self });
      }
      if (isMember) return reject('conflict', 'You are a member already');
      if (conversation.members.size >= limits.maxMembers) return reject('bad_request', 'The conversation is full');
      return accept({ type: 'MembersJoined', members: self });
    }
    case 'LeaveConversation':
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      if (conversation.kind === 'direct') return reject('bad_request', 'A direct conversation cannot be left');
      return accept({ type: 'MemberLeft', userId: actor.userId, username: actor.username });
    case 'MarkRead':
      if (!conversation || !isMember) return reject('not_member', 'You are not a member of this conversation');
      return accept({ type: 'ReadMarked', userId: actor.userId, readSeq: Math.min(Math.max(0, p.seq), conversation.lastSeq) });
    case 'SetDirectBlock':
      // Workflow only: the block of one profile by another, mirrored onto their direct conversation.
      if (kind !== 'direct' || directConversationId(p.by, p.other) !== command.stream) return reject('bad_request', 'Not the two profiles of this direct conversation');
      if (blockers.includes(p.by) === p.blocked) return reject('conflict', 'Recorded already');
      return accept({ type: 'DirectBlockChanged', by: p.by, other: p.other, blocked: p.blocked });
    default:
      return reject('bad_request', `${p.type} does not apply to a conversation`);
  }
}

function uniqueMembers(members: readonly Member[]): Member[] {
  const seen = new Map<string, Member>();
  for (const m of members) if (!seen.has(m.userId)) seen.set(m.userId, { userId: m.userId, username: m.username });
  return [...seen.values()];
}
