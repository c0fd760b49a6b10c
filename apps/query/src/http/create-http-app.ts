import express, { type Express, type Response } from 'express';
import { monotonicFactory } from 'ulid';
import { ParleyError, healthBody } from '@parley/core';
import {
  AddMembersBody,
  CONVERSATION_ID,
  ConversationSettingsBody,
  ConversationsQuery,
  CreateGroupBody,
  MembersQuery,
  MessagesQuery,
  OpenDirectBody,
  ROOM_NAME,
  compile,
  conversationKind,
  directConversationId,
  roomConversationId,
} from '@parley/protocol';
import { accountStream } from '@parley/domain';
import type { Actor } from '@parley/schemas';
import type { HttpAppDeps } from './http-app-deps.js';
import { errorBody, errorHandler } from './http-errors.js';
import { validBody, validQuery } from './validate.js';
import { perMinuteLimit } from './rate-limit.js';
import { methodNotAllowed, requireJson, requireWellFormedQuery } from './method-guards.js';
import { createRouteKit } from './routes/route-kit.js';
import { accountRoutes } from './routes/accounts.routes.js';
import { profileRoutes } from './routes/profiles.routes.js';
import { friendRoutes } from './routes/friends.routes.js';
import { groupRoutes } from './routes/groups.routes.js';
import { messageActionRoutes } from './routes/message-actions.routes.js';
import { uploadRoutes } from './routes/uploads.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { receiptsRoutes } from './routes/receipts.routes.js';
import { withReadPrivacy } from './receipt-privacy.js';

export type { HttpAppDeps } from './http-app-deps.js';

const newId = monotonicFactory();

// Validators of the declared shapes (libs/protocol/src/http), compiled once.
const check = {
  settings: compile(ConversationSettingsBody),
  conversations: compile(ConversationsQuery),
  direct: compile(OpenDirectBody),
  group: compile(CreateGroupBody),
  addMembers: compile(AddMembersBody),
  members: compile(MembersQuery),
  messages: compile(MessagesQuery),
};

/**
 * The HTTP API (docs/openapi.yaml): accounts, conversations, members and history. Every route ends in
 * methodNotAllowed, so a method it does not serve is 405 with `Allow`; a body route takes only JSON (415).
 */
/** Longest a read waits for the projection to reach what was acknowledged before it (then it reads what there is). */
const READ_BARRIER_MS = 2000;

