import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ParleyError } from '@parley/core';
import { accountStream } from '@parley/domain';
import {
  AnswerInvitationBody,
  AnswerJoinRequestBody,
  CreateInviteLinkBody,
  GroupId,
  GroupOrRoomId,
  InviteBody,
  InviteCode,
  JoinGroupBody,
  MuteBody,
  NoticeBody,
  NoticeId,
  NoticesQuery,
  ProfileIdParam,
  RemoveMemberQuery,
  SetRoleBody,
  TransferBody,
  UpdateGroupBody,
  compile,
  type GroupDetails,
  type InviteLink,
} from '@parley/protocol';
import type { Invitee } from '@parley/schemas';
import { validBody, validQuery } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import { pathId, type RouteKit } from './route-kit.js';
import { withReadPrivacy } from '../receipt-privacy.js';

const check = {
  groupId: compile(GroupId),
  id: compile(GroupOrRoomId),
  userId: compile(ProfileIdParam),
  noticeId: compile(NoticeId),
  code: compile(InviteCode),
  join: compile(JoinGroupBody),
  update: compile(UpdateGroupBody),
  role: compile(SetRoleBody),
  mute: compile(MuteBody),
  remove: compile(RemoveMemberQuery),
  transfer: compile(TransferBody),
  notices: compile(NoticesQuery),
  notice: compile(NoticeBody),
  invite: compile(InviteBody),
  answerInvitation: compile(AnswerInvitationBody),
  answerRequest: compile(AnswerJoinRequestBody),
  createLink: compile(CreateInviteLinkBody),
};

/**
 * Groups and rooms people run (docs/openapi.yaml, tag "groups"): joining (by id, invitation, request or
 * invite link), the group profile, roles, removal and bans, mutes, notices. Every write is a command on the
 * group's stream, and the conversation decider alone says who may do it (its rejection becomes the HTTP
 * error); the reads check membership and role in the store: outsiders get `not_member`, plain members
 * `forbidden` where only the owner and admins may look.
 */
