/** TypeScript views of schemas/command.avsc and schemas/event.avsc; the codec checks values against the schemas. */
export type ConversationKind = 'direct' | 'group' | 'room';

export interface Actor {
  userId: string;
  username: string;
}

export interface Origin {
  gatewayId: string;
  connectionId: string;
}

export interface Member {
  userId: string;
  username: string;
}

export type CommandPayload =
  | { type: 'SendMessage'; clientMsgId: string; kind: string; content: string }
  | { type: 'RegisterUser'; userId: string; username: string; passwordHash: string }
  | { type: 'RevokeToken'; tokenId: string; expiresAt: number }
  | { type: 'CreateConversation'; kind: ConversationKind; name: string; members: Member[] }
  | { type: 'AddMembers'; members: Member[] }
  | { type: 'JoinConversation'; kind: ConversationKind }
  | { type: 'LeaveConversation'; reason: string }
  | { type: 'MarkRead'; seq: number };

export interface Command {
  commandId: string;
  stream: string;
  issuedAt: number;
  actor: Actor | null;
  origin: Origin | null;
  payload: CommandPayload;
}

export type EventPayload =
  | { type: 'UserRegistered'; userId: string; username: string; passwordHash: string }
  | { type: 'TokenRevoked'; userId: string; tokenId: string; expiresAt: number }
  | { type: 'ConversationCreated'; kind: ConversationKind; name: string; createdBy: string; members: Member[] }
  | { type: 'MembersJoined'; members: Member[] }
  | { type: 'MemberLeft'; userId: string; username: string }
  | { type: 'MessageSent'; id: string; senderId: string; senderName: string; clientMsgId: string; kind: string; content: string }
  | { type: 'ReadMarked'; userId: string; readSeq: number }
  | { type: 'CommandRejected'; code: string; message: string; clientMsgId: string }
  | { type: 'CommandDuplicate'; clientMsgId: string; messageId: string; messageSeq: number; messageTs: number };

export interface ParleyEvent {
  eventId: string;
  stream: string;
  seq: number;
  ts: number;
  commandId: string;
  actor: Actor | null;
  origin: Origin | null;
  payload: EventPayload;
}

export type CommandType = CommandPayload['type'];
export type EventType = EventPayload['type'];
