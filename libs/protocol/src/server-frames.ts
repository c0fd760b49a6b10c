import { Type, type Static } from '@sinclair/typebox';
import { ClientMsgId, ConversationId, Count, MessageSeq, Millis, Positions, Seq, UserRef } from './fields.js';
import { MAX_SEQ } from './ids.js';
import { WS_ERROR_CODES } from './ws-error-codes.js';

/**
 * The frames the server sends, declared once (types and docs/protocol.schema.json come from these). A
 * client must ignore fields it does not know, so the schemas allow them.
 */

export const ReadyFrame = Type.Object(
  {
    type: Type.Literal('ready'),
    user: UserRef,
    connectionId: Type.String({ description: "this connection's id, <gatewayId>/<n>" }),
    limits: Type.Object({
      maxContentBytes: Type.Integer({ minimum: 1, description: 'largest send.content, in UTF-8 bytes' }),
      maxPendingSends: Type.Integer({ minimum: 1, description: 'most unacknowledged sends this connection may have' }),
    }),
  },
  { title: 'ready', description: 'Sent once, after a successful auth.' },
);
export type ReadyFrame = Static<typeof ReadyFrame>;

export const AckFrame = Type.Object(
  {
    type: Type.Literal('ack'),
    conversation: ConversationId,
    clientMsgId: ClientMsgId,
    id: Type.String({ description: 'the message id' }),
    seq: MessageSeq,
    ts: Millis,
  },
  { title: 'ack', description: 'The message is in the event log; sent only to the sending connection.' },
);
export type AckFrame = Static<typeof AckFrame>;

export const MessageFrame = Type.Object(
  {
    type: Type.Literal('message'),
    conversation: ConversationId,
    id: Type.String({ description: 'the message id' }),
    seq: MessageSeq,
    ts: Millis,
    sender: UserRef,
    clientMsgId: Type.String({ description: "the sender's clientMsgId" }),
    kind: Type.String({
      description: 'one of the message kinds, or "system" for a system entry; messages sent before kinds were a closed set may carry any other word, shown as their content',
    }),
    content: Type.String({ description: 'the plain text, what a client that does not know the kind shows; for a system entry, the entry as JSON text' }),
    body: Type.Optional(
      Type.Unsafe<Record<string, unknown>>({ type: 'object', description: 'when the message has one: the body of its kind (docs/PROTOCOL.md "Message kinds")' }),
    ),
    replyTo: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEQ, description: 'when it is a reply: the seq of the message of this conversation it quotes' })),
    mentions: Type.Optional(Type.Array(Type.String(), { description: 'when it mentions anyone: the profile ids it mentions, or "all"' })),
    forwarded: Type.Optional(Type.Literal(true, { description: 'when it was forwarded from another conversation: true; absent otherwise' })),
  },
  { title: 'message', description: 'A message in a conversation the user is a member of (live, or history during resume and gap filling).' },
);
export type MessageFrame = Static<typeof MessageFrame>;

export const ConversationFrame = Type.Object(
  {
    type: Type.Literal('conversation'),
    /**
     * What happened: the user was added to a conversation, someone joined or left, the user read up to a
     * seq, the user was removed from a group or room, it was dissolved, or its settings changed.
     */
    event: Type.Union(
      [
        Type.Literal('created'),
        Type.Literal('joined'),
        Type.Literal('left'),
        Type.Literal('read'),
        Type.Literal('removed'),
        Type.Literal('dissolved'),
        Type.Literal('updated'),
      ],
      { description: 'created, joined, left, read, removed (the user was removed), dissolved, updated (name or other settings changed)' },
    ),
    conversation: ConversationId,
    kind: Type.Union([Type.Literal('direct'), Type.Literal('group'), Type.Literal('room')]),
    name: Type.String({ description: 'group or room name ("" for direct conversations); for updated, the new name' }),
    members: Type.Optional(Type.Array(UserRef, { maxItems: 200, description: 'created: the initial members; joined: who joined; left: who left; removed: the user removed' })),
    /** For 'read': the reader's new read watermark. */
    readSeq: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SEQ, description: "for read: the reader's new read watermark" })),
    /** The conversation's last message seq when this happened. */
    lastSeq: Type.Integer({ minimum: 0, description: "the conversation's last message seq when this happened" }),
  },
  { title: 'conversation', description: 'A change to a conversation the user is (or was, for left and removed) a member of.' },
);
export type ConversationFrame = Static<typeof ConversationFrame>;

