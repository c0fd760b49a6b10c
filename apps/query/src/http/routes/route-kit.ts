import type { NextFunction, Request, Response } from 'express';
import { ParleyError } from '@parley/core';
import { accountStream } from '@parley/domain';
import type { Actor, CommandPayload } from '@parley/schemas';
import type { TokenClaims } from '@parley/auth';
import { CONVERSATION_ID, MAX_SEQ, MessageSeqParam, compile } from '@parley/protocol';
import type { HttpAppDeps } from '../http-app-deps.js';
import { rejection } from '../http-errors.js';

/**
 * What every route module shares: authentication, the caller, and running a command to its outcome.
 * Built once per app from its deps.
 */
export interface RouteKit {
  readonly deps: HttpAppDeps;
  readonly requireAuth: (req: Request, res: Response, next: NextFunction) => Promise<void>;
  claims(res: Response): TokenClaims;
  /** The caller as a command's actor: its profile id and handle. */
  actor(res: Response): Actor;
  /** The caller's own account stream (its profile's). */
  ownStream(res: Response): string;
  /**
   * Runs a command and waits for its outcome; a rejection becomes the matching ParleyError. With
   * `conflictOk`, a `conflict` (done already) counts as success.
   */
  run(stream: string, who: Actor | null, payload: CommandPayload, conflictOk?: boolean): Promise<void>;
  /** `run` on a profile's own stream, as that profile (one the caller's login owns, or its session's). */
  runAs(profile: ProfileRef, payload: CommandPayload, conflictOk?: boolean): Promise<void>;
  /** Revokes every live session of `profile` but the one with token id `keep`; their sockets close at once (4009). */
  signOut(profile: ProfileRef, keep?: string): Promise<void>;
  /**
   * `read` once it answers and shows what the command just did (`done`, default: any answer), else
   * ParleyError('timeout'): a command's outcome is recorded with its first event, and its facts may be
   * projected a moment after.
   */
  settled<T>(read: () => Promise<T | undefined>, done?: (value: T) => boolean): Promise<T>;
}

/** A profile as the routes act for it: its id and the handle that names its stream. */
export interface ProfileRef {
  readonly id: string;
  readonly handle: string;
}

/** A path parameter checked against its declared shape; otherwise 400 `bad_request` naming the field `id`. */
export function pathId(checker: { check(value: unknown): boolean }, raw: unknown, what: string): string {
  const id = String(raw);
  if (!checker.check(id)) throw new ParleyError('bad_request', `Not ${what}`, { details: { field: 'id' } });
  return id;
}

/** The `{id}` of a conversation in a path; otherwise 400 `bad_request` naming the field `id`. */
export function conversationParam(raw: unknown): string {
  const id = String(raw);
  if (!CONVERSATION_ID.test(id)) throw new ParleyError('bad_request', 'Not a conversation id', { details: { field: 'id' } });
  return id;
}

const checkSeq = compile(MessageSeqParam);

/** The `{seq}` of a message in a path: 1 to MAX_SEQ; otherwise 400 `bad_request` naming the field `seq`. */
export function seqParam(raw: unknown): number {
  const text = String(raw);
  const seq = checkSeq.check(text) ? Number(text) : 0;
  if (seq < 1 || seq > MAX_SEQ) throw new ParleyError('bad_request', `seq must be an integer from 1 to ${MAX_SEQ}`, { details: { field: 'seq' } });
  return seq;
}

export function createRouteKit(deps: HttpAppDeps): RouteKit {
  const claims = (res: Response): TokenClaims => res.locals['claims'] as TokenClaims;
  return {
    deps,
    async requireAuth(req, res, next) {
      const header = req.get('authorization') ?? '';
      // The scheme name is case-insensitive (RFC 9110, 11.1); the token is not.
      const match = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9._-]{10,4096})$/.exec(header);
      if (!match?.[1]) throw new ParleyError('unauthenticated', 'Send "Authorization: Bearer <token>"; get a token from POST /v1/auth/login');
      res.locals['claims'] = await deps.authenticate(match[1]);
      next();
    },
    claims,
    actor: (res) => ({ userId: claims(res).userId, username: claims(res).username }),
    ownStream: (res) => accountStream(claims(res).username),
    run,
    runAs: (profile, payload, conflictOk) => run(accountStream(profile.handle), { userId: profile.id, username: profile.handle }, payload, conflictOk),
    async signOut(profile, keep) {
      for (const s of await deps.sessions.list(profile.id, Date.now())) {
        if (s.id !== keep) await run(accountStream(profile.handle), { userId: profile.id, username: profile.handle }, { type: 'RevokeToken', tokenId: s.id, expiresAt: s.expiresAt }, true);
      }
    },
    async settled(read, done = () => true) {
      const value = await deps.commands.until(async () => {
        const v = await read();
        return v !== undefined && done(v) ? v : undefined;
      });
      if (value === undefined) throw new ParleyError('timeout', 'The change was made but is not readable yet; read it again');
      return value;
    },
  };

  async function run(stream: string, who: Actor | null, payload: CommandPayload, conflictOk = false): Promise<void> {
    const outcome = await deps.commands.execute(stream, who, payload);
    if (outcome.status === 'rejected' && !(conflictOk && outcome.code === 'conflict')) throw rejection(outcome.code, outcome.message);
  }
}
