import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import { ParleyError } from '@parley/core';

export interface TokenClaims {
  /** The profile the token acts as (a profile id is a user id everywhere else). */
  userId: string;
  /** The profile's handle. */
  username: string;
  /** The login that signed in; equal to userId for tokens issued before profiles existed. */
  loginId: string;
  tokenId: string;
  /** ms since the epoch */
  expiresAt: number;
}

export interface TokenServiceOptions {
  /** HMAC key, at least 32 bytes. */
  readonly secret: Uint8Array;
  readonly ttlSeconds: number;
  readonly issuer?: string;
}

/** Signed, expiring access tokens: JWT (HS256) with subject (the profile), its handle, the login (`lid`), a unique id (for revocation) and expiry. */
export class TokenService {
  private readonly issuer: string;

  constructor(private readonly options: TokenServiceOptions) {
    if (options.secret.length < 32) throw new ParleyError('config', 'The token secret must be at least 32 bytes');
    this.issuer = options.issuer ?? 'parley';
  }

  async issue(user: { id: string; username: string; loginId: string }): Promise<{ token: string; claims: TokenClaims }> {
    const tokenId = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.options.ttlSeconds;
    const token = await new SignJWT({ name: user.username, lid: user.loginId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setJti(tokenId)
      .setIssuer(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.options.secret);
    return { token, claims: { userId: user.id, username: user.username, loginId: user.loginId, tokenId, expiresAt: exp * 1000 } };
  }

  /** Checks signature, issuer and expiry. Throws ParleyError `token_expired` or `invalid_token`. */
  async verify(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.options.secret, { issuer: this.issuer, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload['name'] !== 'string' || typeof payload.exp !== 'number') {
        throw new ParleyError('invalid_token', 'The token lacks required claims');
      }
      const loginId = typeof payload['lid'] === 'string' ? payload['lid'] : payload.sub;
      return { userId: payload.sub, username: payload['name'], loginId, tokenId: payload.jti, expiresAt: payload.exp * 1000 };
    } catch (error) {
      if (error instanceof ParleyError) throw error;
      if (error instanceof errors.JWTExpired) throw new ParleyError('token_expired', 'The token has expired; log in again', { cause: error });
      throw new ParleyError('invalid_token', 'The token is not valid', { cause: error });
    }
  }
}

/** Verifies a token and checks it has not been revoked (logout). */
export type Authenticate = (token: string) => Promise<TokenClaims>;

/**
 * @param onAuthenticated told of every token that passed (the sessions list's "last active"); it must not
 * throw or wait: it is not awaited.
 */
export function createAuthenticator(tokens: TokenService, isRevoked: (tokenId: string) => Promise<boolean>, onAuthenticated?: (claims: TokenClaims) => void): Authenticate {
  return async (token) => {
    const claims = await tokens.verify(token);
    if (await isRevoked(claims.tokenId)) throw new ParleyError('token_revoked', 'The token was revoked (logged out); log in again');
    onAuthenticated?.(claims);
    return claims;
  };
}
