import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { PGlite as MainPGlite, type PGlite } from '@electric-sql/pglite';
import type { ParleyEvent } from '@parley/schemas';
import { WorkerPGlite, WorkerProjectionWriter } from './pglite-in-worker.js';
import { migrateToLatest } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { projectionChecksums } from './checksum.js';
import type { Database } from './database.js';

test('PGlite in a worker: parameters, rows and affected rows; Postgres errors keep their code; data survives a reopen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-pgw-'));
  try {
    const failures: Error[] = [];
    const db = await WorkerPGlite.open(dir, (e) => failures.push(e));
    await db.query('create table t (id int primary key, at timestamptz, v bytea)');
    const inserted = await db.query('insert into t values ($1, $2, $3), ($4, $2, $3)', [1, new Date(0), new Uint8Array([7]), 2]);
    assert.equal(inserted.affectedRows, 2);
    const { rows } = await db.query<{ id: number; at: Date; v: Uint8Array }>('select * from t where id = $1', [1]);
    assert.equal(rows[0]?.at.getTime(), 0);
    assert.deepEqual([...rows[0]!.v], [7]);
    await assert.rejects(db.query('insert into t values (1)'), (e: Error & { code?: string }) => e.code === '23505' && /duplicate key/.test(e.message));

    // A kysely transaction through the dialect: a failure inside rolls back what it wrote.
    const k = new Kysely<{ t: { id: number } }>({ dialect: new PGliteDialect(db as unknown as PGlite) });
    await assert.rejects(k.transaction().execute(async (tx) => {
      await tx.insertInto('t').values({ id: 3 }).execute();
      await sql`select 1/0`.execute(tx);
    }));
    assert.deepEqual((await db.query('select id from t order by id')).rows, [{ id: 1 }, { id: 2 }]);
    await k.destroy();
    await assert.rejects(db.query('select 1'), /exited/);
    assert.deepEqual(failures, [], 'a close is not a failure');

    const again = await WorkerPGlite.open(dir);
    assert.deepEqual((await again.query('select count(*)::int as n from t')).rows, [{ n: 2 }]);
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('PGlite in a worker: a worker that dies fails every query and is reported once', async () => {
  const failures: Error[] = [];
  const db = await WorkerPGlite.open(undefined, (e) => failures.push(e));
  await db.query('select 1');
  // What a crash looks like from outside: the thread is gone.
  await (db as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
  await assert.rejects(db.query('select 1'), /database worker exited/);
  assert.equal(failures.length, 1);
});

test('WorkerProjectionWriter: transactions run inside the worker give the tables the main-thread writer gives, refused events fail the transaction whole with their code, and no main-thread query falls inside one', async () => {
  type Db = Kysely<Database>;
  const worker = await WorkerPGlite.open();
  const inWorker: Db = new Kysely({ dialect: new PGliteDialect(worker as unknown as PGlite) });
  const onMain: Db = new Kysely({ dialect: new PGliteDialect(new MainPGlite()) });
  try {
    for (const db of [inWorker, onMain]) await migrateToLatest(db as Kysely<unknown>);
    const a = { userId: 'ua', username: 'a' };
    let n = 0;
    const ev = (stream: string, seq: number, payload: ParleyEvent['payload']): ParleyEvent =>
      ({ eventId: `e${++n}`, stream, seq, ts: n, commandId: `c${n}`, actor: a, origin: null, payload });
    const message = (g: string, seq: number, content: string) => ev(g, seq, { type: 'MessageSent', id: `${g}-${seq}`, senderId: 'ua', senderName: 'a', clientMsgId: `${g}-${seq}`, kind: 'text', content, mentions: ['ub'] });
    const parts = [
      { partition: 0, events: [ev('g.1', 0, { type: 'ConversationCreated', kind: 'group', name: 'one', createdBy: 'ua', members: [a, { userId: 'ub', username: 'b' }] }), message('g.1', 1, 'hello world'), message('g.1', 2, 'again')], nextOffset: 3 },
      { partition: 1, events: [ev('g.2', 0, { type: 'ConversationCreated', kind: 'group', name: 'two', createdBy: 'ua', members: [a] }), message('g.2', 1, 'over there')], nextOffset: 2 },
    ];
    const writer = new WorkerProjectionWriter(inWorker, worker);
    // A main-thread query sent while the transaction is in the worker waits for it (the one connection).
    await Promise.all([writer.applyBatches('parley.events', parts), inWorker.selectFrom('messages').selectAll().execute()]);
    await new ProjectionWriter(onMain).applyBatches('parley.events', parts);
    assert.deepEqual(await projectionChecksums(inWorker), await projectionChecksums(onMain));
    assert.equal(await writer.nextOffset('parley.events', 0), 3);
    assert.equal(await writer.nextOffset('parley.events', 1), 2);

    await assert.rejects(
      writer.applyBatches('parley.events', [{ partition: 0, events: [message('g.1', 3, 'nul \u0000')], nextOffset: 4 }]),
      (e: Error & { code?: string }) => e.code === '22021',
    );
    assert.equal(await writer.nextOffset('parley.events', 0), 3, 'nothing of a failed transaction stays');
  } finally {
    await inWorker.destroy();
    await onMain.destroy();
  }
});
