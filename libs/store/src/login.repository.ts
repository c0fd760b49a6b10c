import type { ParleyDb } from './database.js';

/** A login as the query API needs it to sign in. Only its owner may see any of it. */
export interface LoginRow {
  id: string;
  username: string;
  /** null for a login whose credentials could not be opened (its personal-data key is gone). */
  passwordHash: string | null;
  /** The verified address, as given; null when none. */
  email: string | null;
  createdAt: number;
}

export class LoginRepository {
  constructor(private readonly db: ParleyDb) {}

  async byId(id: string): Promise<LoginRow | undefined> {
    return toLogin(await this.db.selectFrom('logins').selectAll().where('id', '=', id).executeTakeFirst());
  }

  async byUsername(username: string): Promise<LoginRow | undefined> {
    return toLogin(await this.db.selectFrom('logins').selectAll().where('username', '=', username).executeTakeFirst());
  }

  /**
   * The login with this verified address, ignoring case. Uniqueness is the query API's check, made before
   * it verifies an address; should two logins still share one, the first created wins.
   */
  async byEmail(email: string): Promise<LoginRow | undefined> {
    const row = await this.db
      .selectFrom('logins')
      .selectAll()
      .where('email_key', '=', email.toLowerCase())
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return toLogin(row);
  }
}

function toLogin(
  row: { id: string; username: string; password_hash: string | null; email: string | null; created_at: string | number | bigint } | undefined,
): LoginRow | undefined {
  return row && { id: row.id, username: row.username, passwordHash: row.password_hash, email: row.email, createdAt: Number(row.created_at) };
}
