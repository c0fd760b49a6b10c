import { Type, type Static } from '@sinclair/typebox';
import { ConversationId, Count, Millis } from '../fields.js';
import { TEXT_PATTERN } from '../text.js';
import { GROUP_ROLES, INVITE_POLICIES, JOIN_POLICIES, type GroupRole, type InvitePolicy, type JoinPolicy } from '../system-entry.js';
import { GroupName, Handle, User } from './common.js';
import { Avatar } from './profiles.js';
import { ProfileIdParam } from './friends.js';
import { LATEST_TIME } from './settings.js';

// ---- fields and path parameters ----

/** A member's role: the owner (one), admins, members. */
export const RoleField = Type.Unsafe<GroupRole>({ type: 'string', enum: [...GROUP_ROLES], description: 'owner, admin or member' });
/** Who may join: anyone with the id, by a request an admin answers, or by invitation or invite link only. */
export const JoinPolicyField = Type.Unsafe<JoinPolicy>({ type: 'string', enum: [...JOIN_POLICIES], description: 'open (anyone with the id joins), approval (a request waits for an admin), invite (an invitation or an invite link only)' });
/** Whom a member may invite. */
export const InvitePolicyField = Type.Unsafe<InvitePolicy>({ type: 'string', enum: [...INVITE_POLICIES], description: 'friends (members invite their friends only) or anyone' });

/** The `{id}` of the group and room operations: a group (`g.`) or a room (`r.`), never a direct conversation. */
export const GroupOrRoomId = Type.String({ pattern: '^[gr]\\.[A-Za-z0-9_-]{1,64}$', description: 'a group or room id: g.<id> or r.<name> (each 1-64 of A-Z a-z 0-9 _ -)' });
/** A notice's id, as the server made it. */
export const NoticeId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'a notice id: 1-64 of A-Z a-z 0-9 _ -' });
/** An invite link's code: 16 random bytes in base64url, 22 characters. */
export const InviteCode = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'an invite code: 22 characters of A-Z a-z 0-9 _ -' });
/** A group's description: up to 500 code points of text. */
export const GroupDescription = Type.String({ maxLength: 500, pattern: TEXT_PATTERN, description: 'up to 500 characters (code points)' });

// ---- what the reads answer ----

export const Notice = Type.Object(
  {
    id: Type.String(),
    text: Type.String(),
    postedBy: User,
    postedAt: Millis,
    editedAt: Type.Integer({ minimum: 0, description: 'When it was last edited (ms since the epoch); 0: never.' }),
    seq: Type.Integer({ minimum: 0, description: 'The seq of the system entry that posted (or last edited) it.' }),
  },
  { description: 'A notice (announcement) of a group or room.' },
);
export type Notice = Static<typeof Notice>;

export const GroupDetails = Type.Object(
  {
    id: ConversationId,
    kind: Type.Unsafe<'group' | 'room'>({ type: 'string', enum: ['group', 'room'] }),
    name: Type.String(),
    avatar: Type.String({ description: 'Empty, or initials:#rrggbb.' }),
    description: Type.String(),
    joinPolicy: JoinPolicyField,
    invitePolicy: InvitePolicyField,
    muteAll: Type.Boolean({ description: 'Only the owner and admins may send.' }),
    dissolved: Type.Boolean({ description: 'Dissolved by its owner: history stays readable, nobody can send.' }),
    ownerId: Type.String(),
    memberCount: Count,
    adminCount: Count,
    myRole: RoleField,
    myMutedUntil: Type.Integer({ minimum: 0, description: 'Until when the caller is muted here (ms since the epoch); 0: not muted.' }),
    notice: Type.Union([Notice, Type.Null()], { description: 'The current notice, or null.' }),
    noticeUnread: Type.Boolean({ description: 'The caller has not marked the current notice read (an edit does not make it unread again).' }),
  },
  { description: 'A group or room as a member sees it.' },
);
export type GroupDetails = Static<typeof GroupDetails>;

/** A member's read mark as another member sees it: null unless both share read receipts (one's own always shows). */
export const ReadSeqShown = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
  description: "The member's read watermark; null when the member or the caller does not share read receipts (the caller's own always shows).",
});

