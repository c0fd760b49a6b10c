import type { NextFunction, Request, Response } from 'express';
import { ParleyError } from '@parley/core';
import { accountStream } from '@parley/domain';
import type { Actor, CommandPayload } from '@parley/schemas';
import type { TokenClaims } from '@parley/auth';
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
    async run(stream, who, payload, conflictOk = false) {
      const outcome = await deps.commands.execute(stream, who, payload);
      if (outcome.status === 'rejected' && !(conflictOk && outcome.code === 'conflict')) throw rejection(outcome.code, outcome.message);
    },
  };
}
