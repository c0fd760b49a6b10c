import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { ParleyError } from '@parley/core';
import type { ParleyDb } from './database.js';

export type CodePurpose = 'verify_email' | 'reset_password';

/** Most codes of one purpose a login gets per hour. */
export const MAX_CODES_PER_HOUR = 5;
/** Wrong guesses after which a code is dead (the login must ask for a new one). */
export const MAX_CODE_ATTEMPTS = 5;
const HOUR_MS = 3_600_000;

/**
 * One-time codes sent by email (operational, not a projection). Only sha256(code) is stored, so a read of
 * the database does not yield usable codes. Only the newest code of a purpose counts: asking for another
 * supersedes the one before.
 */
export class CodeRepository {
  constructor(private readonly db: ParleyDb) {}

  /**
   * Stores a new code for `email`, valid `ttlMs` from `now`. `rate_limited` when the login got
   * MAX_CODES_PER_HOUR codes of this purpose in the last hour (counted under a per-login lock, so
   * concurrent requests cannot both slip under the limit).
   */
  async issue(c: { loginId: string; purpose: CodePurpose; email: string; code: string; ttlMs: number; now: number }): Promise<{ id: string; expiresAt: number }> {
    return this.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`login_codes:${c.loginId}`}))`.execute(tx);
      const { count } = await tx
        .selectFrom('login_codes')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('count'))
        .where('login_id', '=', c.loginId)
        .where('purpose', '=', c.purpose)
        .where('created_at', '>', c.now - HOUR_MS)
        .executeTakeFirstOrThrow();
      if (Number(count) >= MAX_CODES_PER_HOUR) throw new ParleyError('rate_limited', 'Too many codes asked for; try again later');
      const id = randomUUID();
      const expiresAt = c.now + c.ttlMs;
      await tx
        .insertInto('login_codes')
        .values({ id, login_id: c.loginId, purpose: c.purpose, email: c.email, code_hash: hashCode(c.code), expires_at: expiresAt, attempts: 0, used_at: null, created_at: c.now })
        .execute();
      return { id, expiresAt };
    });
  }

  /**
   * Uses the login's newest code of `purpose`, once: returns the address it was sent to. Throws
   * `invalid_code` (wrong, used already, or none), `code_expired`, or `rate_limited` (MAX_CODE_ATTEMPTS
   * wrong guesses made it dead). The row is locked and marked used in one transaction, so of two
   * concurrent uses of one code exactly one succeeds; a wrong guess is counted even though it throws.
   */
  async consume(c: { loginId: string; purpose: CodePurpose; code: string; now: number }): Promise<{ email: string }> {
    const outcome = await this.db.transaction().execute(async (tx): Promise<{ email: string } | ParleyError> => {
      const row = await tx
        .selectFrom('login_codes')
        .selectAll()
        .where('login_id', '=', c.loginId)
        .where('purpose', '=', c.purpose)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .forUpdate()
        .executeTakeFirst();
      if (!row || row.used_at !== null) return new ParleyError('invalid_code', 'The code is wrong or was used already');
      if (Number(row.attempts) >= MAX_CODE_ATTEMPTS) return new ParleyError('rate_limited', 'Too many wrong codes; ask for a new one');
      if (Number(row.expires_at) <= c.now) return new ParleyError('code_expired', 'The code has expired; ask for a new one');
      if (!timingSafeEqual(Buffer.from(row.code_hash, 'hex'), Buffer.from(hashCode(c.code), 'hex'))) {
        await tx.updateTable('login_codes').set({ attempts: Number(row.attempts) + 1 }).where('id', '=', row.id).execute();
        return new ParleyError('invalid_code', 'The code is wrong or was used already');
      }
      const used = await tx.updateTable('login_codes').set({ used_at: c.now }).where('id', '=', row.id).where('used_at', 'is', null).returning('id').executeTakeFirst();
      return used ? { email: row.email } : new ParleyError('invalid_code', 'The code is wrong or was used already');
    });
    if (outcome instanceof ParleyError) throw outcome;
    return outcome;
  }
}

function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}
