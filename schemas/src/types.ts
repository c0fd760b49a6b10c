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

/** A profile invited to a group, with its account stream (where the invitation is checked). */
export interface Invitee {
  userId: string;
  username: string;
  stream: string;
}

/** Personal data sealed with its login's key (see @parley/auth's PersonalDataSealer); bytes as Avro `bytes`. */
export interface Sealed {
  keyId: string;
  nonce: Uint8Array;
  data: Uint8Array;
}

/** Who may open a direct conversation with a profile. */
export type DirectFrom = 'everyone' | 'friends';

/** What a SendMessage command and the MessageSent event it becomes both carry. */
export interface MessageFields {
  clientMsgId: string;
  kind: string;
  content: string;
  /** the kind's body as JSON text; default "" (none) */
  body?: string;
  /** the seq of the quoted message; default 0 (none) */
  replyTo?: number;
  /** mentioned profile ids, or "all"; default [] */
  mentions?: string[];
  /** forwarded from another conversation; default false */
  forwarded?: boolean;
}

export type CommandPayload =
  | ({ type: 'SendMessage'; /** the newest seq the client had seen when it first sent this clientMsgId; -1 or absent: not given */ seenSeq?: number } & MessageFields)
  | { type: 'RegisterUser'; userId: string; username: string; passwordHash: string }
  | { type: 'RevokeToken'; tokenId: string; expiresAt: number }
  | { type: 'CreateConversation'; kind: ConversationKind; name: string; members: Member[]; /** default "open" */ joinPolicy?: string }
  | { type: 'AddMembers'; members: Member[] }
  | { type: 'JoinConversation'; kind: ConversationKind; /** default "" */ note?: string; /** an invite link's code; default "" */ code?: string }
  | { type: 'LeaveConversation'; reason: string }
  | { type: 'MarkRead'; seq: number }
  | { type: 'RegisterLogin'; loginId: string; username: string; profileId: string; displayName: string; credentials: Sealed }
  | { type: 'ChangePassword'; loginId: string; credentials: Sealed }
  | { type: 'VerifyEmail'; loginId: string; email: Sealed }
  | { type: 'DeleteLogin'; loginId: string }
  | { type: 'CreateProfile'; profileId: string; loginId: string; handle: string; displayName: string }
  | { type: 'UpdateProfile'; displayName: string; bio: string; avatar: string }
  | { type: 'DeleteProfile'; loginId: string }
  | { type: 'SetPrivacy'; directFrom: string; /** default true */ readReceipts?: boolean; /** default "everyone" */ presence?: string }
  | { type: 'RequestFriend'; requestId: string; note: string }
  | { type: 'AnswerFriendRequest'; requestId: string; accept: boolean }
  | { type: 'CancelFriendRequest'; requestId: string }
  | { type: 'RemoveFriend'; friendId: string }
  | { type: 'BlockProfile'; blockedId: string; blockedStream: string }
  | { type: 'UnblockProfile'; blockedId: string; blockedStream: string }
  | { type: 'SetConversationSettings'; conversation: string; pinned: boolean; muteUntil: number; hidden: boolean; remark: string }
  | { type: 'SetContactRemark'; contactId: string; remark: string }
  | { type: 'OpenDirect'; conversation: string }
  | { type: 'RecordFriend'; friendId: string; friendHandle: string; requestId: string }
  | { type: 'MirrorFriendRemoved'; friendId: string }
  | { type: 'WithdrawFriendRequests'; fromId: string; reason: string }
  | { type: 'SetDirectBlock'; by: string; other: string; blocked: boolean }
  | { type: 'SetMemberRole'; userId: string; role: string }
  | { type: 'TransferOwnership'; userId: string }
  | { type: 'DissolveConversation'; reason: string }
  | { type: 'RemoveMember'; userId: string; ban: boolean }
  | { type: 'UnbanMember'; userId: string }
  | { type: 'MuteMember'; userId: string; until: number }
  | { type: 'UpdateGroup'; name: string; avatar: string; description: string; joinPolicy: string; invitePolicy: string; muteAll: boolean }
  | { type: 'PostNotice'; noticeId: string; text: string }
  | { type: 'AckNotice'; noticeId: string }
  | { type: 'InviteMembers'; invitees: Invitee[] }
  | { type: 'ConfirmInvitation'; userId: string; inviterId: string; allowed: boolean; reason: string }
  | { type: 'AnswerInvitation'; accept: boolean }
  | { type: 'AnswerJoinRequest'; userId: string; approve: boolean }
  | { type: 'CreateInviteLink'; code: string; expiresAt: number; maxUses: number }
  | { type: 'RevokeInviteLink'; code: string }
  | { type: 'ReceiveGroupInvitation'; conversation: string; inviteeId: string; inviterId: string; inviterHandle: string; friendsOnly: boolean }
  | { type: 'RecallMessage'; seq: number }
  | { type: 'EditMessage'; seq: number; content: string; /** default "" */ body?: string }
  | { type: 'PinMessage'; seq: number; pinned: boolean }
  | { type: 'ReactToMessage'; seq: number; emoji: string; add: boolean }
  | { type: 'MarkReceipts'; marks: ReceiptMark[] };

