import { sql } from 'kysely';
import { GROUP_ROLES, INVITE_POLICIES, JOIN_POLICIES, type GroupRole, type InvitePolicy, type JoinPolicy } from '@parley/protocol';
import type { ParleyDb } from './database.js';
import { likeContains, searchFold } from './text-keys.js';

export type { GroupRole, InvitePolicy, JoinPolicy };

/** A user as other users see them in a group's lists. */
export interface UserRef {
  id: string;
  username: string;
}

/** A notice of a group; `editedAt` is 0 when it was never edited; `seq` the system entry of its current text. */
export interface Notice {
  id: string;
  text: string;
  postedBy: UserRef;
  postedAt: number;
  editedAt: number;
  seq: number;
}

/** A group or room as one of its members sees it (the TypeBox shape is @parley/protocol's GroupDetails). */
export interface GroupDetails {
  id: string;
  kind: 'group' | 'room';
  name: string;
  avatar: string;
  description: string;
  joinPolicy: JoinPolicy;
  invitePolicy: InvitePolicy;
  muteAll: boolean;
  dissolved: boolean;
  /** '' when the owner is not a member (a creator who left before groups had owners). */
  ownerId: string;
  memberCount: number;
  /** Admins besides the owner. */
  adminCount: number;
  myRole: GroupRole;
  /** When the viewer's mute ends; 0 when not muted (or the mute has ended). */
  myMutedUntil: number;
  notice: Notice | null;
  /** There is a current notice and the viewer has not read it. */
  noticeUnread: boolean;
}

export interface GroupMember {
  id: string;
  username: string;
  displayName: string;
  role: GroupRole;
  joinedAt: number;
  readSeq: number;
  /** When the member's mute ends; 0 when not muted (or the mute has ended). */
  mutedUntil: number;
}

export interface Ban {
  user: UserRef;
  /** The id of the owner or admin who banned them. */
  bannedBy: string;
  bannedAt: number;
}

/** An invitation the invitee's stream allowed, waiting for the invitee's answer. */
export interface Invitation {
  conversation: { id: string; name: string; avatar: string; memberCount: number };
  invitedBy: UserRef;
  invitedAt: number;
}

export interface JoinRequest {
  conversation: { id: string; name: string };
  user: UserRef;
  note: string;
  /** The member whose invitation became this request (approval groups); null for a request of the user's own. */
  invitedBy: UserRef | null;
  requestedAt: number;
}

/** A live invite link; an expired or used-up one is listed until revoked. `maxUses` 0: unlimited. */
export interface InviteLink {
  code: string;
  expiresAt: number;
  maxUses: number;
  uses: number;
  createdBy: UserRef;
  createdAt: number;
}

/** How to page a group's members (GroupRepository.members). */
export interface GroupMembersOptions {
  limit: number;
  /** Members whose username sorts after this one (the previous page's last). */
  after?: string;
  /** Only members whose username or display name contains this, ignoring case and accents. */
  q?: string;
  role?: GroupRole;
  /** The time mutes are judged against (default: now). */
  now?: number;
}

/** What readableUntil answers for a current member: no bound. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

type Int8 = string | number | bigint;

/**
 * Groups and rooms as the projection holds them (migration 0004): roles, moderation, notices, invitations,
 * join requests and invite links. Reads only: who may see what is the caller's check (routes check the
 * viewer's role here; writes are the decider's). Direct conversations have members but no group: details
 * is undefined for them, and their members' role is 'member'.
 */
export class GroupRepository {
  constructor(private readonly db: ParleyDb) {}

