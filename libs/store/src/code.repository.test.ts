import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { isParleyError } from '@parley/core';
import { migrateToLatest } from './migrations.js';
import { CodeRepository } from './code.repository.js';
import { testDatabases } from './test-databases.js';
import type { Database } from './database.js';

const { databases, stop } = testDatabases();
after(stop);

const T = 1_700_000_000_000;
const code = (id: string, code = '123456', now = T, ttlMs = 600_000) => ({ loginId: id, purpose: 'verify_email' as const, email: `${id}@example.com`, code, ttlMs, now });
const use = (id: string, code: string, now = T + 1) => ({ loginId: id, purpose: 'verify_email' as const, code, now });
const fails = (code: string) => (e: unknown) => isParleyError(e) && e.code === code;

for (const adapter of databases) {
  describe(`CodeRepository on ${adapter.name}`, () => {
    let db: Kysely<Database>;
    let codes: CodeRepository;
    before(async () => {
      db = await adapter.open();
      await migrateToLatest(db as Kysely<unknown>);
      codes = new CodeRepository(db);
    });
    after(async () => {
      await db.destroy();
    });

    it('a code works once, for the newest code only, and only its hash is stored', async () => {
      await codes.issue(code('l1', '111111'));
      await codes.issue(code('l1', '222222', T + 1));
      await assert.rejects(codes.consume(use('l1', '111111', T + 2)), fails('invalid_code'), 'superseded');
      assert.deepEqual(await codes.consume(use('l1', '222222', T + 2)), { email: 'l1@example.com' });
      await assert.rejects(codes.consume(use('l1', '222222', T + 3)), fails('invalid_code'), 'used');
      await assert.rejects(codes.consume({ ...use('l1', '222222'), purpose: 'reset_password' }), fails('invalid_code'), 'none of that purpose');
      const stored = JSON.stringify(await db.selectFrom('login_codes').selectAll().execute());
      assert.ok(!stored.includes('222222') && !stored.includes('111111'), 'never the code itself');
    });

    it('an expired code is code_expired', async () => {
      await codes.issue(code('l2', '123456', T, 1000));
      await assert.rejects(codes.consume(use('l2', '123456', T + 1000)), fails('code_expired'));
    });

    it('five wrong guesses kill the code, even for the right one', async () => {
      await codes.issue(code('l3'));
      for (let i = 0; i < 5; i++) await assert.rejects(codes.consume(use('l3', '000000')), fails('invalid_code'));
      await assert.rejects(codes.consume(use('l3', '123456')), fails('rate_limited'));
    });

    it('a login gets at most five codes of a purpose an hour', async () => {
      for (let i = 0; i < 5; i++) await codes.issue(code('l4', '123456', T + i));
      await assert.rejects(codes.issue(code('l4', '123456', T + 10)), fails('rate_limited'));
      await codes.issue({ ...code('l4', '123456', T + 10), purpose: 'reset_password' });
      await codes.issue(code('l4', '654321', T + 3_600_000 + 1));
      assert.deepEqual(await codes.consume(use('l4', '654321', T + 3_600_000 + 2)), { email: 'l4@example.com' });
    });

    it('of concurrent uses of one code exactly one succeeds', async () => {
      for (let round = 0; round < 5; round++) {
        const id = `l5-${round}`;
        await codes.issue(code(id));
        const results = await Promise.allSettled([1, 2, 3].map(() => codes.consume(use(id, '123456'))));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(fails('invalid_code')(r.reason), String(r.reason));
      }
    });
  });
}
