import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { migrateToLatest } from './migrations.js';
import { SessionRepository } from './session.repository.js';
import { testDatabases } from './test-databases.js';
import type { Database } from './database.js';

const { databases, stop } = testDatabases();
after(stop);

const T = 1_700_000_000_000;
const session = (tokenId: string, createdAt: number, expiresAt = T + 3_600_000, profileId = 'pz') => ({ tokenId, loginId: 'la', profileId, client: 'web', ip: '10.0.0.1', createdAt, expiresAt });

for (const adapter of databases) {
  describe(`SessionRepository on ${adapter.name}`, () => {
    let db: Kysely<Database>;
    before(async () => {
      db = await adapter.open();
      await migrateToLatest(db as Kysely<unknown>);
    });
    after(async () => {
      await db.destroy();
    });

    it('lists live, unrevoked sessions newest first; touch writes at most once a minute', async () => {
      const sessions = new SessionRepository(db);
      await sessions.create(session('t1', T));
      await sessions.create(session('t2', T + 10));
      await sessions.create(session('t2', T + 99)); // idempotent
      await sessions.create(session('t3', T, T + 5));
      await sessions.create(session('t4', T + 20));
      await sessions.create(session('t5', T + 30, T + 3_600_000, 'pw'));
      await db.insertInto('revoked_tokens').values({ token_id: 't4', user_id: 'pz', expires_at: T + 3_600_000 }).execute();

      assert.deepEqual((await sessions.list('pz', T + 100)).map((s) => s.id), ['t2', 't1']);
      assert.equal(await sessions.isRevoked('t4'), true);
      assert.equal(await sessions.isRevoked('t1'), false);
      assert.deepEqual(await sessions.get('t2'), { id: 't2', loginId: 'la', profileId: 'pz', client: 'web', ip: '10.0.0.1', createdAt: T + 10, lastActiveAt: T + 10, expiresAt: T + 3_600_000 });

      await sessions.touch('t1', T + 60_000);
      assert.equal((await sessions.get('t1'))?.lastActiveAt, T, 'not yet a minute');
      await sessions.touch('t1', T + 60_001);
      assert.equal((await sessions.get('t1'))?.lastActiveAt, T + 60_001);

    });
  });
}
