import type { Logger } from '@parley/core';
import type { Session } from '@parley/protocol';
import type { ParleyDb } from './database.js';

/** A session as stored: the wire Session without `current` (which depends on who asks), and its owners. */
export interface SessionRow extends Omit<Session, 'current'> {
  loginId: string;
  profileId: string;
}

/** last_active_at moves at most this often, so a busy client does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Signed-in devices: one row per issued token, written by the query API at sign-in (operational, not a
 * projection: a replay does not rebuild it). A revoked token's session stays until it expires but is not
 * listed; LoginDeleted and ProfileDeleted remove their sessions.
 */
export class SessionRepository {
  constructor(private readonly db: ParleyDb) {}

  /** Records a session; idempotent on the token id. */
  async create(s: { tokenId: string; loginId: string; profileId: string; client: string; ip: string; createdAt: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_id: s.tokenId,
        login_id: s.loginId,
        profile_id: s.profileId,
        client: s.client,
        ip: s.ip,
        created_at: s.createdAt,
        last_active_at: s.createdAt,
        expires_at: s.expiresAt,
      })
      .onConflict((oc) => oc.column('token_id').doNothing())
      .execute();
  }

  /** Notes activity at `now`; writes only when the last note is over a minute old. */
  async touch(tokenId: string, now: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_active_at: now })
      .where('token_id', '=', tokenId)
      .where('last_active_at', '<', now - TOUCH_EVERY_MS)
      .execute();
  }

  /**
   * A callback for an authenticator: notes each authenticated token's activity (at most a write a minute),
   * without waiting for it or failing the request when the write fails.
   */
  activityRecorder(logger: Logger): (claims: { tokenId: string }) => void {
    return (claims) => void this.touch(claims.tokenId, Date.now()).catch((error: unknown) => logger.warn('could not record session activity', { error }));
  }

  /** The profile's live sessions (not expired at `now`, not revoked), newest first. */
  async list(profileId: string, now: number): Promise<SessionRow[]> {
    const rows = await this.db
      .selectFrom('sessions as s')
      .selectAll('s')
      .where('s.profile_id', '=', profileId)
      .where('s.expires_at', '>', now)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('revoked_tokens as r').select('r.token_id').whereRef('r.token_id', '=', 's.token_id'))))
      .orderBy('s.created_at', 'desc')
      .orderBy('s.token_id')
      .execute();
    return rows.map(toSession);
  }

  async get(tokenId: string): Promise<SessionRow | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('token_id', '=', tokenId).executeTakeFirst();
    return row && toSession(row);
  }

  /** Whether the token was revoked (TokenRevoked; the projection, not this table, decides). */
  async isRevoked(tokenId: string): Promise<boolean> {
    const row = await this.db.selectFrom('revoked_tokens').select('token_id').where('token_id', '=', tokenId).executeTakeFirst();
    return row !== undefined;
  }


}

function toSession(r: {
  token_id: string;
  login_id: string;
  profile_id: string;
  client: string;
  ip: string;
  created_at: string | number | bigint;
  last_active_at: string | number | bigint;
  expires_at: string | number | bigint;
}): SessionRow {
  return {
    id: r.token_id,
    loginId: r.login_id,
    profileId: r.profile_id,
    client: r.client,
    ip: r.ip,
    createdAt: Number(r.created_at),
    lastActiveAt: Number(r.last_active_at),
    expiresAt: Number(r.expires_at),
  };
}