  /** The group or room as `viewerId` sees it; undefined when they are not a member (or it is a direct conversation). */
  async details(conversationId: string, viewerId: string, now: number = Date.now()): Promise<GroupDetails | undefined> {
    const row = await this.db
      .selectFrom('members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select([
        'c.id',
        'c.kind',
        'c.name',
        'c.avatar',
        'c.description',
        'c.join_policy',
        'c.invite_policy',
        'c.mute_all',
        'c.dissolved',
        'c.owner_id',
        'c.notice_id',
        'm.role',
        'm.muted_until',
        'm.notice_seen',
        sql<Int8>`(select count(*) from members mc where mc.conversation_id = c.id)`.as('member_count'),
        sql<Int8>`(select count(*) from members ma where ma.conversation_id = c.id and ma.role = 'admin')`.as('admin_count'),
        sql<boolean>`exists (select 1 from members mo where mo.conversation_id = c.id and mo.user_id = c.owner_id)`.as('owner_is_member'),
      ])
      .where('m.conversation_id', '=', conversationId)
      .where('m.user_id', '=', viewerId)
      .executeTakeFirst();
    if (!row || row.kind === 'direct') return undefined;
    const notice = row.notice_id === '' ? undefined : await this.notice(conversationId, row.notice_id);
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      avatar: row.avatar,
      description: row.description,
      joinPolicy: oneOf(JOIN_POLICIES, row.join_policy, 'open'),
      invitePolicy: oneOf(INVITE_POLICIES, row.invite_policy, 'friends'),
      muteAll: row.mute_all,
      dissolved: row.dissolved,
      ownerId: row.owner_is_member ? row.owner_id : '',
      memberCount: Number(row.member_count),
      adminCount: Number(row.admin_count),
      myRole: row.role,
      myMutedUntil: activeMute(row.muted_until, now),
      notice: notice ?? null,
      noticeUnread: notice !== undefined && row.notice_seen !== notice.id,
    };
  }

  /** The user's role; undefined when they are not a member. */
  async role(conversationId: string, userId: string): Promise<GroupRole | undefined> {
    const row = await this.db.selectFrom('members').select('role').where('conversation_id', '=', conversationId).where('user_id', '=', userId).executeTakeFirst();
    return row?.role;
  }

  /**
   * The newest seq the user may read: unbounded (Number.MAX_SAFE_INTEGER) for a member, the seq of the
   * entry that recorded their leaving or removal for a former member, undefined for anyone else.
   */
  async readableUntil(conversationId: string, userId: string): Promise<number | undefined> {
    if ((await this.role(conversationId, userId)) !== undefined) return UNBOUNDED;
    const former = await this.db
      .selectFrom('former_members')
      .select('until_seq')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return former && Number(former.until_seq);
  }

  /**
   * A page of members by username. `q` is matched on the profile's search key (its handle and display
   * name, folded), a substring scan of the group's members.
   */
  async members(conversationId: string, o: GroupMembersOptions): Promise<GroupMember[]> {
    const q = searchFold(o.q ?? '');
    const rows = await this.memberRows(conversationId)
      .where('m.username', '>', o.after ?? '')
      .$if(o.role !== undefined, (qb) => qb.where('m.role', '=', o.role!))
      .$if(q !== '', (qb) => qb.where(sql<string>`coalesce(p.search_key, lower(m.username))`, 'like', likeContains(q)))
      .orderBy('m.username')
      .limit(o.limit)
      .execute();
    const now = o.now ?? Date.now();
    return rows.map((r) => toMember(r, now));
  }

  async member(conversationId: string, userId: string, now: number = Date.now()): Promise<GroupMember | undefined> {
    const row = await this.memberRows(conversationId).where('m.user_id', '=', userId).executeTakeFirst();
    return row && toMember(row, now);
  }

  private memberRows(conversationId: string) {
    return this.db
      .selectFrom('members as m')
      .leftJoin('profiles as p', 'p.id', 'm.user_id')
      .select(['m.user_id', 'm.username', 'p.display_name', 'm.role', 'm.joined_at', 'm.read_seq', 'm.muted_until'])
      .where('m.conversation_id', '=', conversationId);
  }

  /** The banned, by username. */
  async bans(conversationId: string): Promise<Ban[]> {
    const rows = await this.db.selectFrom('bans').selectAll().where('conversation_id', '=', conversationId).orderBy('username').orderBy('user_id').execute();
    return rows.map((r) => ({ user: { id: r.user_id, username: r.username }, bannedBy: r.banned_by, bannedAt: Number(r.at) }));
  }

  /** The group's notices, newest first; `before` (a postedAt) continues from the previous page. */
  async notices(conversationId: string, limit: number, before?: number): Promise<Notice[]> {
    const rows = await this.db
      .selectFrom('notices')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .$if(before !== undefined, (qb) => qb.where('posted_at', '<', before!))
      .orderBy('posted_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toNotice);
  }

  async notice(conversationId: string, noticeId: string): Promise<Notice | undefined> {
    const row = await this.db.selectFrom('notices').selectAll().where('conversation_id', '=', conversationId).where('id', '=', noticeId).executeTakeFirst();
    return row && toNotice(row);
  }

  /** The user's invitations (allowed by their stream, not yet answered), newest first. */
  async invitationsFor(userId: string): Promise<Invitation[]> {
    const rows = await this.invitationRows().where('i.user_id', '=', userId).orderBy('i.created_at', 'desc').orderBy('i.conversation_id').execute();
    return rows.map(toInvitation);
  }

  async invitation(conversationId: string, userId: string): Promise<Invitation | undefined> {
    const row = await this.invitationRows().where('i.user_id', '=', userId).where('i.conversation_id', '=', conversationId).executeTakeFirst();
    return row && toInvitation(row);
  }

  private invitationRows() {
    return this.db
      .selectFrom('group_invitations as i')
      .innerJoin('conversations as c', 'c.id', 'i.conversation_id')
      .select([
        'c.id',
        'c.name',
        'c.avatar',
        'i.invited_by',
        'i.inviter_name',
        'i.created_at',
        sql<Int8>`(select count(*) from members mc where mc.conversation_id = c.id)`.as('member_count'),
      ])
      .where('i.checked', '=', true)
      .where('c.dissolved', '=', false);
  }

  /** The requests to join the group waiting for an admin, oldest first. */
  async joinRequests(conversationId: string): Promise<JoinRequest[]> {
    const rows = await this.requestRows().where('r.conversation_id', '=', conversationId).orderBy('r.created_at').orderBy('r.user_id').execute();
    return rows.map(toJoinRequest);
  }

  /** The requests waiting on every group where `adminId` is the owner or an admin, oldest first. */
  async joinRequestsFor(adminId: string): Promise<JoinRequest[]> {
    const rows = await this.requestRows()
      .innerJoin('members as m', 'm.conversation_id', 'r.conversation_id')
      .where('m.user_id', '=', adminId)
      .where('m.role', 'in', ['owner', 'admin'])
      .orderBy('r.created_at')
      .orderBy('r.conversation_id')
      .orderBy('r.user_id')
      .execute();
    return rows.map(toJoinRequest);
  }

  private requestRows() {
    return this.db
      .selectFrom('join_requests as r')
      .innerJoin('conversations as c', 'c.id', 'r.conversation_id')
      .select(['c.id', 'c.name', 'r.user_id', 'r.username', 'r.note', 'r.invited_by', 'r.inviter_name', 'r.created_at']);
  }

  /** The group's live links (expired or used up ones too, until revoked), newest first. */
  async inviteLinks(conversationId: string): Promise<InviteLink[]> {
    const rows = await this.db
      .selectFrom('invite_links')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('revoked', '=', false)
      .orderBy('created_at', 'desc')
      .orderBy('code')
      .execute();
    return rows.map(toInviteLink);
  }

  /** A link by its code, with its group and whether it was revoked (or its group dissolved); undefined for an unknown code. */
  async inviteLink(code: string): Promise<(InviteLink & { conversationId: string; revoked: boolean }) | undefined> {
    const row = await this.db.selectFrom('invite_links').selectAll().where('code', '=', code).executeTakeFirst();
    return row && { ...toInviteLink(row), conversationId: row.conversation_id, revoked: row.revoked };
  }
}

