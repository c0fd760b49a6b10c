import { randomInt, randomUUID } from 'node:crypto';
import express, { type Request } from 'express';
import { monotonicFactory } from 'ulid';
import { ParleyError } from '@parley/core';
import { accountStream, userStream } from '@parley/domain';
import {
  ChangePasswordBody,
  DeleteLoginBody,
  EmailBody,
  LoginBody,
  PasswordResetBody,
  PasswordResetConfirmBody,
  RegisterBody,
  SessionId,
  SwitchBody,
  USERNAME,
  VerifyEmailBody,
  compile,
  type Login,
  type OwnProfile,
} from '@parley/protocol';
import { validBody } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import { perMinuteLimit } from '../rate-limit.js';
import { pathId, type RouteKit } from './route-kit.js';

const newId = monotonicFactory();

const check = {
  register: compile(RegisterBody),
  login: compile(LoginBody),
  switch: compile(SwitchBody),
  email: compile(EmailBody),
  verify: compile(VerifyEmailBody),
  reset: compile(PasswordResetBody),
  resetConfirm: compile(PasswordResetConfirmBody),
  password: compile(ChangePasswordBody),
  deleteLogin: compile(DeleteLoginBody),
  sessionId: compile(SessionId),
};

interface LoginRow {
  id: string;
  username: string;
  passwordHash: string | null;
  email: string | null;
}

/**
 * Logins, sessions and the codes mailed for email verification and password reset
 * (docs/openapi.yaml, tag "accounts"). Passwords and emails are sealed with the login's key before they
 * enter the log (docs/adr/0007-personal-data-sealed-with-erasable-keys.md).
 */
