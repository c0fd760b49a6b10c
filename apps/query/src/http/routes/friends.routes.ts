import express, { type Response } from 'express';
import { monotonicFactory } from 'ulid';
import { ParleyError } from '@parley/core';
import { accountStream } from '@parley/domain';
import { FriendRequestId, ProfileIdParam, RemarkBody, SendFriendRequestBody, compile } from '@parley/protocol';
import { validBody } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import { pathId, type RouteKit } from './route-kit.js';

const newId = monotonicFactory();

const check = {
  request: compile(SendFriendRequestBody),
  remark: compile(RemarkBody),
  id: compile(ProfileIdParam),
  requestId: compile(FriendRequestId),
};

/**
 * Friends, friend requests, blocks and remarks (docs/openapi.yaml, tag "friends"). Each change is a
 * command on one profile's stream; the friends workflow brings the other side along
 * (libs/domain/src/workflows/friends-workflow.ts), and both sides' devices get `friend` frames.
 */
export function friendRoutes(kit: RouteKit, json: express.RequestHandler[]): express.Router {
  const { deps, requireAuth, claims, actor, run, ownStream } = kit;
  const router = express.Router();

  /** A live profile other than the caller's, by the `:id` path parameter. */
  const other = async (res: Response, raw: unknown) => {
    const profile = await deps.profiles.byId(pathId(check.id, raw, 'a profile id'));
    if (!profile || profile.deleted) throw new ParleyError('not_found', 'No such profile');
    if (profile.id === claims(res).userId) throw new ParleyError('self_target', 'That is your own profile');
    return profile;
  };

  router
    .route('/friends')
    .get(requireAuth, async (_req, res) => {
      res.json({ friends: await deps.friends.friends(claims(res).userId) });
    })
    .all(methodNotAllowed);

  router
    .route('/friends/requests')
    .get(requireAuth, async (_req, res) => {
      res.json(await deps.friends.requests(claims(res).userId));
    })
    .post(requireAuth, ...json, async (req, res) => {
      const { profile: id, note = '' } = validBody(check.request, req.body);
      const to = await other(res, id);
      if (await deps.friends.isBlocked(claims(res).userId, to.id)) throw new ParleyError('blocked', 'You blocked this person; unblock them first');
      const requestId = `f${newId()}`;
      // Decided on the receiver's stream, which knows its friends, blocks and pending requests.
      await run(accountStream(to.handle), actor(res), { type: 'RequestFriend', requestId, note });
      // The request as stored (its createdAt is the event's time, as GET /v1/friends/requests lists it);
      // it may be answered already, and then it is built from the profiles.
      const stored = await deps.friends.request(requestId);
      if (stored) return void res.status(201).json({ request: stored });
      const [from, toView] = await Promise.all([deps.profiles.publicById(claims(res).userId), deps.profiles.publicById(to.id)]);
      if (!from || !toView) throw new ParleyError('not_found', 'No such profile');
      res.status(201).json({ request: { id: requestId, from, to: toView, note, createdAt: Date.now() } });
    })
    .all(methodNotAllowed);

  for (const answer of ['accept', 'refuse'] as const) {
    router
      .route(`/friends/requests/:id/${answer}`)
      .post(requireAuth, async (req, res) => {
        await run(ownStream(res), actor(res), { type: 'AnswerFriendRequest', requestId: pathId(check.requestId, req.params['id'], 'a friend request id'), accept: answer === 'accept' });
        res.status(204).end();
      })
      .all(methodNotAllowed);
  }

  router
    .route('/friends/requests/:id')
    .delete(requireAuth, async (req, res) => {
      const requestId = pathId(check.requestId, req.params['id'], 'a friend request id');
      const request = await deps.friends.request(requestId);
      if (!request || request.from.id !== claims(res).userId) throw new ParleyError('request_not_pending', 'You have no such pending request');
      const to = await deps.profiles.byId(request.to.id);
      if (!to || to.deleted) throw new ParleyError('request_not_pending', 'You have no such pending request');
      await run(accountStream(to.handle), actor(res), { type: 'CancelFriendRequest', requestId });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/friends/:id')
    .delete(requireAuth, async (req, res) => {
      await run(ownStream(res), actor(res), { type: 'RemoveFriend', friendId: pathId(check.id, req.params['id'], 'a profile id') });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/blocks')
    .get(requireAuth, async (_req, res) => {
      res.json({ blocked: await deps.friends.blocked(claims(res).userId) });
    })
    .all(methodNotAllowed);

  router
    .route('/blocks/:id')
    .put(requireAuth, async (req, res) => {
      const target = await other(res, req.params['id']);
      await run(ownStream(res), actor(res), { type: 'BlockProfile', blockedId: target.id, blockedStream: accountStream(target.handle) });
      res.status(204).end();
    })
    .delete(requireAuth, async (req, res) => {
      const target = await deps.profiles.byId(pathId(check.id, req.params['id'], 'a profile id'));
      // A deleted profile can still be unblocked (its stream is known from its handle).
      if (!target) throw new ParleyError('not_found', 'No such profile');
      await run(ownStream(res), actor(res), { type: 'UnblockProfile', blockedId: target.id, blockedStream: accountStream(target.handle) });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/contacts/:id/remark')
    .put(requireAuth, ...json, async (req, res) => {
      const target = await other(res, req.params['id']);
      const { remark } = validBody(check.remark, req.body);
      await run(ownStream(res), actor(res), { type: 'SetContactRemark', contactId: target.id, remark });
      res.json({ remark });
    })
    .all(methodNotAllowed);

  return router;
}