/**
 * A member's read and delivered marks. In MarkReceipts a 0 means "nothing to mark"; in ReceiptsMarked
 * they are the marks after the event. `shared`: the member shares read receipts (others are told only then).
 */
export interface ReceiptMark {
  userId: string;
  readSeq: number;
  deliveredSeq: number;
  shared: boolean;
}

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
  | { type: 'ConversationCreated'; kind: ConversationKind; name: string; createdBy: string; members: Member[]; /** default "open" (events written before groups had policies) */ joinPolicy?: string }
  | { type: 'MembersJoined'; members: Member[]; /** the invite link used; default "" */ code?: string }
  | { type: 'MemberLeft'; userId: string; username: string }
  | ({ type: 'MessageSent'; id: string; senderId: string; senderName: string } & MessageFields)
  | { type: 'ReadMarked'; userId: string; readSeq: number }
  | { type: 'CommandRejected'; code: string; message: string; clientMsgId: string }
  | { type: 'CommandDuplicate'; clientMsgId: string; messageId: string; messageSeq: number; messageTs: number }
  | { type: 'LoginRegistered'; loginId: string; username: string; credentials: Sealed }
  | { type: 'PasswordChanged'; loginId: string; credentials: Sealed }
  | { type: 'EmailVerified'; loginId: string; email: Sealed }
  | { type: 'LoginDeleted'; loginId: string }
  | { type: 'ProfileCreated'; profileId: string; loginId: string; handle: string; displayName: string; bio: string; avatar: string }
  | { type: 'ProfileUpdated'; profileId: string; displayName: string; bio: string; avatar: string }
  | { type: 'ProfileDeleted'; profileId: string; loginId: string }
  | { type: 'PrivacyChanged'; profileId: string; directFrom: string; /** default true */ readReceipts?: boolean; /** default "everyone" */ presence?: string }
  | { type: 'ReceiptsMarked'; marks: ReceiptMark[] }
  | { type: 'FriendRequested'; requestId: string; fromId: string; fromHandle: string; toId: string; toHandle: string; note: string }
  | { type: 'FriendRequestAccepted'; requestId: string; fromId: string; fromHandle: string; toId: string; toHandle: string }
  | { type: 'FriendRequestRefused'; requestId: string; fromId: string; toId: string }
  | { type: 'FriendRequestCancelled'; requestId: string; fromId: string; toId: string; reason: string }
  | { type: 'FriendAdded'; profileId: string; friendId: string; friendHandle: string; requestId: string }
  | { type: 'FriendRemoved'; profileId: string; friendId: string; friendStream: string; mirrored: boolean }
  | { type: 'ProfileBlocked'; profileId: string; blockedId: string; blockedStream: string }
  | { type: 'ProfileUnblocked'; profileId: string; blockedId: string; blockedStream: string }
  | { type: 'ConversationSettingsChanged'; profileId: string; conversation: string; pinned: boolean; muteUntil: number; hidden: boolean; remark: string }
  | { type: 'ContactRemarkSet'; profileId: string; contactId: string; remark: string }
  | { type: 'DirectApproved'; conversation: string; requesterId: string; requesterHandle: string; approverId: string; approverHandle: string }
  | { type: 'DirectBlockChanged'; by: string; other: string; blocked: boolean }
  | { type: 'MemberRoleChanged'; userId: string; username: string; role: string }
  | { type: 'OwnershipTransferred'; fromId: string; toId: string; toName: string }
  | { type: 'ConversationDissolved'; reason: string }
  | { type: 'MemberRemoved'; userId: string; username: string; ban: boolean }
  | { type: 'MemberUnbanned'; userId: string; username: string }
  | { type: 'MemberMuted'; userId: string; username: string; until: number }
  | { type: 'GroupUpdated'; name: string; avatar: string; description: string; joinPolicy: string; invitePolicy: string; muteAll: boolean }
  | { type: 'NoticePosted'; noticeId: string; text: string; edited: boolean }
  | { type: 'NoticeAcknowledged'; userId: string; noticeId: string }
  | { type: 'MembersInvited'; invitees: Invitee[]; friendsOnly: boolean }
  | { type: 'InvitationChecked'; userId: string; allowed: boolean; reason: string }
  | { type: 'InvitationAnswered'; userId: string; username: string; accepted: boolean }
  | { type: 'JoinRequested'; userId: string; username: string; note: string; invitedBy: string }
  | { type: 'JoinRequestAnswered'; userId: string; username: string; approved: boolean }
  | { type: 'InviteLinkCreated'; code: string; expiresAt: number; maxUses: number }
  | { type: 'InviteLinkRevoked'; code: string }
  | { type: 'GroupInvitationChecked'; conversation: string; inviteeId: string; inviterId: string; allowed: boolean; reason: string }
  | { type: 'MessageRecalled'; target: number }
  | { type: 'MessageEdited'; target: number; content: string; /** default "" */ body?: string }
  | { type: 'MessagePinned'; target: number; pinned: boolean }
  | { type: 'ReactionChanged'; target: number; emoji: string; userId: string; added: boolean };

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