export const GroupMember = Type.Object(
  {
    id: Type.String(),
    username: Handle,
    displayName: Type.String(),
    role: RoleField,
    joinedAt: Millis,
    readSeq: ReadSeqShown,
    mutedUntil: Type.Integer({ minimum: 0, description: 'Until when an admin muted them (ms since the epoch); 0: not muted.' }),
  },
  { description: 'A member of a conversation, with their role.' },
);
export type GroupMember = Static<typeof GroupMember>;

export const Ban = Type.Object(
  { user: User, bannedBy: Type.String({ description: 'The id of the admin who banned them.' }), bannedAt: Millis },
  { description: 'Someone banned from a group or room: they cannot join again until unbanned.' },
);
export type Ban = Static<typeof Ban>;

export const Invitation = Type.Object(
  {
    conversation: Type.Object({ id: ConversationId, name: Type.String(), avatar: Type.String(), memberCount: Count }),
    invitedBy: User,
    invitedAt: Millis,
  },
  { description: 'An invitation to a group waiting for the caller to accept or decline it.' },
);
export type Invitation = Static<typeof Invitation>;

export const JoinRequest = Type.Object(
  {
    conversation: Type.Object({ id: ConversationId, name: Type.String() }),
    user: User,
    note: Type.String(),
    invitedBy: Type.Union([User, Type.Null()], { description: 'The member whose invitation this request came from; null for a request of their own.' }),
    requestedAt: Millis,
  },
  { description: 'A request to join a group that waits for an admin.' },
);
export type JoinRequest = Static<typeof JoinRequest>;

export const InviteLink = Type.Object(
  {
    code: Type.String(),
    expiresAt: Millis,
    maxUses: Type.Integer({ minimum: 0, description: 'How many joins it allows; 0: unlimited.' }),
    uses: Count,
    createdBy: User,
    createdAt: Millis,
  },
  { description: "An invite link of a group: POST /v1/invite-links/{code}/join joins whatever the group's join policy." },
);
export type InviteLink = Static<typeof InviteLink>;

// ---- bodies, queries and answers by operation ----

/** POST /v1/groups/{id}/join (the body is optional). */
export const JoinGroupBody = Type.Object({
  note: Type.Optional(Type.String({ maxLength: 500, pattern: TEXT_PATTERN, default: '', description: 'For the admins of a group that approves joins: up to 500 characters (code points).' })),
});
export type JoinGroupBody = Static<typeof JoinGroupBody>;

/** 202 of a join (or an accepted invitation) that waits for an admin. */
export const JoinRequestPending = Type.Object({
  request: Type.Object({ conversation: ConversationId, status: Type.Literal('pending') }),
});
export type JoinRequestPending = Static<typeof JoinRequestPending>;

/** GET /v1/invite-links/{code} */
export const InviteLinkPreview = Type.Object(
  {
    conversation: Type.Object({ id: ConversationId, name: Type.String(), avatar: Type.String(), description: Type.String(), memberCount: Count }),
    expiresAt: Millis,
  },
  { description: 'The group an invite link leads to.' },
);
export type InviteLinkPreview = Static<typeof InviteLinkPreview>;

/** GET and PATCH /v1/conversations/{id}/group */
export const GroupEnvelope = Type.Object({ group: GroupDetails });
export type GroupEnvelope = Static<typeof GroupEnvelope>;

/** PATCH /v1/conversations/{id}/group: the fields given change, the others stay. */
export const UpdateGroupBody = Type.Object(
  {
    name: Type.Optional(GroupName),
    avatar: Type.Optional(Avatar),
    description: Type.Optional(GroupDescription),
    joinPolicy: Type.Optional(JoinPolicyField),
    invitePolicy: Type.Optional(InvitePolicyField),
    muteAll: Type.Optional(Type.Boolean({ description: 'Only the owner and admins may send.' })),
  },
  { minProperties: 1, description: 'At least one of name, avatar, description, joinPolicy, invitePolicy, muteAll (other fields are ignored and do not count). A room keeps its name and the open policy.' },
);
export type UpdateGroupBody = Static<typeof UpdateGroupBody>;

/** PUT /v1/conversations/{id}/members/{userId}/role */
export const SetRoleBody = Type.Object({ role: Type.Unsafe<'admin' | 'member'>({ type: 'string', enum: ['admin', 'member'], description: 'admin or member' }) });
export type SetRoleBody = Static<typeof SetRoleBody>;