export const RoomPresenceFrame = Type.Object(
  {
    type: Type.Literal('room.presence'),
    conversation: ConversationId,
    online: Count,
    members: Count,
    /** Up to 100 online members. */
    onlineMembers: Type.Array(UserRef, { maxItems: 100 }),
  },
  { title: 'room.presence', description: 'Online count of an open room (changes within 100 ms coalesced).' },
);
export type RoomPresenceFrame = Static<typeof RoomPresenceFrame>;

export const ResumedFrame = Type.Object(
  {
    type: Type.Literal('resumed'),
    conversations: Positions(Seq, 'an object of conversation id -> the last seq now delivered on this connection'),
  },
  { title: 'resumed', description: 'Ends a catch-up: all history for the listed conversations has been written.' },
);
export type ResumedFrame = Static<typeof ResumedFrame>;

export const ErrorFrame = Type.Object(
  {
    type: Type.Literal('error'),
    /**
     * One of WS_ERROR_CODES. Typed `string`, not the union: fanout relays ingest's rejection codes, which
     * the event schema carries as a string; the published schema lists the closed set.
     */
    code: Type.Unsafe<string>({ type: 'string', enum: [...WS_ERROR_CODES], description: 'one of the error codes in docs/PROTOCOL.md' }),
    message: Type.String({ description: 'for people; do not parse' }),
    /** The clientMsgId or frame id the error is about, when there is one. */
    ref: Type.Optional(Type.String({ maxLength: 64, description: 'the clientMsgId the error is about' })),
    conversation: Type.Optional(ConversationId),
  },
  { title: 'error', description: 'A refused frame or command. Does not close the connection, except as docs/PROTOCOL.md says.' },
);
export type ErrorFrame = Static<typeof ErrorFrame>;

export const PongFrame = Type.Object(
  {
    type: Type.Literal('pong'),
    id: Type.Optional(Type.String({ maxLength: 64, description: "the ping's id" })),
  },
  { title: 'pong' },
);
export type PongFrame = Static<typeof PongFrame>;

/**
 * TCP only: the last frame before the server closes a TCP connection, carrying what a WebSocket close
 * frame carries (a CloseCodes value and a reason). A WebSocket never receives it.
 */
export const CloseFrame = Type.Object(
  {
    type: Type.Literal('close'),
    code: Type.Integer({ minimum: 1000, maximum: 4999, description: 'a close code from docs/PROTOCOL.md (CloseCodes)' }),
    reason: Type.String({ maxLength: 123, description: 'for people; do not parse' }),
  },
  { title: 'close', description: 'TCP only: the final frame before the server closes the connection.' },
);
export type CloseFrame = Static<typeof CloseFrame>;

/**
 * TCP only: the server has not heard from the connection for the heartbeat interval; answer with any frame
 * (`ping` is the usual one) before the heartbeat timeout, or the connection is closed (4010). A WebSocket
 * gets a protocol ping instead.
 */
export const HeartbeatFrame = Type.Object(
  { type: Type.Literal('heartbeat') },
  { title: 'heartbeat', description: 'TCP only: answer with any frame (e.g. ping) before the heartbeat timeout.' },
);
export type HeartbeatFrame = Static<typeof HeartbeatFrame>;

const lit = <T extends string>(values: readonly T[], description: string) => Type.Union(values.map((v) => Type.Literal(v)), { description });

