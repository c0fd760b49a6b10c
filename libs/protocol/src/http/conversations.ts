import { Type, type Static } from '@sinclair/typebox';
import { ConversationId, Count, Millis } from '../fields.js';
import { GroupName, Handle, User } from './common.js';
import { ConversationSettings } from './settings.js';
import { TEXT_PATTERN } from '../text.js';
import { GROUP_ROLES, JOIN_POLICIES, type GroupRole, type JoinPolicy } from '../system-entry.js';

/** unreadMentions counts up to this: 99 means 99 or more (a client shows "99+"). */
export const MAX_UNREAD_MENTIONS = 99;

export const ConversationSummary = Type.Object(
  {
    id: ConversationId,
    kind: Type.Unsafe<'direct' | 'group' | 'room'>({ type: 'string', enum: ['direct', 'group', 'room'] }),
    name: Type.String({ description: 'Group or room name; empty for direct conversations.' }),
    lastSeq: Type.Integer({ minimum: 0, description: 'Seq of the last message (0 when there is none).' }),
    readSeq: Type.Integer({ minimum: 0, description: "The caller's read watermark (at most lastSeq); unread = lastSeq - readSeq." }),
    unread: Count,
    unreadMentions: Type.Integer({
      minimum: 0,
      maximum: MAX_UNREAD_MENTIONS,
      description: `Of the messages after readSeq, how many mention the caller or everyone ("all") and were not sent by the caller; counted up to ${MAX_UNREAD_MENTIONS}, so ${MAX_UNREAD_MENTIONS} means ${MAX_UNREAD_MENTIONS} or more.`,
    }),
    memberCount: Count,
    lastMessage: Type.Union([
      Type.Null(),
      Type.Object({
        at: Millis,
        preview: Type.String({ description: 'The start of the content, cut on a grapheme boundary.' }),
        sender: Type.String({ description: "The sender's username; empty for a system entry, whose preview tells the change and who made it." }),
      }),
    ]),
    members: Type.Optional(Type.Array(User, { description: 'Direct conversations only: both members, so a client can name it after the other one.' })),
    role: Type.Unsafe<GroupRole>({
      type: 'string',
      enum: [...GROUP_ROLES],
      description: "The caller's role: the owner and admins run a group or room; always member in a direct conversation.",
    }),
    dissolved: Type.Boolean({ description: 'The owner dissolved the group: its history stays readable, but nobody can send or join.' }),
    settings: ConversationSettings,
  },
  { description: "One of the caller's conversations." },
);
export type ConversationSummary = Static<typeof ConversationSummary>;

export const ConversationEnvelope = Type.Object({ conversation: ConversationSummary });
export type ConversationEnvelope = Static<typeof ConversationEnvelope>;

/** GET /v1/conversations */
export const ConversationsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  q: Type.Optional(Type.String({ maxLength: 64, pattern: TEXT_PATTERN, description: "Only conversations whose name, the caller's remark for it, or (direct) the other member's handle, display name or remark contains this; case and accents are ignored." })),
  hidden: Type.Optional(Type.Boolean({ default: false, description: 'Include hidden conversations.' })),
});
export type ConversationsQuery = Static<typeof ConversationsQuery>;

export const ConversationsResponse = Type.Object({ conversations: Type.Array(ConversationSummary) });
export type ConversationsResponse = Static<typeof ConversationsResponse>;

/** GET /v1/unread: the totals over all of the caller's conversations (hidden and muted ones included). */
export const UnreadTotals = Type.Object(
  {
    conversations: Type.Integer({ minimum: 0, description: 'Conversations with at least one unread message.' }),
    messages: Type.Integer({ minimum: 0, description: 'Unread messages in all (the sum of each conversation\'s `unread`).' }),
    mentions: Type.Integer({ minimum: 0, description: `Unread messages that mention the caller or "all", summed over conversations (each counted up to ${MAX_UNREAD_MENTIONS}, as in ConversationSummary).` }),
  },
  { description: "What a badge shows: the caller's unread totals, the same on every device once a read from any of them is written." },
);
export type UnreadTotals = Static<typeof UnreadTotals>;

/** POST /v1/conversations/direct */
export const OpenDirectBody = Type.Object({ username: Handle });
export type OpenDirectBody = Static<typeof OpenDirectBody>;

/** POST /v1/groups. The member limit is configuration (PARLEY_MAX_GROUP_MEMBERS), so the server checks it, not this schema. */
export const CreateGroupBody = Type.Object({
  name: GroupName,
  members: Type.Optional(
    Type.Array(Handle, {
      default: [],
      description: 'Usernames to add besides the caller; at most PARLEY_MAX_GROUP_MEMBERS (default 5000), and the total including the caller may not exceed it either.',
    }),
  ),
  joinPolicy: Type.Optional(
    Type.Unsafe<JoinPolicy>({ type: 'string', enum: [...JOIN_POLICIES], default: 'invite', description: 'Who may join: open, approval or invite (the default: an invitation or an invite link only); admins change it later.' }),
  ),
});
export type CreateGroupBody = Static<typeof CreateGroupBody>;

/** The path parameter of POST /v1/rooms/{name}/join. */
export const RoomName = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '1-64 characters of A-Z a-z 0-9 _ -' });
/** The path parameter of POST /v1/groups/{id}/join. */
export const GroupId = Type.String({ pattern: '^g\\.[A-Za-z0-9_-]{1,64}$', description: 'g.<id>' });