/** PUT /v1/conversations/{id}/members/{userId}/mute */
export const MuteBody = Type.Object({
  until: Type.Integer({ minimum: 0, maximum: LATEST_TIME, description: 'Muted until this time (ms since the epoch, at most 8640000000000000); 0 or a past time unmutes.' }),
});
export type MuteBody = Static<typeof MuteBody>;

/** PUT .../role and .../mute answer the member as changed. */
export const GroupMemberEnvelope = Type.Object({ member: GroupMember });
export type GroupMemberEnvelope = Static<typeof GroupMemberEnvelope>;

/** DELETE /v1/conversations/{id}/members/{userId} */
export const RemoveMemberQuery = Type.Object({
  ban: Type.Optional(Type.Boolean({ default: false, description: 'Also ban them: they cannot join again until unbanned.' })),
});
export type RemoveMemberQuery = Static<typeof RemoveMemberQuery>;

/** POST /v1/conversations/{id}/transfer */
export const TransferBody = Type.Object({ userId: ProfileIdParam });
export type TransferBody = Static<typeof TransferBody>;

/** GET /v1/conversations/{id}/bans */
export const BansResponse = Type.Object({ bans: Type.Array(Ban) });
export type BansResponse = Static<typeof BansResponse>;

/** GET /v1/conversations/{id}/notices */
export const NoticesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  before: Type.Optional(Type.Integer({ minimum: 0, maximum: LATEST_TIME, description: 'Notices posted before this time (the `postedAt` of the last one of the previous page).' })),
});
export type NoticesQuery = Static<typeof NoticesQuery>;

export const NoticesResponse = Type.Object({ notices: Type.Array(Notice, { description: 'Newest first.' }) });
export type NoticesResponse = Static<typeof NoticesResponse>;

/** POST /v1/conversations/{id}/notices and PUT .../notices/{noticeId} */
export const NoticeBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000, pattern: TEXT_PATTERN, description: '1-4000 characters (code points)' }) });
export type NoticeBody = Static<typeof NoticeBody>;

export const NoticeEnvelope = Type.Object({ notice: Notice });
export type NoticeEnvelope = Static<typeof NoticeEnvelope>;

/** POST /v1/conversations/{id}/invitations */
export const InviteBody = Type.Object({ usernames: Type.Array(Handle, { minItems: 1, maxItems: 100 }) });
export type InviteBody = Static<typeof InviteBody>;

export const InvitedResponse = Type.Object({
  invited: Type.Array(User, { description: 'The users asked to join; each one sees the invitation once their own stream has allowed it (friends only, unless the group lets members invite anyone).' }),
});
export type InvitedResponse = Static<typeof InvitedResponse>;

/** GET /v1/invitations */
export const InvitationsResponse = Type.Object({ invitations: Type.Array(Invitation) });
export type InvitationsResponse = Static<typeof InvitationsResponse>;

/** POST /v1/invitations/{conversationId} */
export const AnswerInvitationBody = Type.Object({ accept: Type.Boolean() });
export type AnswerInvitationBody = Static<typeof AnswerInvitationBody>;

/** GET /v1/conversations/{id}/join-requests and GET /v1/join-requests */
export const JoinRequestsResponse = Type.Object({ requests: Type.Array(JoinRequest) });
export type JoinRequestsResponse = Static<typeof JoinRequestsResponse>;

/** POST /v1/conversations/{id}/join-requests/{userId} */
export const AnswerJoinRequestBody = Type.Object({ approve: Type.Boolean() });
export type AnswerJoinRequestBody = Static<typeof AnswerJoinRequestBody>;

/** GET /v1/conversations/{id}/invite-links */
export const InviteLinksResponse = Type.Object({ links: Type.Array(InviteLink) });
export type InviteLinksResponse = Static<typeof InviteLinksResponse>;

/** POST /v1/conversations/{id}/invite-links */
export const CreateInviteLinkBody = Type.Object({
  expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 2_592_000, default: 604_800, description: 'How long it works: 60 s to 30 days; default 7 days.' })),
  maxUses: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0, description: 'How many joins it allows; 0 (the default): unlimited.' })),
});
export type CreateInviteLinkBody = Static<typeof CreateInviteLinkBody>;

export const InviteLinkEnvelope = Type.Object({ link: InviteLink });
export type InviteLinkEnvelope = Static<typeof InviteLinkEnvelope>;
