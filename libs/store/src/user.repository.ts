import type { ParleyDb } from './database.js';

export interface UserRow {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
}

export class UserRepository {
  constructor(private readonly db: ParleyDb) {}

  async byUsername(username: string): Promise<UserRow | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && { id: row.id, username: row.username, passwordHash: row.password_hash, createdAt: Number(row.created_at) };
  }

  async byId(id: string): Promise<UserRow | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, username: row.username, passwordHash: row.password_hash, createdAt: Number(row.created_at) };
  }

  /** Users whose name starts with `prefix` (already validated to the username alphabet), by name. */
  async search(prefix: string, limit: number): Promise<Array<{ id: string; username: string }>> {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username', 'like', `${escaped}%`)
      .orderBy('username')
      .limit(limit)
      .execute();
  }

  async isRevoked(tokenId: string): Promise<boolean> {
    const row = await this.db.selectFrom('revoked_tokens').select('token_id').where('token_id', '=', tokenId).executeTakeFirst();
    return row !== undefined;
  }
}
