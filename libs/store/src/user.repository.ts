import type { ParleyDb } from './database.js';
import { handleKey } from './text-keys.js';

/** A user as callers from before profiles know it: a profile (id, handle) and its login's password hash. */
export interface UserRow {
  /** The profile id. */
  id: string;
  /** The profile's handle (a login's first profile is named after its username). */
  username: string;
  /** The password hash of the profile's login; null when the login is gone or its credentials unreadable. */
  passwordHash: string | null;
  createdAt: number;
}

/**
 * @deprecated The view of accounts from before profiles, kept for existing callers; use ProfileRepository,
 * LoginRepository and FriendRepository. Over the logins and profiles tables since migration 0003.
 */
export class UserRepository {
  constructor(private readonly db: ParleyDb) {}

  /** The live profile with this handle (compared on its handle key), with its login's password hash. */
  async byUsername(username: string): Promise<UserRow | undefined> {
    const row = await this.users()
      .where('p.handle_key', '=', handleKey(username))
      .orderBy('p.created_at')
      .orderBy('p.id')
      .limit(1)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async byId(id: string): Promise<UserRow | undefined> {
    const row = await this.users().where('p.id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  /** Live profiles whose handle starts with `prefix`, by handle. */
  async search(prefix: string, limit: number): Promise<Array<{ id: string; username: string }>> {
    const escaped = handleKey(prefix).replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.db
      .selectFrom('profiles')
      .select(['id', 'handle as username'])
      .where('deleted', '=', false)
      .where('handle_key', 'like', `${escaped}%`)
      .orderBy('handle_key')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async isRevoked(tokenId: string): Promise<boolean> {
    const row = await this.db.selectFrom('revoked_tokens').select('token_id').where('token_id', '=', tokenId).executeTakeFirst();
    return row !== undefined;
  }

  private users() {
    return this.db
      .selectFrom('profiles as p')
      .leftJoin('logins as l', 'l.id', 'p.login_id')
      .select(['p.id', 'p.handle', 'p.created_at', 'l.password_hash'])
      .where('p.deleted', '=', false);
  }
}

function toUser(r: { id: string; handle: string; created_at: string | number | bigint; password_hash: string | null }): UserRow {
  return { id: r.id, username: r.handle, passwordHash: r.password_hash, createdAt: Number(r.created_at) };
}