export function groupRoutes(kit: RouteKit, json: express.RequestHandler[]): express.Router {
  const { deps, requireAuth, claims, actor, run } = kit;
  const router = express.Router();
  const me = (res: Response): string => claims(res).userId;

  // A body that may be left out (POST /v1/groups/{id}/join): parsed only when the request has one.
  const optionalJson = json.map((handler) => (req: Request, res: Response, next: NextFunction) => (hasBody(req) ? handler(req, res, next) : next()));

  /** The `:id` of a group or room route. */
  const groupOrRoom = (req: Request): string => pathId(check.id, req.params['id'], 'a group or room id');
  const userId = (req: Request): string => pathId(check.userId, req.params['userId'], 'a profile id');

  /** A read's check: `not_member` for outsiders, `forbidden` for plain members where only the owner and admins may read. */
  const mayRead = async (res: Response, id: string, adminsOnly = false): Promise<void> => {
    const role = await deps.groups.role(id, me(res));
    if (!role) throw new ParleyError('not_member', 'You are not a member of this conversation');
    if (adminsOnly && role === 'member') throw new ParleyError('forbidden', 'Only the owner and admins may see this');
  };

  const summary = async (res: Response, id: string) => {
    const found = await deps.conversations.summaryFor(me(res), id);
    if (!found) throw new ParleyError('not_found', 'No such conversation');
    return found;
  };

  /**
   * After a join or an accepted invitation: 200 with the conversation once the caller is a member, 202 while
   * their request waits for an admin (whichever the projection shows first; an accepted invitation's join
   * is its second event).
   */
  const joinedOrPending = async (res: Response, id: string): Promise<void> => {
    const state = await deps.commands.until(async () => {
      if (await deps.conversations.isMember(id, me(res))) return 'joined';
      return (await deps.groups.joinRequests(id)).some((r) => r.user.id === me(res)) ? 'pending' : undefined;
    });
    if (state === 'joined') return void res.json({ conversation: await summary(res, id) });
    if (state === 'pending') return void res.status(202).json({ request: { conversation: id, status: 'pending' } });
    throw new ParleyError('timeout', 'The answer was recorded but is not readable yet; see GET /v1/conversations');
  };

  // ---- joining ----

  router
    .route('/groups/:id/join')
    .post(requireAuth, ...optionalJson, async (req, res) => {
      const id = pathId(check.groupId, req.params['id'], 'a group id');
      const { note = '' } = req.body === undefined ? {} : validBody(check.join, req.body);
      // conflict: a member already, which is success. Asking again while a request waits is request_pending.
      await run(id, actor(res), { type: 'JoinConversation', kind: 'group', note }, true);
      await joinedOrPending(res, id);
    })
    .all(methodNotAllowed);

  router
    .route('/invite-links/:code')
    .get(requireAuth, async (req, res) => {
      const link = await deps.groups.inviteLink(pathId(check.code, req.params['code'], 'an invite code'));
      if (!link) throw new ParleyError('not_found', 'No such invite link');
      if (link.revoked) throw new ParleyError('invite_revoked', 'This invite link was revoked; ask for a new one');
      if (link.expiresAt <= Date.now() || (link.maxUses > 0 && link.uses >= link.maxUses)) throw new ParleyError('invite_expired', 'This invite link has expired; ask for a new one');
      // The group as the link's creator (or else its owner) sees it: the caller need not be a member.
      const asOwner = async () => {
        const [owner] = await deps.groups.members(link.conversationId, { limit: 1, role: 'owner' });
        return owner && deps.groups.details(link.conversationId, owner.id);
      };
      const group = (await deps.groups.details(link.conversationId, link.createdBy.id)) ?? (await asOwner());
      if (!group) throw new ParleyError('not_found', 'No such invite link');
      const { id, name, avatar, description, memberCount } = group;
      res.json({ conversation: { id, name, avatar, description, memberCount }, expiresAt: link.expiresAt });
    })
    .all(methodNotAllowed);

  router
    .route('/invite-links/:code/join')
    .post(requireAuth, async (req, res) => {
      const code = pathId(check.code, req.params['code'], 'an invite code');
      const link = await deps.groups.inviteLink(code);
      if (!link) throw new ParleyError('not_found', 'No such invite link');
      // Revoked, expired or used up since: the decider says which (410). conflict: a member already.
      await run(link.conversationId, actor(res), { type: 'JoinConversation', kind: 'group', code }, true);
      res.json({ conversation: await summary(res, link.conversationId) });
    })
    .all(methodNotAllowed);

  router
    .route('/invitations')
    .get(requireAuth, async (_req, res) => {
      res.json({ invitations: await deps.groups.invitationsFor(me(res)) });
    })
    .all(methodNotAllowed);

  router
    .route('/invitations/:conversationId')
    .post(requireAuth, ...json, async (req, res) => {
      const id = pathId(check.groupId, req.params['conversationId'], 'a group id');
      const { accept } = validBody(check.answerInvitation, req.body);
      try {
        await run(id, actor(res), { type: 'AnswerInvitation', accept });
      } catch (error) {
        // Accepted already (the invitation is gone once answered): the same answer as the first time, a
        // member now or a request waiting.
        const answered = async () => (await deps.conversations.isMember(id, me(res))) || (await deps.groups.joinRequests(id)).some((r) => r.user.id === me(res));
        if (!(error instanceof ParleyError && error.code === 'not_found' && accept && (await answered()))) throw error;
      }
      if (!accept) return void res.status(204).end();
      await joinedOrPending(res, id);
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/invitations')
    .post(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const { usernames } = validBody(check.invite, req.body);
      const invitees = new Map<string, Invitee>();
      for (const name of new Set(usernames)) {
        const profile = await deps.profiles.byHandle(name);
        if (!profile || profile.deleted) throw new ParleyError('not_found', `No user named "${name}"`);
        invitees.set(profile.id, { userId: profile.id, username: profile.handle, stream: accountStream(profile.handle) });
      }
      // conflict: every one of them is a member or invited already, which is what was asked.
      await run(id, actor(res), { type: 'InviteMembers', invitees: [...invitees.values()] }, true);
      const invited = [];
      for (const i of invitees.values()) if (!(await deps.conversations.isMember(id, i.userId))) invited.push({ id: i.userId, username: i.username });
      res.status(202).json({ invited });
    })
    .all(methodNotAllowed);

  router
    .route('/join-requests')
    .get(requireAuth, async (_req, res) => {
      res.json({ requests: await deps.groups.joinRequestsFor(me(res)) });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/join-requests')
    .get(requireAuth, async (req, res) => {
      const id = groupOrRoom(req);
      await mayRead(res, id, true);
      res.json({ requests: await deps.groups.joinRequests(id) });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/join-requests/:userId')
    .post(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const user = userId(req);
      const { approve } = validBody(check.answerRequest, req.body);
      await run(id, actor(res), { type: 'AnswerJoinRequest', userId: user, approve });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/invite-links')
    .get(requireAuth, async (req, res) => {
      const id = groupOrRoom(req);
      await mayRead(res, id, true);
      res.json({ links: await deps.groups.inviteLinks(id) });
    })
    .post(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const { expiresInSeconds = 604_800, maxUses = 0 } = validBody(check.createLink, req.body);
      // 128 random bits: a code cannot be guessed, so holding one is the permission to join.
      const code = randomBytes(16).toString('base64url');
      await run(id, actor(res), { type: 'CreateInviteLink', code, expiresAt: Date.now() + expiresInSeconds * 1000, maxUses });
      const stored = await kit.settled(() => deps.groups.inviteLink(code));
      const link: InviteLink = { code, expiresAt: stored.expiresAt, maxUses: stored.maxUses, uses: stored.uses, createdBy: stored.createdBy, createdAt: stored.createdAt };
      res.status(201).json({ link });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/invite-links/:code')
    .delete(requireAuth, async (req, res) => {
      const id = groupOrRoom(req);
      const code = pathId(check.code, req.params['code'], 'an invite code');
      await run(id, actor(res), { type: 'RevokeInviteLink', code });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  // ---- the group profile ----

  router
    .route('/conversations/:id/group')
    .get(requireAuth, async (req, res) => {
      const group = await deps.groups.details(groupOrRoom(req), me(res));
      if (!group) throw new ParleyError('not_member', 'You are not a member of this conversation');
      res.json({ group });
    })
    .patch(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const body = validBody(check.update, req.body);
      const fields = ['name', 'avatar', 'description', 'joinPolicy', 'invitePolicy', 'muteAll'] as const;
      // minProperties counts fields the schema does not declare too: a body of only those changes nothing.
      if (fields.every((f) => body[f] === undefined)) throw new ParleyError('bad_request', `Give at least one of ${fields.join(', ')}`);
      const current = await deps.groups.details(id, me(res));
      if (!current) throw new ParleyError('not_member', 'You are not a member of this conversation');
      const next = {
        name: body.name ?? current.name,
        avatar: body.avatar ?? current.avatar,
        description: body.description ?? current.description,
        joinPolicy: body.joinPolicy ?? current.joinPolicy,
        invitePolicy: body.invitePolicy ?? current.invitePolicy,
        muteAll: body.muteAll ?? current.muteAll,
      };
      // conflict: nothing changes, which is what was asked.
      await run(id, actor(res), { type: 'UpdateGroup', ...next }, true);
      const shows = (g: GroupDetails): boolean => fields.every((f) => g[f] === next[f]);
      res.json({ group: await kit.settled(() => deps.groups.details(id, me(res)), shows) });
    })
    .all(methodNotAllowed);

  // ---- roles, removal, bans, mutes, ownership ----

  router
    .route('/conversations/:id/members/:userId')
    .delete(requireAuth, async (req, res) => {
      const id = groupOrRoom(req);
      const user = userId(req);
      const { ban = false } = validQuery(check.remove, req.query);
      await run(id, actor(res), { type: 'RemoveMember', userId: user, ban });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/members/:userId/role')
    .put(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const user = userId(req);
      const { role } = validBody(check.role, req.body);
      // conflict: they have that role already.
      await run(id, actor(res), { type: 'SetMemberRole', userId: user, role }, true);
      const [member] = await withReadPrivacy(deps.profiles, claims(res).userId, [await kit.settled(() => deps.groups.member(id, user), (m) => m.role === role)]);
      res.json({ member });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/members/:userId/mute')
    .put(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const user = userId(req);
      const { until } = validBody(check.mute, req.body);
      // conflict: unmuting someone who is not muted.
      await run(id, actor(res), { type: 'MuteMember', userId: user, until }, true);
      // The decider stores a time already past as 0 (unmuted).
      const settled = await kit.settled(() => deps.groups.member(id, user), (m) => m.mutedUntil === until || (m.mutedUntil <= Date.now() && until <= Date.now()));
      const [member] = await withReadPrivacy(deps.profiles, claims(res).userId, [settled]);
      res.json({ member });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/transfer')
    .post(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const { userId: to } = validBody(check.transfer, req.body);
      await run(id, actor(res), { type: 'TransferOwnership', userId: to });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/dissolve')
    .post(requireAuth, async (req, res) => {
      await run(groupOrRoom(req), actor(res), { type: 'DissolveConversation', reason: '' });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/bans')
    .get(requireAuth, async (req, res) => {
      const id = groupOrRoom(req);
      await mayRead(res, id, true);
      res.json({ bans: await deps.groups.bans(id) });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/bans/:userId')
    .delete(requireAuth, async (req, res) => {
      await run(groupOrRoom(req), actor(res), { type: 'UnbanMember', userId: userId(req) });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  // ---- notices ----

  router
    .route('/conversations/:id/notices')
    .get(requireAuth, async (req, res) => {
      const id = groupOrRoom(req);
      const { limit = 20, before } = validQuery(check.notices, req.query);
      await mayRead(res, id);
      res.json({ notices: await deps.groups.notices(id, limit, before) });
    })
    .post(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const { text } = validBody(check.notice, req.body);
      const current = async () => (await deps.groups.details(id, me(res)))?.notice ?? undefined;
      const before = (await current())?.id;
      await run(id, actor(res), { type: 'PostNotice', noticeId: '', text });
      // The decider names the notice: it is the group's new current one, posted by the caller.
      res.status(201).json({ notice: await kit.settled(current, (n) => n.id !== before && n.postedBy.id === me(res) && n.text === text) });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/notices/:noticeId')
    .put(requireAuth, ...json, async (req, res) => {
      const id = groupOrRoom(req);
      const noticeId = pathId(check.noticeId, req.params['noticeId'], 'a notice id');
      const { text } = validBody(check.notice, req.body);
      // conflict: it says that already.
      await run(id, actor(res), { type: 'PostNotice', noticeId, text }, true);
      res.json({ notice: await kit.settled(() => deps.groups.notice(id, noticeId), (n) => n.text === text) });
    })
    .all(methodNotAllowed);

  router
    .route('/conversations/:id/notices/:noticeId/read')
    .post(requireAuth, async (req, res) => {
      const id = groupOrRoom(req);
      const noticeId = pathId(check.noticeId, req.params['noticeId'], 'a notice id');
      await run(id, actor(res), { type: 'AckNotice', noticeId });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  return router;
}

/** Whether a request carries a body (RFC 9112 6.3: a Transfer-Encoding, or a Content-Length above 0). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}