export function accountRoutes(kit: RouteKit, json: express.RequestHandler[]): express.Router {
  const { deps, requireAuth, claims, actor, run } = kit;
  const router = express.Router();
  const authLimiter = perMinuteLimit(deps.limits.authPerMinute);
  // The hash of a random password, verified against for unknown logins so login time does not reveal which names exist.
  const dummyHash = deps.hasher.hash(randomUUID());

  const loginView = (l: LoginRow): Login => ({ id: l.id, username: l.username, email: l.email });
  /**
   * The login a client names by its username or its verified email, in any case (docs/openapi.yaml, login):
   * usernames are lowercase ASCII, so only A-Z are folded (`toLowerCase` would also turn the Kelvin sign into k).
   */
  const findLogin = async (name: string): Promise<LoginRow | undefined> => {
    if (name.includes('@')) return await deps.logins.byEmail(name);
    const username = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
    return USERNAME.test(username) ? await deps.logins.byUsername(username) : undefined;
  };
  const checkPassword = async (login: LoginRow | undefined, password: string): Promise<LoginRow> => {
    const ok = await deps.hasher.verify(login?.passwordHash ?? (await dummyHash), password);
    if (!login || !login.passwordHash || !ok) throw new ParleyError('invalid_credentials', 'Wrong username, email or password');
    return login;
  };
  /** Signs `profile` of `login` in on this device: a token and a row in the sessions list. */
  const signIn = async (req: Request, login: LoginRow, profile: OwnProfile, client: string | undefined) => {
    const { token, claims: c } = await deps.tokens.issue({ id: profile.id, username: profile.handle, loginId: login.id });
    const now = Date.now();
    await deps.sessions.create({ tokenId: c.tokenId, loginId: login.id, profileId: profile.id, client: clientName(req, client), ip: req.ip ?? '', createdAt: now, expiresAt: c.expiresAt });
    return { token, expiresAt: c.expiresAt, user: { id: profile.id, username: profile.handle }, profile, login: loginView(login) };
  };
  /** Revokes every live session of the login's profiles but `keep`; their sockets close at once. */
  const revokeSessions = async (loginId: string, keep?: string): Promise<void> => {
    for (const p of await deps.profiles.listForLogin(loginId)) await kit.signOut(p, keep);
  };
  /** Mails a fresh code to `email`; the code itself is stored only as a hash. */
  const mailCode = async (loginId: string, purpose: 'verify_email' | 'reset_password', email: string): Promise<void> => {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await deps.codes.issue({ loginId, purpose, email, code, ttlMs: deps.limits.codeTtlMs, now: Date.now() });
    const minutes = Math.round(deps.limits.codeTtlMs / 60_000);
    const what = purpose === 'verify_email' ? 'verify this email address for Parley' : 'reset your Parley password';
    await deps.mail({ to: email, subject: `Your Parley code: ${code}`, text: `Your code to ${what} is ${code}.\nIt works once, for ${minutes} minutes.\nIf you did not ask for it, ignore this email.\n` });
  };
  const emailFree = async (email: string, loginId: string): Promise<void> => {
    const holder = await deps.logins.byEmail(email);
    if (holder && holder.id !== loginId) throw new ParleyError('email_taken', 'Another login uses this email address', { details: { field: 'email' } });
  };

  router
    .route('/auth/register')
    .post(authLimiter, ...json, async (req, res) => {
      const { username, password, displayName, email } = validBody(check.register, req.body);
      if (email !== undefined) await emailFree(email, '');
      const loginId = `l${newId()}`;
      const profileId = `u${newId()}`;
      await deps.vault.createKey(loginId);
      const credentials = await deps.vault.seal(loginId, JSON.stringify({ passwordHash: await deps.hasher.hash(password) }));
      await run(userStream(username), null, { type: 'RegisterLogin', loginId, username, profileId, displayName: displayName ?? username, credentials });
      if (email !== undefined) {
        // The account exists either way; a failed mail is retried with POST /v1/auth/email.
        await mailCode(loginId, 'verify_email', email).catch((error: unknown) => deps.logger.warn('could not mail the verification code', { error }));
      }
      // As stored: its createdAt is the event's time, the one GET /v1/me and GET /v1/profiles give.
      const profile: OwnProfile = (await deps.profiles.listForLogin(loginId)).find((p) => p.id === profileId) ?? {
        id: profileId, handle: username, displayName: displayName ?? username, bio: '', avatar: '', directFrom: 'everyone', readReceipts: true, presence: 'everyone', createdAt: Date.now(),
      };
      res.status(201).json({ user: { id: profileId, username }, profile, login: { id: loginId, username, email: null } });
    })
    .all(methodNotAllowed);

  router
    .route('/auth/login')
    .post(authLimiter, ...json, async (req, res) => {
      const { username, password, profile: wanted, client } = validBody(check.login, req.body);
      const login = await checkPassword(await findLogin(username), password);
      const profiles = await deps.profiles.listForLogin(login.id);
      const profile = wanted === undefined ? profiles[0] : profiles.find((p) => p.id === wanted);
      if (!profile) throw new ParleyError('not_found', wanted === undefined ? 'This login has no profile left' : 'The login has no such profile', { details: { field: 'profile' } });
      res.json(await signIn(req, login, profile, client));
    })
    .all(methodNotAllowed);

  router
    .route('/auth/switch')
    .post(requireAuth, ...json, async (req, res) => {
      const { profile: wanted, client } = validBody(check.switch, req.body);
      const login = await deps.logins.byId(claims(res).loginId);
      const profile = (await deps.profiles.listForLogin(claims(res).loginId)).find((p) => p.id === wanted);
      if (!login || !profile) throw new ParleyError('not_found', 'Your login has no such profile', { details: { field: 'profile' } });
      res.json(await signIn(req, login, profile, client));
    })
    .all(methodNotAllowed);

  router
    .route('/auth/logout')
    .post(requireAuth, async (_req, res) => {
      const c = claims(res);
      await run(kit.ownStream(res), actor(res), { type: 'RevokeToken', tokenId: c.tokenId, expiresAt: c.expiresAt });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/me')
    .get(requireAuth, async (_req, res) => {
      const c = claims(res);
      const [login, profiles] = await Promise.all([deps.logins.byId(c.loginId), deps.profiles.listForLogin(c.loginId)]);
      const profile = profiles.find((p) => p.id === c.userId);
      if (!login || !profile) throw new ParleyError('token_revoked', 'This profile or login was deleted; log in again');
      res.json({ user: { id: c.userId, username: c.username }, expiresAt: c.expiresAt, profile, login: loginView(login) });
    })
    .all(methodNotAllowed);

  router
    .route('/auth/email')
    .post(authLimiter, requireAuth, ...json, async (req, res) => {
      const { email } = validBody(check.email, req.body);
      await emailFree(email, claims(res).loginId);
      await mailCode(claims(res).loginId, 'verify_email', email);
      res.status(202).end();
    })
    .all(methodNotAllowed);

  router
    .route('/auth/email/verify')
    .post(authLimiter, requireAuth, ...json, async (req, res) => {
      const { code } = validBody(check.verify, req.body);
      const loginId = claims(res).loginId;
      const { email } = await deps.codes.consume({ loginId, purpose: 'verify_email', code, now: Date.now() });
      await emailFree(email, loginId);
      const login = await deps.logins.byId(loginId);
      if (!login) throw new ParleyError('not_found', 'No such login');
      await run(userStream(login.username), actor(res), { type: 'VerifyEmail', loginId, email: await deps.vault.seal(loginId, email) });
      res.json({ login: { ...loginView(login), email } });
    })
    .all(methodNotAllowed);

  router
    .route('/auth/password-reset')
    .post(authLimiter, ...json, async (req, res) => {
      const { login: name } = validBody(check.reset, req.body);
      const login = await findLogin(name);
      // The same answer whether or not the login exists, has an email, or asked too often: nothing is revealed.
      if (login?.email) {
        await mailCode(login.id, 'reset_password', login.email).catch((error: unknown) => deps.logger.info('password reset code not sent', { error: String(error) }));
      }
      res.status(202).end();
    })
    .all(methodNotAllowed);

  router
    .route('/auth/password-reset/confirm')
    .post(authLimiter, ...json, async (req, res) => {
      const { login: name, code, password } = validBody(check.resetConfirm, req.body);
      const login = await findLogin(name);
      // The store's words for a wrong code: an unknown login must not read differently from a known one.
      if (!login) throw new ParleyError('invalid_code', 'The code is wrong or was used already');
      await deps.codes.consume({ loginId: login.id, purpose: 'reset_password', code, now: Date.now() });
      await changePassword(login, password);
      await revokeSessions(login.id);
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/auth/password')
    .post(authLimiter, requireAuth, ...json, async (req, res) => {
      const { current, password } = validBody(check.password, req.body);
      const login = await checkPassword(await deps.logins.byId(claims(res).loginId), current);
      await changePassword(login, password);
      // Every other device signs in again with the new password; this one stays.
      await revokeSessions(login.id, claims(res).tokenId);
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/auth/delete-login')
    .post(authLimiter, requireAuth, ...json, async (req, res) => {
      const { password } = validBody(check.deleteLogin, req.body);
      const login = await checkPassword(await deps.logins.byId(claims(res).loginId), password);
      await revokeSessions(login.id);
      const stream = userStream(login.username);
      for (const p of await deps.profiles.listForLogin(login.id)) {
        // The profile on the login's own stream goes with the login, in one step.
        if (accountStream(p.handle) !== stream) await kit.runAs(p, { type: 'DeleteProfile', loginId: login.id });
      }
      await run(stream, actor(res), { type: 'DeleteLogin', loginId: login.id });
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/sessions')
    .get(requireAuth, async (_req, res) => {
      const c = claims(res);
      const sessions = await deps.sessions.list(c.userId, Date.now());
      res.json({ sessions: sessions.map((s) => ({ id: s.id, client: s.client, ip: s.ip, createdAt: s.createdAt, lastActiveAt: s.lastActiveAt, expiresAt: s.expiresAt, current: s.id === c.tokenId })) });
    })
    .all(methodNotAllowed);

  router
    .route('/sessions/:id')
    .delete(requireAuth, async (req, res) => {
      const session = await deps.sessions.get(pathId(check.sessionId, req.params['id'], 'a session id'));
      if (!session || session.loginId !== claims(res).loginId) throw new ParleyError('not_found', 'No such session');
      const profile = await deps.profiles.byId(session.profileId);
      if (profile && !profile.deleted) {
        await kit.runAs(profile, { type: 'RevokeToken', tokenId: session.id, expiresAt: session.expiresAt }, true);
      }
      res.status(204).end();
    })
    .all(methodNotAllowed);

  async function changePassword(login: LoginRow, password: string): Promise<void> {
    const credentials = await deps.vault.seal(login.id, JSON.stringify({ passwordHash: await deps.hasher.hash(password) }));
    await run(userStream(login.username), null, { type: 'ChangePassword', loginId: login.id, credentials });
  }

  return router;
}

function clientName(req: Request, given: string | undefined): string {
  return (given ?? req.get('user-agent') ?? '').slice(0, 64);
}