export const FriendFrame = Type.Object(
  {
    type: Type.Literal('friend'),
    event: lit(['requested', 'accepted', 'refused', 'cancelled', 'added', 'removed'] as const, 'requested: `from` asked `to`; accepted / refused: `to` answered; cancelled: the request ended without an answer (`reason`: cancelled by `from`, or accepted the other way; none when a block ended it, so the blocked side is not told); added: `to` is now a friend of `from` (the requester\'s side of an acceptance); removed: `from` is no longer a friend of `to`'),
    from: UserRef,
    to: UserRef,
    requestId: Type.Optional(Type.String()),
    note: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String({ description: 'cancelled only: cancelled or accepted; absent when a block ended the request' })),
  },
  { title: 'friend', description: 'A friend request or friendship changed; sent to every connection of the profiles it concerns, on the side the fact is recorded.' },
);
export type FriendFrame = Static<typeof FriendFrame>;

export const BlockFrame = Type.Object(
  {
    type: Type.Literal('block'),
    event: lit(['blocked', 'unblocked'] as const, 'what the user did'),
    profile: Type.Object({ id: Type.String() }),
  },
  { title: 'block', description: "The user blocked or unblocked a profile (sent to the blocker's connections only)." },
);
export type BlockFrame = Static<typeof BlockFrame>;

export const SettingsFrame = Type.Object(
  {
    type: Type.Literal('settings'),
    conversation: ConversationId,
    settings: Type.Object({
      pinned: Type.Boolean(),
      muteUntil: Type.Integer({ minimum: -1 }),
      hidden: Type.Boolean(),
      remark: Type.String(),
    }),
  },
  { title: 'settings', description: "The user's private settings for a conversation changed (on any of their devices)." },
);
export type SettingsFrame = Static<typeof SettingsFrame>;

export const RemarkFrame = Type.Object(
  { type: Type.Literal('remark'), contact: Type.String({ description: 'a profile id' }), remark: Type.String({ description: 'empty: removed' }) },
  { title: 'remark', description: "The user's private remark for a profile changed." },
);
export type RemarkFrame = Static<typeof RemarkFrame>;

export const ProfileFrame = Type.Object(
  {
    type: Type.Literal('profile'),
    event: lit(['updated', 'deleted', 'privacy'] as const, 'what changed'),
    id: Type.String({ description: 'the profile id' }),
    displayName: Type.Optional(Type.String()),
    bio: Type.Optional(Type.String()),
    avatar: Type.Optional(Type.String()),
    directFrom: Type.Optional(Type.String()),
    readReceipts: Type.Optional(Type.Boolean({ description: 'privacy only: whether the user shares read receipts' })),
    presence: Type.Optional(Type.String({ description: 'privacy only: who sees the user online and last seen: everyone, contacts or nobody' })),
  },
  { title: 'profile', description: "The user's own profile changed (on any of their devices)." },
);
export type ProfileFrame = Static<typeof ProfileFrame>;

export const InvitationFrame = Type.Object(
  {
    type: Type.Literal('invitation'),
    event: lit(['received', 'answered'] as const, 'received: the user was invited to a group (and may accept); answered: the user accepted or declined (on any of their devices)'),
    conversation: ConversationId,
    name: Type.String({ description: "the group's name" }),
    invitedBy: UserRef,
    accepted: Type.Optional(Type.Boolean({ description: 'answered only: whether the user accepted' })),
  },
  { title: 'invitation', description: "An invitation to a group, sent to the invitee's connections only." },
);
export type InvitationFrame = Static<typeof InvitationFrame>;

export const JoinRequestFrame = Type.Object(
  {
    type: Type.Literal('join_request'),
    event: lit(['requested', 'answered'] as const, 'requested: `user` asks to join; answered: an admin approved or refused the request'),
    conversation: ConversationId,
    name: Type.String({ description: "the group's name" }),
    user: UserRef,
    note: Type.Optional(Type.String({ description: "requested only: the requester's note" })),
    approved: Type.Optional(Type.Boolean({ description: 'answered only: whether the request was approved' })),
  },
  { title: 'join_request', description: "A request to join a group, sent to its owner and admins (answered: the requester's connections too)." },
);
export type JoinRequestFrame = Static<typeof JoinRequestFrame>;

