import type {
  Ban,
  ConversationSummary,
  GroupDetails,
  GroupMember,
  GroupRole,
  Invitation,
  InviteLink,
  InviteLinkPreview,
  JoinRequest,
  JoinRequestPending,
  Notice,
  UpdateGroupBody,
  User,
} from '@parley/protocol';
import { enc, query } from './http-client.js';
import { SocialApi } from './social-api.js';

/**
 * How a join (or an accepted invitation) ended: the caller is a member now, or (an `approval` group) a
 * request waits for an admin; its answer arrives as a `join_request` event.
 */
export type JoinOutcome = { status: 'joined'; conversation: ConversationSummary } | { status: 'pending'; conversation: string };

/** The settings PATCH /v1/conversations/{id}/group changes (at least one). */
export type GroupChanges = UpdateGroupBody;

type JoinAnswer = { conversation: ConversationSummary } | JoinRequestPending;

function outcome(answer: JoinAnswer): JoinOutcome {
  return 'request' in answer ? { status: 'pending', conversation: answer.request.conversation } : { status: 'joined', conversation: answer.conversation };
}

/**
 * Running groups and rooms (docs/openapi.yaml, tag "groups"): the group profile, roles, moderation,
 * notices, invitations, join requests and invite links. Every change also lands in the timeline as a
 * system entry (a message of kind "system"; see `systemEntryOf`); invitations and requests arrive live
 * as `invitation` and `join_request` events, removal and dissolution as `conversation` events.
 * Authorization is the server's: a refused call rejects with `forbidden`, `not_member`, `banned`,
 * `muted`, `dissolved`, `invite_expired` or `invite_revoked`.
 */
export abstract class GroupsApi extends SocialApi {
  // ---------- profile ----------

  /** The group as the caller (a member) sees it: settings, counts, the caller's role and mute, the current notice. */
  group(id: string): Promise<GroupDetails> {
    return this.request<{ group: GroupDetails }>('GET', `/v1/conversations/${enc(id)}/group`).then((r) => r.group);
  }

  /** Changes the given settings (admins; a room's name and join policy stay); answers the group as changed. */
  updateGroup(id: string, changes: GroupChanges): Promise<GroupDetails> {
    return this.request<{ group: GroupDetails }>('PATCH', `/v1/conversations/${enc(id)}/group`, changes).then((r) => r.group);
  }

  // ---------- joining ----------

  /**
   * Joins a group: at once (open groups, or a member already), or by a request with `note` that waits for
   * an admin (`approval` groups; asking again while it waits: `request_pending`). Invite-only groups refuse
   * with `forbidden`, a banned user with `banned`.
   */
  requestJoin(id: string, note?: string): Promise<JoinOutcome> {
    return this.request<JoinAnswer>('POST', `/v1/groups/${enc(id)}/join`, note ? { note } : undefined).then(outcome);
  }

  /** What an invite link leads to, before joining. */
  inviteLinkPreview(code: string): Promise<InviteLinkPreview> {
    return this.request<InviteLinkPreview>('GET', `/v1/invite-links/${enc(code)}`);
  }

  /** Joins by an invite link, whatever the group's join policy (`invite_expired`, `invite_revoked`, `banned`). */
  joinByLink(code: string): Promise<ConversationSummary> {
    return this.request<{ conversation: ConversationSummary }>('POST', `/v1/invite-links/${enc(code)}/join`).then((r) => r.conversation);
  }

  // ---------- members and roles ----------

  /** A page of members by handle, with roles; `q` filters by handle or name, `role` by role; page on with `after: next`. */
  groupMembers(id: string, options: { limit?: number; after?: string; q?: string; role?: GroupRole } = {}): Promise<{ members: GroupMember[]; next: string | null }> {
    const q = query({ limit: options.limit, after: options.after || undefined, q: options.q || undefined, role: options.role });
    return this.request<{ members: GroupMember[]; next: string | null }>('GET', `/v1/conversations/${enc(id)}/members${q}`);
  }

  /** Makes a member an admin or an admin a member (the owner only). */
  setMemberRole(id: string, userId: string, role: 'admin' | 'member'): Promise<GroupMember> {
    return this.request<{ member: GroupMember }>('PUT', `/v1/conversations/${enc(id)}/members/${enc(userId)}/role`, { role }).then((r) => r.member);
  }

  /** Removes a member (admins; only the owner removes admins); `ban` also keeps them from joining again. */
  removeMember(id: string, userId: string, options: { ban?: boolean } = {}): Promise<void> {
    return this.request('DELETE', `/v1/conversations/${enc(id)}/members/${enc(userId)}${query({ ban: options.ban || undefined })}`).then(() => undefined);
  }

  /** Mutes a member until a time (ms since the epoch); 0 unmutes. Admins; only the owner mutes admins. */
  muteMember(id: string, userId: string, until: number): Promise<GroupMember> {
    return this.request<{ member: GroupMember }>('PUT', `/v1/conversations/${enc(id)}/members/${enc(userId)}/mute`, { until }).then((r) => r.member);
  }

