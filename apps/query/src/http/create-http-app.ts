import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { monotonicFactory } from 'ulid';
import { ParleyError, healthBody, type HealthReport, type Logger } from '@parley/core';
import {
  AddMembersBody,
  CONVERSATION_ID,
  ConversationsQuery,
  CreateGroupBody,
  LoginBody,
  MarkReadBody,
  MembersQuery,
  MessagesQuery,
  OpenDirectBody,
  ROOM_NAME,
  RegisterBody,
  USERNAME,
  UsersQuery,
  compile,
  conversationKind,
  directConversationId,
  roomConversationId,
} from '@parley/protocol';
import { userStream } from '@parley/domain';
import type { Actor } from '@parley/schemas';
import type { Authenticate, PasswordHasher, TokenClaims, TokenService } from '@parley/auth';
import type { ConversationRepository, MessageRepository, UserRepository } from '@parley/store';
import type { CommandBus } from '../command-bus.js';
import { errorBody, errorHandler, rejection } from './http-errors.js';
import { validBody, validQuery } from './validate.js';
import { methodNotAllowed, requireJson } from './method-guards.js';

export interface HttpAppDeps {
  readonly commands: CommandBus;
  readonly users: UserRepository;
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly tokens: TokenService;
  readonly authenticate: Authenticate;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  readonly limits: {
    /** Register and login attempts per client IP per minute. */
    readonly authPerMinute: number;
    /** All API requests per client IP per minute. */
    readonly apiPerMinute: number;
    readonly maxGroupMembers: number;
  };
  /** Files of the web client, served at `/`. */
  readonly staticDir?: string;
  /** Express's `trust proxy`: which hops' X-Forwarded-For to believe for client IPs (rate limits). */
  readonly trustProxy?: string;
  /** Whether the whole node is ready, for GET /healthz. */
  readonly ready: () => boolean;
  /** The consumers' health for GET /healthz once ready: a stuck or lagging consumer answers 503 (docs/OPERATIONS.md). */
  readonly health?: () => HealthReport;
}

const newId = monotonicFactory();

// Validators of the declared shapes (libs/protocol/src/http), compiled once.
const check = {
  register: compile(RegisterBody),
  login: compile(LoginBody),
  users: compile(UsersQuery),
  conversations: compile(ConversationsQuery),
  direct: compile(OpenDirectBody),
  group: compile(CreateGroupBody),
  addMembers: compile(AddMembersBody),
  members: compile(MembersQuery),
  read: compile(MarkReadBody),
  messages: compile(MessagesQuery),
};