export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', /^\d+$/.test(deps.trustProxy ?? '') ? Number(deps.trustProxy) : (deps.trustProxy ?? 'loopback'));
  app
    .route('/healthz')
    .get((_req, res) => {
      if (!deps.ready()) return void res.status(503).json({ status: 'starting' });
      const body = deps.health ? healthBody(deps.health()) : { status: 'ok' };
      res.status(body.status === 'ok' ? 200 : 503).json(body);
    })
    .all(methodNotAllowed);
  const v1 = express.Router();
  v1.use(perMinuteLimit(deps.limits.apiPerMinute));
  v1.use(requireWellFormedQuery);
  const { readBarrier } = deps;
  if (readBarrier) {
    // Requests see every write acknowledged before them (single node; see HttpAppDeps.readBarrier): a
    // write's own checks read the store too (a forward looks the message up).
    v1.use((_req, _res, next) => {
      readBarrier(READ_BARRIER_MS).then(
        () => next(),
        () => next(),
      );
    });
  }
  // Parsed per route, after the method is known to be served: a PUT with a broken body is a 405, not a 400.
  // strict: false: a body that is JSON but not an object (`null`, `"x"`, `5`) parses, and validBody refuses
  // it as `bad_request` (docs/openapi.yaml BadBody); `invalid_json` is for a body that does not parse.
  const json = [requireJson, express.json({ limit: '64kb', strict: false })];
  const kit = createRouteKit(deps);
  const { requireAuth, claims, actor, run } = kit;
  const requireMember = async (conversationId: string, res: Response): Promise<void> => {
    if (!CONVERSATION_ID.test(conversationId)) throw new ParleyError('bad_request', 'Not a conversation id', { details: { field: 'id' } });
    if (!(await deps.conversations.isMember(conversationId, claims(res).userId))) {
      throw new ParleyError('not_member', 'You are not a member of this conversation');
    }
  };
  const summary = async (conversationId: string, res: Response) => {
    const found = await deps.conversations.summaryFor(claims(res).userId, conversationId);
    if (!found) throw new ParleyError('not_found', 'No such conversation');
    return found;
  };
  // ---- accounts, profiles, friends ----
  v1.use(accountRoutes(kit, json));
  v1.use(profileRoutes(kit, json));
  v1.use(friendRoutes(kit, json));
  v1.use(groupRoutes(kit, json));
  v1.use(messageActionRoutes(kit, json));
  v1.use(uploadRoutes(kit, json));
  v1.use(searchRoutes(kit));
  v1.use(receiptsRoutes(kit, json));

  // ---- conversations ----
  v1.route('/conversations')
    .get(requireAuth, async (req, res) => {
      const { limit = 500, q, hidden = false } = validQuery(check.conversations, req.query);
      res.json({ conversations: await deps.conversations.listForUser(claims(res).userId, limit, { q, includeHidden: hidden, now: Date.now() }) });
    })
    .all(methodNotAllowed);

  v1.route('/unread')
    .get(requireAuth, async (_req, res) => {
      res.json(await deps.conversations.unreadTotals(claims(res).userId));
    })
    .all(methodNotAllowed);

  v1.route('/conversations/direct')
    .post(requireAuth, ...json, async (req, res) => {
      const { username } = validBody(check.direct, req.body);
      const other = await deps.profiles.byHandle(username);
      if (!other) throw new ParleyError('not_found', `No user named "${username}"`);
      if (other.id === claims(res).userId) throw new ParleyError('bad_request', 'You cannot start a direct conversation with yourself');
      const id = directConversationId(claims(res).userId, other.id);
      if (!(await deps.conversations.isMember(id, claims(res).userId))) {
        if (await deps.friends.isBlocked(claims(res).userId, other.id)) throw new ParleyError('blocked', 'You blocked this person; unblock them to write to them');
        // The other side's stream decides (its blocks and who it takes direct messages from); the friends
        // workflow then creates the conversation, which this waits for.
        await run(accountStream(other.handle), actor(res), { type: 'OpenDirect', conversation: id });
        // Created by the friends workflow's command, a moment after this one's outcome.
        const created = await deps.commands.until(() => deps.conversations.summaryFor(claims(res).userId, id));
        if (!created) throw new ParleyError('timeout', 'The conversation was approved but not created in time; retry the request');
        return void res.status(200).json({ conversation: created });
      }
      res.status(200).json({ conversation: await summary(id, res) });
    })
    .all(methodNotAllowed);

  v1.route('/groups')
    .post(requireAuth, ...json, async (req, res) => {
      const { name, members: names = [], joinPolicy = 'invite' } = validBody(check.group, req.body);
      if (names.length > deps.limits.maxGroupMembers) {
        throw new ParleyError('bad_request', `"members" must be a list of at most ${deps.limits.maxGroupMembers} usernames`, { details: { field: 'members' } });
      }
      const members = [actor(res), ...(await resolveUsers(names))];
      const id = `g.${newId()}`;
      await run(id, actor(res), { type: 'CreateConversation', kind: 'group', name, members, joinPolicy });
      res.status(201).json({ conversation: await summary(id, res) });
    })
    .all(methodNotAllowed);

  v1.route('/rooms/:name/join')
    .post(requireAuth, async (req, res) => {
      const name = String(req.params['name']);
      if (!ROOM_NAME.test(name)) throw new ParleyError('bad_request', 'A room name is 1-64 characters of A-Z a-z 0-9 _ -', { details: { field: 'name' } });
      const id = roomConversationId(name);
      await run(id, actor(res), { type: 'JoinConversation', kind: 'room' }, true);
      res.json({ conversation: await summary(id, res) });
    })
    .all(methodNotAllowed);

  v1.route('/conversations/:id')
    .get(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      res.json({ conversation: await summary(id, res) });
    })
    .all(methodNotAllowed);

  v1.route('/conversations/:id/settings')
    .get(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      res.json({ settings: await deps.settings.get(claims(res).userId, id) });
    })
    .put(requireAuth, ...json, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      const body = validBody(check.settings, req.body);
      if (body.pinned === undefined && body.muteUntil === undefined && body.hidden === undefined && body.remark === undefined) {
        throw new ParleyError('bad_request', 'Give at least one of pinned, muteUntil, hidden, remark');
      }
      // Only the four settings: a field the schema does not declare is ignored, not stored or echoed.
      const { pinned, muteUntil, hidden, remark } = { ...(await deps.settings.get(claims(res).userId, id)), ...body };
      const settings = { pinned, muteUntil, hidden, remark };
      await run(kit.ownStream(res), actor(res), { type: 'SetConversationSettings', conversation: id, ...settings });
      res.json({ settings });
    })
    .all(methodNotAllowed);

  v1.route('/conversations/:id/members')
    .get(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      const { limit = 200, after = '', q, role } = validQuery(check.members, req.query);
      const members = await deps.groups.members(id, { limit, after, q, role });
      res.json({ members: await withReadPrivacy(deps.profiles, claims(res).userId, members), next: members.length === limit ? members[members.length - 1]!.username : null });
    })
    .post(requireAuth, ...json, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      const { usernames } = validBody(check.addMembers, req.body);
      // Refused here too: when every listed user is a member already no command runs to refuse it.
      if (conversationKind(id) !== 'group') throw new ParleyError('bad_request', 'Members can be added to groups only', { details: { field: 'id' } });
      const requested = await resolveUsers(usernames);
      const members = [];
      for (const m of requested) if (!(await deps.conversations.isMember(id, m.userId))) members.push(m);
      if (members.length > 0) await run(id, actor(res), { type: 'AddMembers', members }, true);
      res.json({ added: members.map((m) => ({ id: m.userId, username: m.username })) });
    })
    .all(methodNotAllowed);

  v1.route('/conversations/:id/leave')
    .post(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      await run(id, actor(res), { type: 'LeaveConversation', reason: '' });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  v1.route('/conversations/:id/messages')
    .get(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      if (!CONVERSATION_ID.test(id)) throw new ParleyError('bad_request', 'Not a conversation id', { details: { field: 'id' } });
      // A member reads everything; a former member up to the entry of their leaving or removal.
      const until = await deps.groups.readableUntil(id, claims(res).userId);
      if (until === undefined) throw new ParleyError('not_member', 'You are not a member of this conversation');
      const { limit = 50, after, before } = validQuery(check.messages, req.query);
      if (after !== undefined && before !== undefined) throw new ParleyError('bad_request', 'Give "after" or "before", not both', { details: { field: 'before' } });
      const page =
        after !== undefined
          ? (await deps.messages.after(id, after, limit + 1)).filter((m) => m.seq <= until)
          : await deps.messages.before(id, Math.min(before ?? Number.MAX_SAFE_INTEGER, until + 1), limit + 1);
      const hasMore = page.length > limit;
      const messages = hasMore ? (after !== undefined ? page.slice(0, limit) : page.slice(1)) : page;
      res.json({ messages, hasMore });
    })
    .all(methodNotAllowed);

  async function resolveUsers(names: readonly string[]): Promise<Actor[]> {
    const out = new Map<string, Actor>();
    for (const n of new Set(names)) {
      const profile = await deps.profiles.byHandle(n);
      if (!profile) throw new ParleyError('not_found', `No user named "${n}"`);
      out.set(profile.id, { userId: profile.id, username: profile.handle });
    }
    return [...out.values()];
  }

  app.use('/v1', v1);
  app.use('/v1', (_req, res) => void res.status(404).json(errorBody('not_found', 'No such API route; see docs/openapi.yaml')));
  if (deps.staticDir) app.use(express.static(deps.staticDir, { index: 'index.html', maxAge: '1h' }));
  app.use((_req, res) => void res.status(404).json(errorBody('not_found', 'Not found')));
  app.use(errorHandler(deps.logger));
  return app;
}
