import type { Delivery } from '@parley/core';
import type { ParleyEvent } from '@parley/schemas';
import type { ConversationState, StreamState } from '@parley/domain';
import type { AckFrame, ConversationFrame, ErrorFrame, MessageFrame, SessionRevokedFrame } from '@parley/protocol';

/** Most members listed in a conversation frame; clients page the rest over HTTP. */
export const MAX_LISTED_MEMBERS = 200;

/**
 * Who gets what for one event, after the event has been applied to `state`. The origin connection (the
 * one that sent the command) gets the ack or the error; everyone else gets the fact.
 * Returns undefined for events nobody online needs (account events).
 */
export function routeEvent(event: ParleyEvent, state: StreamState, left?: { userId: string }): Delivery | undefined {
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
      };
      const ack: AckFrame = { type: 'ack', conversation: event.stream, clientMsgId: p.clientMsgId, id: p.id, seq: event.seq, ts: event.ts };
      return {
        frame,
        userIds: [...conversation.members.keys()],
        conversation: event.stream,
        seq: event.seq,
        ...(origin ? { origin: { connectionId: origin.connectionId, frame: ack } } : {}),
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
        userIds: [...conversation.members.keys(), left?.userId ?? p.userId],
      };
    }
    case 'ReadMarked': {
      if (!conversation) return undefined;
      const frame: ConversationFrame = { ...conversationFrame(conversation, 'read'), readSeq: p.readSeq };
      return { frame, userIds: [p.userId] };
    }
    case 'TokenRevoked': {
      const frame: SessionRevokedFrame = { type: 'session.revoked', tokenId: p.tokenId };
      return { frame, userIds: [p.userId] };
    }
    case 'UserRegistered':
      return undefined;
    default: {
      const unreachable: never = p;
      return unreachable;
    }
  }
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