  /** Hands the group to another member at once (the owner only); the old owner becomes an admin. */
  transferOwnership(id: string, userId: string): Promise<void> {
    return this.request('POST', `/v1/conversations/${enc(id)}/transfer`, { userId }).then(() => undefined);
  }

  /** Ends the group (the owner only): nobody can send any more; members keep reading its history. */
  dissolve(id: string): Promise<void> {
    return this.request('POST', `/v1/conversations/${enc(id)}/dissolve`).then(() => undefined);
  }

  /** Who is banned (admins). */
  bans(id: string): Promise<Ban[]> {
    return this.request<{ bans: Ban[] }>('GET', `/v1/conversations/${enc(id)}/bans`).then((r) => r.bans);
  }

  unban(id: string, userId: string): Promise<void> {
    return this.request('DELETE', `/v1/conversations/${enc(id)}/bans/${enc(userId)}`).then(() => undefined);
  }

  // ---------- notices ----------

  /** Notices, newest first; page back with `before` = the last one's `postedAt`. */
  notices(id: string, page: { limit?: number; before?: number } = {}): Promise<Notice[]> {
    return this.request<{ notices: Notice[] }>('GET', `/v1/conversations/${enc(id)}/notices${query(page)}`).then((r) => r.notices);
  }

  /** Posts a new current notice (admins; 1 to 4000 characters). */
  postNotice(id: string, text: string): Promise<Notice> {
    return this.request<{ notice: Notice }>('POST', `/v1/conversations/${enc(id)}/notices`, { text }).then((r) => r.notice);
  }

  /** Edits the current notice (admins; earlier ones stay as they were). */
  editNotice(id: string, noticeId: string, text: string): Promise<Notice> {
    return this.request<{ notice: Notice }>('PUT', `/v1/conversations/${enc(id)}/notices/${enc(noticeId)}`, { text }).then((r) => r.notice);
  }

  /** Marks the current notice read by the caller (its "new" marker goes). */
  markNoticeRead(id: string, noticeId: string): Promise<void> {
    return this.request('POST', `/v1/conversations/${enc(id)}/notices/${enc(noticeId)}/read`).then(() => undefined);
  }

  // ---------- invitations ----------

  /**
   * Invites people by handle (any member; groups only): each is checked on their side (friends only,
   * unless the group lets members invite anyone) and, if allowed, finds it in their invitations.
   */
  invite(id: string, usernames: string[]): Promise<User[]> {
    return this.request<{ invited: User[] }>('POST', `/v1/conversations/${enc(id)}/invitations`, { usernames }).then((r) => r.invited);
  }

  /** The invitations waiting for the caller's answer. */
  invitations(): Promise<Invitation[]> {
    return this.request<{ invitations: Invitation[] }>('GET', '/v1/invitations').then((r) => r.invitations);
  }

  /**
   * Accepts (joined, or pending when an `approval` group needs an admin because the inviter is not one)
   * or declines (undefined) an invitation.
   */
  answerInvitation(conversationId: string, accept: boolean): Promise<JoinOutcome | undefined> {
    return this.request<JoinAnswer | undefined>('POST', `/v1/invitations/${enc(conversationId)}`, { accept }).then((r) => (r ? outcome(r) : undefined));
  }

  // ---------- join requests ----------

  /** Requests waiting for an admin: of one group (its admins), or of every group the caller runs (no id). */
  joinRequests(id?: string): Promise<JoinRequest[]> {
    const path = id === undefined ? '/v1/join-requests' : `/v1/conversations/${enc(id)}/join-requests`;
    return this.request<{ requests: JoinRequest[] }>('GET', path).then((r) => r.requests);
  }

  /** Lets the requester in (`approve`) or refuses them (admins). */
  answerJoinRequest(id: string, userId: string, approve: boolean): Promise<void> {
    return this.request('POST', `/v1/conversations/${enc(id)}/join-requests/${enc(userId)}`, { approve }).then(() => undefined);
  }

  // ---------- invite links ----------

  /** The group's live invite links (admins). */
  inviteLinks(id: string): Promise<InviteLink[]> {
    return this.request<{ links: InviteLink[] }>('GET', `/v1/conversations/${enc(id)}/invite-links`).then((r) => r.links);
  }

  /** A new link (admins): valid `expiresInSeconds` (60 s to 30 days; default 7 days) for `maxUses` joins (0: unlimited). */
  createInviteLink(id: string, options: { expiresInSeconds?: number; maxUses?: number } = {}): Promise<InviteLink> {
    return this.request<{ link: InviteLink }>('POST', `/v1/conversations/${enc(id)}/invite-links`, options).then((r) => r.link);
  }

  revokeInviteLink(id: string, code: string): Promise<void> {
    return this.request('DELETE', `/v1/conversations/${enc(id)}/invite-links/${enc(code)}`).then(() => undefined);
  }
}