function oneOf<T extends string>(values: readonly T[], value: string, fallback: T): T {
  return (values as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** A mute that has ended reads as none. */
function activeMute(until: Int8, now: number): number {
  const at = Number(until);
  return at > now ? at : 0;
}

function toMember(
  r: { user_id: string; username: string; display_name: string | null; role: string; joined_at: Int8; read_seq: Int8; muted_until: Int8 },
  now: number,
): GroupMember {
  return {
    id: r.user_id,
    username: r.username,
    displayName: r.display_name ?? r.username,
    role: oneOf(GROUP_ROLES, r.role, 'member'),
    joinedAt: Number(r.joined_at),
    readSeq: Number(r.read_seq),
    mutedUntil: activeMute(r.muted_until, now),
  };
}

function toNotice(r: { id: string; text: string; posted_by: string; poster_name: string; posted_at: Int8; edited_at: Int8; seq: Int8 }): Notice {
  return {
    id: r.id,
    text: r.text,
    postedBy: { id: r.posted_by, username: r.poster_name },
    postedAt: Number(r.posted_at),
    editedAt: Number(r.edited_at),
    seq: Number(r.seq),
  };
}

function toInvitation(r: { id: string; name: string; avatar: string; invited_by: string; inviter_name: string; created_at: Int8; member_count: Int8 }): Invitation {
  return {
    conversation: { id: r.id, name: r.name, avatar: r.avatar, memberCount: Number(r.member_count) },
    invitedBy: { id: r.invited_by, username: r.inviter_name },
    invitedAt: Number(r.created_at),
  };
}

function toJoinRequest(r: { id: string; name: string; user_id: string; username: string; note: string; invited_by: string; inviter_name: string; created_at: Int8 }): JoinRequest {
  return {
    conversation: { id: r.id, name: r.name },
    user: { id: r.user_id, username: r.username },
    note: r.note,
    invitedBy: r.invited_by === '' ? null : { id: r.invited_by, username: r.inviter_name },
    requestedAt: Number(r.created_at),
  };
}

function toInviteLink(r: { code: string; expires_at: Int8; max_uses: number; uses: number; created_by: string; creator_name: string; created_at: Int8 }): InviteLink {
  return {
    code: r.code,
    expiresAt: Number(r.expires_at),
    maxUses: r.max_uses,
    uses: r.uses,
    createdBy: { id: r.created_by, username: r.creator_name },
    createdAt: Number(r.created_at),
  };
}