export const ReceiptMark = Type.Object(
  {
    user: Type.Object({ id: Type.String() }, { description: 'the member: { id }' }),
    readSeq: Type.Integer({ minimum: 0, maximum: MAX_SEQ, description: 'the member has read everything up to this seq' }),
    deliveredSeq: Type.Integer({ minimum: 0, maximum: MAX_SEQ, description: 'direct conversations: everything up to this seq reached a connection of the member (at least readSeq); groups: equal to readSeq' }),
  },
  { description: "a member's read and delivered watermarks" },
);
export type ReceiptMark = Static<typeof ReceiptMark>;

export const ReceiptsFrame = Type.Object(
  {
    type: Type.Literal('receipts'),
    conversation: ConversationId,
    marks: Type.Array(ReceiptMark, { minItems: 1, description: 'the members whose marks moved, with their new marks' }),
  },
  {
    title: 'receipts',
    description:
      'Read or delivered marks moved. Sent to the members who share read receipts, for the marks of members who share them; one frame carries a second of reads (see "Read receipts").',
  },
);
export type ReceiptsFrame = Static<typeof ReceiptsFrame>;

export const TypingFrame = Type.Object(
  {
    type: Type.Literal('typing'),
    conversation: ConversationId,
    user: UserRef,
    typing: Type.Boolean({ description: 'true: typing (show it for 6 s unless repeated); false: stopped' }),
  },
  { title: 'typing', description: "A member started or stopped typing; sent to the conversation's other members (see \"Typing\")." },
);
export type TypingFrame = Static<typeof TypingFrame>;

export const PresenceEntry = Type.Object(
  {
    id: Type.String({ description: 'the user id' }),
    online: Type.Boolean({ description: 'at least one connection of the user is open' }),
    lastSeen: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'ms since the epoch when the last connection closed; null when online or never seen' }),
  },
  { description: "a contact's presence" },
);
export type PresenceEntry = Static<typeof PresenceEntry>;

export const PresenceFrame = Type.Object(
  {
    type: Type.Literal('presence'),
    users: Type.Array(PresenceEntry, { description: 'after ready: every contact whose presence the user may see; later: the ones that changed' }),
  },
  { title: 'presence', description: 'Online and last seen of contacts: friends and direct-conversation partners (see "Presence").' },
);
export type PresenceFrame = Static<typeof PresenceFrame>;

/** Every server frame by its `type`. */
export const SERVER_FRAMES = {
  ready: ReadyFrame,
  ack: AckFrame,
  message: MessageFrame,
  conversation: ConversationFrame,
  'room.presence': RoomPresenceFrame,
  resumed: ResumedFrame,
  error: ErrorFrame,
  pong: PongFrame,
  close: CloseFrame,
  heartbeat: HeartbeatFrame,
  friend: FriendFrame,
  block: BlockFrame,
  settings: SettingsFrame,
  remark: RemarkFrame,
  profile: ProfileFrame,
  invitation: InvitationFrame,
  join_request: JoinRequestFrame,
  receipts: ReceiptsFrame,
  typing: TypingFrame,
  presence: PresenceFrame,
} as const;

export const ServerFrame = Type.Union(
  [ReadyFrame, AckFrame, MessageFrame, ConversationFrame, RoomPresenceFrame, ResumedFrame, ErrorFrame, PongFrame, FriendFrame, BlockFrame, SettingsFrame, RemarkFrame, ProfileFrame, InvitationFrame, JoinRequestFrame, ReceiptsFrame, TypingFrame, PresenceFrame],
  { title: 'server frame' },
);
export type ServerFrame = Static<typeof ServerFrame>;

/** What a TCP client can receive: every server frame, plus the two only TCP needs. */
export const TcpServerFrame = Type.Union([ServerFrame, CloseFrame, HeartbeatFrame], { title: 'TCP server frame' });
export type TcpServerFrame = Static<typeof TcpServerFrame>;

/**
 * Internal, gateway-bound only (never written to a client): the token with this id was revoked, so the
 * gateway closes the connections that authenticated with it (close code 4009).
 */
export const SessionRevokedFrame = Type.Object({ type: Type.Literal('session.revoked'), tokenId: Type.String() });
export type SessionRevokedFrame = Static<typeof SessionRevokedFrame>;
