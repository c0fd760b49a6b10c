import express from 'express';
import { monotonicFactory } from 'ulid';
import { ParleyError } from '@parley/core';
import { accountStream } from '@parley/domain';
import { CreateProfileBody, HANDLE, PeopleQuery, ProfileIdParam, UpdateProfileBody, compile, type OwnProfile } from '@parley/protocol';
import { validBody, validQuery } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import { pathId, type RouteKit } from './route-kit.js';

const newId = monotonicFactory();

const check = {
  create: compile(CreateProfileBody),
  update: compile(UpdateProfileBody),
  people: compile(PeopleQuery),
  id: compile(ProfileIdParam),
};

/** A login's profiles, and profiles as others see them (docs/openapi.yaml, tag "profiles"). */
export function profileRoutes(kit: RouteKit, json: express.RequestHandler[]): express.Router {
  const { deps, requireAuth, claims, actor, run } = kit;
  const router = express.Router();

  /** One of the caller's login's live profiles, or 404 (another login's profile is not the caller's to change). */
  const own = async (res: express.Response, id: string): Promise<OwnProfile> => {
    const profile = (await deps.profiles.listForLogin(claims(res).loginId)).find((p) => p.id === id);
    if (!profile) throw new ParleyError('not_found', 'You have no such profile');
    return profile;
  };

  router
    .route('/profiles')
    .get(requireAuth, async (_req, res) => {
      res.json({ profiles: await deps.profiles.listForLogin(claims(res).loginId) });
    })
    .post(requireAuth, ...json, async (req, res) => {
      const body = validBody(check.create, req.body);
      const handle = body.handle.normalize('NFKC');
      if (!HANDLE.test(handle)) throw new ParleyError('bad_request', '"handle" must be 3-32 letters, digits, _ . - after NFKC normalization', { details: { field: 'handle' } });
      const mine = await deps.profiles.listForLogin(claims(res).loginId);
      if (mine.length >= deps.limits.maxProfilesPerLogin) throw new ParleyError('limit_reached', `A login has at most ${deps.limits.maxProfilesPerLogin} profiles`);
      const id = `u${newId()}`;
      const displayName = body.displayName ?? handle;
      await run(accountStream(handle), actor(res), { type: 'CreateProfile', profileId: id, loginId: claims(res).loginId, handle, displayName });
      // As stored: its createdAt is the event's time, the one GET /v1/profiles lists.
      const profile: OwnProfile = (await deps.profiles.listForLogin(claims(res).loginId)).find((p) => p.id === id) ?? {
        id, handle, displayName, bio: '', avatar: '', directFrom: 'everyone', readReceipts: true, presence: 'everyone', createdAt: Date.now(),
      };
      res.status(201).json({ profile });
    })
    .all(methodNotAllowed);

  router
    .route('/profiles/:id')
    .get(requireAuth, async (req, res) => {
      const id = pathId(check.id, req.params['id'], 'a profile id');
      const profile = await deps.profiles.publicById(id);
      if (!profile) throw new ParleyError('not_found', 'No such profile');
      const me = claims(res).userId;
      const [relation, remark] = await Promise.all([deps.friends.relation(me, id), deps.friends.remark(me, id)]);
      res.json({ profile, relation, remark });
    })
    .patch(requireAuth, ...json, async (req, res) => {
      const id = pathId(check.id, req.params['id'], 'a profile id');
      const body = validBody(check.update, req.body);
      const { displayName, bio, avatar, directFrom, readReceipts, presence } = body;
      if ([displayName, bio, avatar, directFrom, readReceipts, presence].every((v) => v === undefined)) {
        throw new ParleyError('bad_request', 'Give at least one of displayName, bio, avatar, directFrom, readReceipts, presence');
      }
      const current = await own(res, id);
      const next: OwnProfile = {
        ...current,
        displayName: displayName ?? current.displayName,
        bio: bio ?? current.bio,
        avatar: avatar ?? current.avatar,
        directFrom: directFrom ?? current.directFrom,
        readReceipts: readReceipts ?? current.readReceipts,
        presence: presence ?? current.presence,
      };
      if (body.displayName !== undefined || body.bio !== undefined || body.avatar !== undefined) {
        await kit.runAs(current, { type: 'UpdateProfile', displayName: next.displayName, bio: next.bio, avatar: next.avatar });
      }
      if (next.directFrom !== current.directFrom || next.readReceipts !== current.readReceipts || next.presence !== current.presence) {
        await kit.runAs(current, { type: 'SetPrivacy', directFrom: next.directFrom, readReceipts: next.readReceipts, presence: next.presence });
      }
      res.json({ profile: next });
    })
    .delete(requireAuth, async (req, res) => {
      const id = pathId(check.id, req.params['id'], 'a profile id');
      const target = await own(res, id);
      if ((await deps.profiles.listForLogin(claims(res).loginId)).length === 1) throw new ParleyError('last_profile', 'A login keeps at least one profile; delete the login instead (POST /v1/auth/delete-login)');
      // Its devices are signed out first: a deleted profile takes no more commands, revocations included.
      await kit.signOut(target);
      await kit.runAs(target, { type: 'DeleteProfile', loginId: claims(res).loginId });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/users')
    .get(requireAuth, async (req, res) => {
      const { q, prefix, limit = 20, after } = validQuery(check.people, req.query);
      res.json(await deps.profiles.search(q || prefix || '', limit, after));
    })
    .all(methodNotAllowed);

  return router;
}
