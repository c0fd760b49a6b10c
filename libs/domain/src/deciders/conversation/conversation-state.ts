import type { ConversationKind } from '@parley/schemas';
import type { GroupRole, InvitePolicy, JoinPolicy } from '@parley/protocol';

/** An invitation waiting on the invitee (after their stream took it: `checked`). */
export interface PendingInvitation {
  by: string;
  byName: string;
  /** The inviter was an owner or admin when inviting: accepting needs no further approval. */
  byAdmin: boolean;
  /** The invitee's stream took it (their blocks, and friendship where the group wants friends). */
  checked: boolean;
}

/** A join request waiting on an admin. */
export interface PendingRequest {
  username: string;
  /** The member who invited the requester ("" for a request of their own). */
  invitedBy: string;
}

/** One of the newest messages, as recall and edit windows need it. */
export interface RecentMessage {
  senderId: string;
  /** ms since the epoch */
  ts: number;
  kind: string;
  recalled: boolean;
}

export interface InviteLink {
  /** ms since the epoch */
  expiresAt: number;
  /** 0: unlimited */
  maxUses: number;
  uses: number;
}

/**
 * A group or room's rules and people, as the conversation decider sees them. The group fields are plain
 * records (serializable as they are); `members` and `sent` are Maps for the hot path of every message.
 */
export interface ConversationState {
  readonly id: string;
  readonly kind: ConversationKind;
  name: string;
  readonly createdBy: string;
  /** userId -> username */
  readonly members: Map<string, string>;
  /** The last timeline seq (messages and system entries are numbered 1, 2, 3, ...). */
  lastSeq: number;
  /**
   * `${senderId}\u0000${clientMsgId}` -> the message it produced: the newest `dedupeWindow` per
   * conversation, none older than `dedupeWindowMs`, oldest first.
   */
  readonly sent: Map<string, { id: string; seq: number; ts: number }>;
  /** The highest seq dropped from `sent` (0: none): every message after it is still there. */
  dedupeHorizon: number;
  /** The owner (groups and rooms; the creator until a transfer). */
  ownerId: string;
  /** admin userId -> true */
  admins: Record<string, true>;
  avatar: string;
  description: string;
  joinPolicy: JoinPolicy;
  invitePolicy: InvitePolicy;
  /** Only the owner and admins may send. */
  muteAll: boolean;
  dissolved: boolean;
  /** userId -> ms since the epoch the member's mute ends */
  mutedUntil: Record<string, number>;
  /** userId -> username of the banned */
  banned: Record<string, string>;
  /** invitee userId -> the invitation */
  invitations: Record<string, PendingInvitation>;
  /** requester userId -> the request */
  joinRequests: Record<string, PendingRequest>;
  /** code -> a live invite link (revoked ones are dropped) */
  links: Record<string, InviteLink>;
  /** The pinned notice's id ("" for none), and how many notices the group has posted. */
  noticeId: string;
  /** The pinned notice's text (at most 4000 characters), so an edit that changes nothing is no change. */
  noticeText: string;
  noticeCount: number;
  /** seq -> the newest `recentMessages` timeline entries (messages and system entries), oldest first; a Map like `sent`, on the hot path. */
  readonly recent: Map<number, RecentMessage>;
  /** seq -> true for each pinned message */
  pinned: Record<number, true>;
  /** member userId -> their read and delivered marks (absent: nothing marked); they only move forward. */
  readonly reads: Map<string, ReadMarks>;
}

/** A member's watermarks: read up to `read`, delivered (direct conversations) up to `delivered` (>= read). */
export interface ReadMarks {
  read: number;
  delivered: number;
}

export function newConversation(id: string, kind: ConversationKind, name: string, createdBy: string, joinPolicy: string): ConversationState {
  return {
    id,
    kind,
    name,
    createdBy,
    members: new Map(),
    lastSeq: 0,
    sent: new Map(),
    dedupeHorizon: 0,
    ownerId: kind === 'direct' ? '' : createdBy,
    admins: {},
    avatar: '',
    description: '',
    joinPolicy: kind === 'room' ? 'open' : asJoinPolicy(joinPolicy),
    invitePolicy: 'friends',
    muteAll: false,
    dissolved: false,
    mutedUntil: {},
    banned: {},
    invitations: {},
    joinRequests: {},
    links: {},
    noticeId: '',
    noticeText: '',
    noticeCount: 0,
    recent: new Map(),
    pinned: {},
    reads: new Map(),
  };
}

export function roleOf(conversation: ConversationState, userId: string): GroupRole | undefined {
  if (!conversation.members.has(userId)) return undefined;
  if (conversation.ownerId === userId) return 'owner';
  return conversation.admins[userId] ? 'admin' : 'member';
}

export function asJoinPolicy(value: string): JoinPolicy {
  return value === 'approval' || value === 'invite' ? value : 'open';
}

export function asInvitePolicy(value: string): InvitePolicy {
  return value === 'anyone' ? 'anyone' : 'friends';
}

/**
 * The profiles blocking the other side of a direct conversation, by the conversation's stream. Kept apart
 * from ConversationState because a block may arrive before the conversation exists (it then refuses the
 * creation too).
 */
export type DirectBlocks = Map<string, string[]>;

export function dedupeKey(senderId: string, clientMsgId: string): string {
  return `${senderId}\u0000${clientMsgId}`;
}
