import type { Delivery } from '@parley/core';
import type { ParleyEvent } from '@parley/schemas';
import type { ConversationState, StreamState } from '@parley/domain';
import {
  SYSTEM_KIND,
  type AckFrame,
  type BlockFrame,
  type ConversationFrame,
  type ErrorFrame,
  type FriendFrame,
  type InvitationFrame,
  type JoinRequestFrame,
  type MessageFrame,
  type ProfileFrame,
  type ReceiptsFrame,
  type RemarkFrame,
  type SessionRevokedFrame,
  type SettingsFrame,
} from '@parley/protocol';

type MessageSent = Extract<ParleyEvent['payload'], { type: 'MessageSent' }>;

/**
 * What a MessageSent adds to its `message` frame beyond the text, each only when there is one: the body
 * (the event's JSON text, parsed; an event whose body does not parse goes out without it, as a message a
 * client shows by its content), the quoted seq, the mentions, `forwarded: true`. Events written before v3
 * have none of them.
 */
function messageExtras(p: MessageSent): Pick<MessageFrame, 'body' | 'replyTo' | 'mentions' | 'forwarded'> {
  const body = p.body ? parseBody(p.body) : undefined;
  return {
    ...(body === undefined ? {} : { body }),
    ...(p.replyTo !== undefined && p.replyTo > 0 ? { replyTo: p.replyTo } : {}),
    ...(p.mentions !== undefined && p.mentions.length > 0 ? { mentions: p.mentions } : {}),
    ...(p.forwarded === true ? { forwarded: true as const } : {}),
  };
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Most members listed in a conversation frame; clients page the rest over HTTP. */
export const MAX_LISTED_MEMBERS = 200;

/**
 * What folding an event forgets that routing it needs: read by `priorFacts` from the state just before
 * the event is applied. Today only an invitation's inviter (InvitationAnswered drops the invitation).
 */
export interface PriorFacts {
  readonly inviter?: { id: string; username: string };
  /** ReceiptsMarked: each reader's read mark before it (a mark that only moved its delivery is no read). */
  readonly reads?: ReadonlyMap<string, number>;
}

/** The facts of `state` that applying `event` is about to drop; call it before `state.apply(event)`. */
export function priorFacts(event: ParleyEvent, state: StreamState): PriorFacts | undefined {
  if (event.payload.type === 'ReceiptsMarked') {
    const reads = state.conversations.get(event.stream)?.reads;
    return { reads: new Map(event.payload.marks.map((m) => [m.userId, reads?.get(m.userId)?.read ?? 0])) };
  }
  if (event.payload.type !== 'InvitationAnswered') return undefined;
  const invitation = state.conversations.get(event.stream)?.invitations[event.payload.userId];
  return invitation ? { inviter: { id: invitation.by, username: invitation.byName } } : undefined;
}

/**
 * Every delivery of one event: routeEvent's, after the `conversation` frames (event "read") that tell each
 * reader of a ReceiptsMarked whose read mark moved (not only its delivery) their new mark, whatever their
 * privacy (unread counts on every device).
 */
export function routeAll(event: ParleyEvent, state: StreamState, prior?: PriorFacts): Delivery[] {
  const p = event.payload;
  const conversation = state.conversations.get(event.stream);
  const own: Delivery[] =
    p.type === 'ReceiptsMarked' && conversation
      ? p.marks.filter((m) => m.readSeq > (prior?.reads?.get(m.userId) ?? 0)).map((m) => ({ frame: { ...conversationFrame(conversation, 'read'), readSeq: m.readSeq } satisfies ConversationFrame, userIds: [m.userId] }))
      : [];
  const routed = routeEvent(event, state, prior);
  return routed ? [...own, routed] : own;
}

/**
 * Who gets what for one event, after the event has been applied to `state` (`prior`: what the apply
 * dropped, from `priorFacts`). The origin connection (the one that sent the command) gets the ack or the
 * error; everyone else gets the fact. Returns undefined for events nobody online needs: account
 * bookkeeping, and group and message changes whose system entry (a `message` of kind "system") already
 * tells the members.
 */
export function routeEvent(event: ParleyEvent, state: StreamState, prior?: PriorFacts): Delivery | undefined {
  const p = event.payload;
  const conversation = state.conversations.get(event.stream);
  const origin = event.origin;
  switch (p.type) {
    case 'MessageSent': {
      if (!conversation) return undefined;
      const frame: MessageFrame = {
        type: 'message',
        conversation: event.stream,
        id: p.id,
        seq: event.seq,
        ts: event.ts,
        sender: { id: p.senderId, username: p.senderName },
        clientMsgId: p.clientMsgId,
        kind: p.kind,
        content: p.content,
        ...messageExtras(p),
      };
      // A system entry is in the timeline like a message, but nobody sent it as one: no ack. It is folded
      // before the MemberRemoved / MemberLeft that follows it, so a departing member gets it too.
      const ack: AckFrame = { type: 'ack', conversation: event.stream, clientMsgId: p.clientMsgId, id: p.id, seq: event.seq, ts: event.ts };
      return {
        frame,
        userIds: [...conversation.members.keys()],
        conversation: event.stream,
        seq: event.seq,
        ...(origin && p.kind !== SYSTEM_KIND ? { origin: { connectionId: origin.connectionId, frame: ack } } : {}),
      };
    }
    case 'CommandDuplicate': {
      if (!origin || !event.actor) return undefined;
      const ack: AckFrame = { type: 'ack', conversation: event.stream, clientMsgId: p.clientMsgId, id: p.messageId, seq: p.messageSeq, ts: p.messageTs };
      return { frame: ack, userIds: [], origin: { connectionId: origin.connectionId, frame: ack } };
    }
    case 'CommandRejected': {
      if (!origin || !event.actor) return undefined;
      const error: ErrorFrame = {
        type: 'error',
        code: p.code,
        message: p.message,
        ...(p.clientMsgId ? { ref: p.clientMsgId } : {}),
        ...(event.stream.startsWith('u.') ? {} : { conversation: event.stream }),
      };
      return { frame: error, userIds: [], origin: { connectionId: origin.connectionId, frame: error } };
    }
    case 'ConversationCreated':
    case 'MembersJoined': {
      if (!conversation) return undefined;
      const members = p.type === 'ConversationCreated' ? p.members : p.members;
      return {
        frame: conversationFrame(conversation, p.type === 'ConversationCreated' ? 'created' : 'joined', members.map((m) => ({ id: m.userId, username: m.username }))),
        userIds: [...conversation.members.keys()],
      };
    }
    case 'MemberLeft': {
      if (!conversation) return undefined;
      return {
        frame: conversationFrame(conversation, 'left', [{ id: p.userId, username: p.username }]),
        userIds: [...conversation.members.keys(), p.userId],
      };
    }
    case 'MemberRemoved':
      // Only the removed member: the others learn it from the system entry just before. Nothing of the
      // conversation reaches the removed member after this frame.
      if (!conversation) return undefined;
      return { frame: conversationFrame(conversation, 'removed', [{ id: p.userId, username: p.username }]), userIds: [p.userId] };
    case 'ConversationDissolved':
    case 'GroupUpdated':
      // After a dissolution the members stay members (they read the history); `updated` carries the new name.
      if (!conversation) return undefined;
      return { frame: conversationFrame(conversation, p.type === 'GroupUpdated' ? 'updated' : 'dissolved'), userIds: [...conversation.members.keys()] };
    case 'InvitationChecked': {
      // Only a checked invitation is the invitee's to see. Gone already (answered since: a redelivered
      // batch folded again), there is nothing left to announce.
      const invitation = conversation?.invitations[p.userId];
      if (!conversation || !p.allowed || !invitation?.checked) return undefined;
      return invitationTo(p.userId, { event: 'received', conversation: conversation.id, name: conversation.name, invitedBy: ref(invitation.by, invitation.byName) });
    }
    case 'InvitationAnswered':
      // Tells the invitee's other devices the invitation is settled. Without the inviter (a redelivered
      // batch, folded already) the frame is skipped: clients refresh their invitations over HTTP.
      if (!conversation || !prior?.inviter) return undefined;
      return invitationTo(p.userId, { event: 'answered', conversation: conversation.id, name: conversation.name, invitedBy: prior.inviter, accepted: p.accepted });
    case 'JoinRequested':
      if (!conversation) return undefined;
      return joinRequest(conversation, { event: 'requested', user: ref(p.userId, p.username), note: p.note });
    case 'JoinRequestAnswered':
      // The requester is not a member yet (an approval's MembersJoined follows): they are told here.
      if (!conversation) return undefined;
      return joinRequest(conversation, { event: 'answered', user: ref(p.userId, p.username), approved: p.approved }, p.userId);
    case 'ReadMarked': {
      if (!conversation) return undefined;
      const frame: ConversationFrame = { ...conversationFrame(conversation, 'read'), readSeq: p.readSeq };
      return { frame, userIds: [p.userId] };
    }
    case 'ReceiptsMarked': {
      // The members learn the marks of those who share them (each gateway drops the frame for a member who
      // shares none); each reader's own devices learn their mark from readFrames.
      const shared = p.marks.filter((m) => m.shared);
      if (!conversation || shared.length === 0) return undefined;
      const frame: ReceiptsFrame = {
        type: 'receipts',
        conversation: conversation.id,
        marks: shared.map((m) => ({ user: { id: m.userId }, readSeq: m.readSeq, deliveredSeq: m.deliveredSeq })),
      };
      return { frame, userIds: [...conversation.members.keys()] };
    }
    case 'TokenRevoked': {
      const frame: SessionRevokedFrame = { type: 'session.revoked', tokenId: p.tokenId };
      return { frame, userIds: [p.userId] };
    }
    case 'FriendRequested':
      return friend({ event: 'requested', from: ref(p.fromId, p.fromHandle), to: ref(p.toId, p.toHandle), requestId: p.requestId, note: p.note }, [p.fromId, p.toId]);
    case 'FriendRequestAccepted':
      return friend({ event: 'accepted', from: ref(p.fromId, p.fromHandle), to: ref(p.toId, p.toHandle), requestId: p.requestId }, [p.fromId, p.toId]);
    case 'FriendRequestRefused':
      return friend({ event: 'refused', from: ref(p.fromId), to: ref(p.toId), requestId: p.requestId }, [p.fromId, p.toId]);
    case 'FriendRequestCancelled':
      // The frame goes to both sides, and the blocked side is never told of a block: a cancellation by a
      // block carries no reason (the blocker learns of it from its own `block` frame).
      return friend(
        { event: 'cancelled', from: ref(p.fromId), to: ref(p.toId), requestId: p.requestId, ...(p.reason === 'blocked' ? {} : { reason: p.reason }) },
        [p.fromId, p.toId],
      );
    case 'FriendAdded':
      return friend({ event: 'added', from: ref(p.profileId), to: ref(p.friendId, p.friendHandle), requestId: p.requestId }, [p.profileId]);
    case 'FriendRemoved':
      // Each side's removal is recorded on its own stream (the second by the friends workflow): each tells its own devices.
      return friend({ event: 'removed', from: ref(p.profileId), to: ref(p.friendId) }, [p.profileId]);
    case 'ProfileBlocked':
    case 'ProfileUnblocked': {
      const frame: BlockFrame = { type: 'block', event: p.type === 'ProfileBlocked' ? 'blocked' : 'unblocked', profile: { id: p.blockedId } };
      return { frame, userIds: [p.profileId] };
    }
    case 'ConversationSettingsChanged': {
      const frame: SettingsFrame = { type: 'settings', conversation: p.conversation, settings: { pinned: p.pinned, muteUntil: p.muteUntil, hidden: p.hidden, remark: p.remark } };
      return { frame, userIds: [p.profileId] };
    }
    case 'ContactRemarkSet': {
      const frame: RemarkFrame = { type: 'remark', contact: p.contactId, remark: p.remark };
      return { frame, userIds: [p.profileId] };
    }
    case 'ProfileUpdated':
      // Friends get it too, so the names they show follow (the profile's stream knows its friends).
      return profile({ event: 'updated', id: p.profileId, displayName: p.displayName, bio: p.bio, avatar: p.avatar }, Object.keys(state.accounts.get(event.stream)?.profile?.friends ?? {}));
    case 'ProfileDeleted':
      return profile({ event: 'deleted', id: p.profileId });
    case 'PrivacyChanged':
      return profile({ event: 'privacy', id: p.profileId, directFrom: p.directFrom, readReceipts: p.readReceipts ?? true, presence: p.presence ?? 'everyone' });
    // Login facts are the owner's alone and reach clients through the HTTP answers; the workflow's
    // bookkeeping (approvals, direct blocks) shows through the conversation frames it leads to.
    // A new profile has no connections yet; the login's other profiles list it through GET /v1/profiles.
    case 'ProfileCreated':
    case 'UserRegistered':
    case 'LoginRegistered':
    case 'PasswordChanged':
    case 'EmailVerified':
    case 'LoginDeleted':
    case 'DirectApproved':
    case 'DirectBlockChanged':
    // Group changes whose system entry tells every member (the entry is the live frame); the invitee
    // hears of an invitation only once their stream took it (InvitationChecked); invite links and notice
    // acknowledgements show through the HTTP API.
    case 'MemberRoleChanged':
    case 'OwnershipTransferred':
    case 'MemberUnbanned':
    case 'MemberMuted':
    case 'NoticePosted':
    case 'NoticeAcknowledged':
    case 'MembersInvited':
    case 'InviteLinkCreated':
    case 'InviteLinkRevoked':
    case 'GroupInvitationChecked':
    // Changes to an earlier message: each comes right after its system entry (recalled, edited, pinned,
    // unpinned, reaction, naming the message), which every member gets in order, live and on resume.
    case 'MessageRecalled':
    case 'MessageEdited':
    case 'MessagePinned':
    case 'ReactionChanged':
      return undefined;
    default: {
      const unreachable: never = p;
      return unreachable;
    }
  }
}

/** A user reference when only the id is in the event: clients look the handle up (GET /v1/profiles/{id}). */
function ref(id: string, username = ''): { id: string; username: string } {
  return { id, username };
}

function friend(fields: Omit<FriendFrame, 'type'>, userIds: string[]): Delivery {
  const frame: FriendFrame = { type: 'friend', ...fields };
  return { frame, userIds: [...new Set(userIds)] };
}

function profile(fields: Omit<ProfileFrame, 'type'>, alsoTo: readonly string[] = []): Delivery {
  const frame: ProfileFrame = { type: 'profile', ...fields };
  return { frame, userIds: [fields.id, ...alsoTo] };
}

function invitationTo(inviteeId: string, fields: Omit<InvitationFrame, 'type'>): Delivery {
  const frame: InvitationFrame = { type: 'invitation', ...fields };
  return { frame, userIds: [inviteeId] };
}

/** To the people who answer requests (the owner and the admins), and `alsoTo`. */
function joinRequest(conversation: ConversationState, fields: Omit<JoinRequestFrame, 'type' | 'conversation' | 'name'>, alsoTo?: string): Delivery {
  const frame: JoinRequestFrame = { type: 'join_request', conversation: conversation.id, name: conversation.name, ...fields };
  const runners = [conversation.ownerId, ...Object.keys(conversation.admins)].filter((id) => conversation.members.has(id));
  return { frame, userIds: [...new Set(alsoTo === undefined ? runners : [...runners, alsoTo])] };
}

function conversationFrame(
  conversation: ConversationState,
  event: ConversationFrame['event'],
  members?: Array<{ id: string; username: string }>,
): ConversationFrame {
  return {
    type: 'conversation',
    event,
    conversation: conversation.id,
    kind: conversation.kind,
    name: conversation.name,
    ...(members ? { members: members.slice(0, MAX_LISTED_MEMBERS) } : {}),
    lastSeq: conversation.lastSeq,
  };
}