/**
 * The HTTP API (docs/openapi.yaml): accounts, conversations, members and history. Every route ends in
 * methodNotAllowed, so a method it does not serve is 405 with `Allow`; a body route takes only JSON (415).
 */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  // The hash of a random password, verified against for unknown usernames so login time does not reveal which names exist.
  const dummyHash = deps.hasher.hash(randomUUID());
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
  v1.use(rateLimit({ windowMs: 60_000, limit: deps.limits.apiPerMinute, standardHeaders: 'draft-8', legacyHeaders: false, handler: limited }));
  // Parsed per route, after the method is known to be served: a PUT with a broken body is a 405, not a 400.
  // strict: false: a body that is JSON but not an object (`null`, `"x"`, `5`) parses, and validBody refuses
  // it as `bad_request` (docs/openapi.yaml BadBody); `invalid_json` is for a body that does not parse.
  const json = [requireJson, express.json({ limit: '64kb', strict: false })];
  const authLimiter = rateLimit({ windowMs: 60_000, limit: deps.limits.authPerMinute, standardHeaders: 'draft-8', legacyHeaders: false, handler: limited });

  const requireAuth = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization') ?? '';
    // The scheme name is case-insensitive (RFC 9110, 11.1); the token is not.
    const match = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9._-]{10,4096})$/.exec(header);
    if (!match?.[1]) throw new ParleyError('unauthenticated', 'Send "Authorization: Bearer <token>"; get a token from POST /v1/auth/login');
    res.locals['claims'] = await deps.authenticate(match[1]);
    next();
  };
  const claims = (res: Response): TokenClaims => res.locals['claims'] as TokenClaims;
  const actor = (res: Response): Actor => ({ userId: claims(res).userId, username: claims(res).username });
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
  /** Runs a command; 'conflict' means it was done already, which idempotent calls treat as success. */
  const run = async (stream: string, who: Actor | null, payload: Parameters<CommandBus['execute']>[2], conflictOk = false) => {
    const outcome = await deps.commands.execute(stream, who, payload);
    if (outcome.status === 'rejected' && !(conflictOk && outcome.code === 'conflict')) throw rejection(outcome.code, outcome.message);
  };

  // ---- accounts ----
  v1.route('/auth/register')
    .post(authLimiter, ...json, async (req, res) => {
      const { username, password } = validBody(check.register, req.body);
      const userId = `u${newId()}`;
      await run(userStream(username), null, { type: 'RegisterUser', userId, username, passwordHash: await deps.hasher.hash(password) });
      res.status(201).json({ user: { id: userId, username } });
    })
    .all(methodNotAllowed);

  v1.route('/auth/login')
    .post(authLimiter, ...json, async (req, res) => {
      const { username, password } = validBody(check.login, req.body);
      const user = USERNAME.test(username) ? await deps.users.byUsername(username) : undefined;
      const ok = await deps.hasher.verify(user?.passwordHash ?? (await dummyHash), password);
      if (!user || !ok) throw new ParleyError('invalid_credentials', 'Wrong username or password');
      const { token, claims: c } = await deps.tokens.issue({ id: user.id, username: user.username });
      res.json({ token, expiresAt: c.expiresAt, user: { id: user.id, username: user.username } });
    })
    .all(methodNotAllowed);

  v1.route('/auth/logout')
    .post(requireAuth, async (_req, res) => {
      const c = claims(res);
      await run(userStream(c.username), actor(res), { type: 'RevokeToken', tokenId: c.tokenId, expiresAt: c.expiresAt });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  v1.route('/me')
    .get(requireAuth, (_req, res) => {
      res.json({ user: { id: claims(res).userId, username: claims(res).username }, expiresAt: claims(res).expiresAt });
    })
    .all(methodNotAllowed);

  v1.route('/users')
    .get(requireAuth, async (req, res) => {
      const { prefix = '', limit = 20 } = validQuery(check.users, req.query);
      res.json({ users: await deps.users.search(prefix, limit) });
    })
    .all(methodNotAllowed);

  // ---- conversations ----
  v1.route('/conversations')
    .get(requireAuth, async (req, res) => {
      const { limit = 500 } = validQuery(check.conversations, req.query);
      res.json({ conversations: await deps.conversations.listForUser(claims(res).userId, limit) });
    })
    .all(methodNotAllowed);

  v1.route('/conversations/direct')
    .post(requireAuth, ...json, async (req, res) => {
      const { username } = validBody(check.direct, req.body);
      const other = await deps.users.byUsername(username);
      if (!other) throw new ParleyError('not_found', `No user named "${username}"`);
      if (other.id === claims(res).userId) throw new ParleyError('bad_request', 'You cannot start a direct conversation with yourself');
      const id = directConversationId(claims(res).userId, other.id);
      if (!(await deps.conversations.isMember(id, claims(res).userId))) {
        await run(id, actor(res), { type: 'CreateConversation', kind: 'direct', name: '', members: [actor(res), { userId: other.id, username: other.username }] }, true);
      }
      res.status(200).json({ conversation: await summary(id, res) });
    })
    .all(methodNotAllowed);

  v1.route('/groups')
    .post(requireAuth, ...json, async (req, res) => {
      const { name, members: names = [] } = validBody(check.group, req.body);
      if (names.length > deps.limits.maxGroupMembers) {
        throw new ParleyError('bad_request', `"members" must be a list of at most ${deps.limits.maxGroupMembers} usernames`, { details: { field: 'members' } });
      }
      const members = [actor(res), ...(await resolveUsers(names))];
      const id = `g.${newId()}`;
      await run(id, actor(res), { type: 'CreateConversation', kind: 'group', name, members });
      res.status(201).json({ conversation: await summary(id, res) });
    })
    .all(methodNotAllowed);

  v1.route('/groups/:id/join')
    .post(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      if (conversationKind(id) !== 'group') throw new ParleyError('bad_request', 'Not a group id', { details: { field: 'id' } });
      await run(id, actor(res), { type: 'JoinConversation', kind: 'group' }, true);
      res.json({ conversation: await summary(id, res) });
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

  v1.route('/conversations/:id/members')
    .get(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      const { limit = 200, after = '' } = validQuery(check.members, req.query);
      const members = await deps.conversations.members(id, limit, after);
      res.json({ members, next: members.length === limit ? members[members.length - 1]!.username : null });
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

  v1.route('/conversations/:id/read')
    .post(requireAuth, ...json, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      const { seq } = validBody(check.read, req.body);
      await run(id, actor(res), { type: 'MarkRead', seq });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  v1.route('/conversations/:id/messages')
    .get(requireAuth, async (req, res) => {
      const id = String(req.params['id']);
      await requireMember(id, res);
      const { limit = 50, after, before } = validQuery(check.messages, req.query);
      if (after !== undefined && before !== undefined) throw new ParleyError('bad_request', 'Give "after" or "before", not both', { details: { field: 'before' } });
      const page =
        after !== undefined
          ? await deps.messages.after(id, after, limit + 1)
          : await deps.messages.before(id, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
      const hasMore = page.length > limit;
      const messages = hasMore ? (after !== undefined ? page.slice(0, limit) : page.slice(1)) : page;
      res.json({ messages, hasMore });
    })
    .all(methodNotAllowed);

  async function resolveUsers(names: readonly string[]): Promise<Actor[]> {
    const out: Actor[] = [];
    for (const n of new Set(names)) {
      const user = await deps.users.byUsername(n);
      if (!user) throw new ParleyError('not_found', `No user named "${n}"`);
      out.push({ userId: user.id, username: user.username });
    }
    return out;
  }

  app.use('/v1', v1);
  app.use('/v1', (_req, res) => void res.status(404).json(errorBody('not_found', 'No such API route; see docs/openapi.yaml')));
  if (deps.staticDir) app.use(express.static(deps.staticDir, { index: 'index.html', maxAge: '1h' }));
  app.use((_req, res) => void res.status(404).json(errorBody('not_found', 'Not found')));
  app.use(errorHandler(deps.logger));
  return app;
}

function limited(_req: Request, res: Response): void {
  res.status(429).json(errorBody('rate_limited', 'Too many requests; wait a minute and retry'));
}

