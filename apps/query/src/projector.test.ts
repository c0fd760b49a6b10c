import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { healthReport, isParleyError, silentLogger } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { Topics } from '@parley/domain';
import { eventCodec, type ParleyEvent } from '@parley/schemas';
import { OutcomeRepository, ProjectionWriter, migrateToLatest, type Database } from '@parley/store';
import { startTelemetry } from '@parley/telemetry/sdk';
import { Projector } from './projector.js';
import { CommandBus } from './command-bus.js';

const a = { userId: 'ua', username: 'a' };
let n = 0;
const ev = (stream: string, seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e${++n}`, stream, seq, ts: n, commandId: `c${n}`, actor: a, origin: null, payload });

async function database() {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
  await migrateToLatest(db as Kysely<unknown>);
  return db;
}
const dump = async (db: Kysely<Database>) => ({
  messages: (await sql<Record<string, unknown>>`select conversation_id, seq, id, content from messages order by conversation_id, seq`.execute(db)).rows,
  members: (await sql<Record<string, unknown>>`select conversation_id, user_id, read_seq from members order by 1, 2`.execute(db)).rows,
  conversations: (await sql<Record<string, unknown>>`select id, last_seq, last_message_preview from conversations order by id`.execute(db)).rows,
});

test('the projector applies each event once across restarts, and a replay into an empty database gives the same tables', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-projector-'));
  const log = await EmbeddedLog.open({ dir });
  const live = await database();
  const replayed = await database();
  try {
    await log.createTopics([{ name: Topics.events, partitions: 3 }]);
    const producer = log.producer();
    const put = (e: ParleyEvent) => producer.send(Topics.events, [{ key: e.stream, value: eventCodec.encode(e) }]);
    for (const g of ['g.1', 'g.2', 'g.3']) await put(ev(g, 0, { type: 'ConversationCreated', kind: 'group', name: g, createdBy: 'ua', members: [a] }));
    const projector = new Projector({ log, writer: new ProjectionWriter(live), logger: silentLogger });
    await projector.start();
    for (let i = 1; i <= 20; i++) await put(ev(`g.${(i % 3) + 1}`, Math.ceil(i / 3), { type: 'MessageSent', id: `m${i}`, senderId: 'ua', senderName: 'a', clientMsgId: `k${i}`, kind: 'text', content: `c${i}` }));
    await eventually(async () => assert.equal((await dump(live)).messages.length, 20));
    await projector.close();
    // Restarted with the group's offsets lost: it resumes from the offsets stored in the database, applying nothing twice.
    const again = new Projector({ log, writer: new ProjectionWriter(live), logger: silentLogger, groupId: 'other-group' });
    let applied = 0;
    again.on('applied', (batch) => (applied += batch.events));
    await again.start();
    await put(ev('g.1', 8, { type: 'MessageSent', id: 'm21', senderId: 'ua', senderName: 'a', clientMsgId: 'k21', kind: 'text', content: 'c21' }));
    await eventually(async () => assert.equal((await dump(live)).messages.length, 21));
    assert.equal(applied, 1, 'only the new event was applied after the restart');
    await again.close();

    const replay = new Projector({ log, writer: new ProjectionWriter(replayed), logger: silentLogger, groupId: 'replay' });
    await replay.start();
    await eventually(async () => assert.deepEqual(await dump(replayed), await dump(live)));
    await replay.close();
  } finally {
    await live.destroy();
    await replayed.destroy();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an HTTP command that nobody decides times out with a code saying to retry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bus-'));
  const log = await EmbeddedLog.open({ dir });
  const db = await database();
  try {
    await log.createTopics([{ name: Topics.commands, partitions: 1 }]);
    const bus = new CommandBus({ log, outcomes: new OutcomeRepository(db), timeoutMs: 200 });
    await assert.rejects(bus.execute('g.1', a, { type: 'LeaveConversation', reason: '' }), (e) => isParleyError(e, 'timeout') && /retry/.test(e.message));
    assert.equal(await log.endOffset(Topics.commands, 0), 1, 'the command itself was written');
    await bus.close();
  } finally {
    await db.destroy();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('an event the database refuses is quarantined with its position, the events around it are applied, and health and the metric show it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-projector-poison-'));
  const log = await EmbeddedLog.open({ dir });
  const db = await database();
  const metricsPort = await freePort();
  const telemetry = startTelemetry({ serviceName: 'parley-test', instanceId: 't', metricsPort, otlpEndpoint: undefined });
  try {
    await log.createTopics([{ name: Topics.events, partitions: 2 }]);
    const producer = log.producer();
    const put = (e: ParleyEvent) => producer.send(Topics.events, [{ key: e.stream, value: eventCodec.encode(e), partition: 0 }]);
    const message = (seq: number, content: string) => ev('g.1', seq, { type: 'MessageSent', id: `p${seq}`, senderId: 'ua', senderName: 'a', clientMsgId: `k${seq}`, kind: 'text', content });
    // Written before the projector starts, so they come as one batch and the batch has to be bisected.
    await put(ev('g.1', 0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [a] }));
    await put(message(1, 'before'));
    await put(message(2, 'nul \u0000 inside')); // offset 2: PostgreSQL text cannot hold U+0000
    await producer.send(Topics.events, [{ key: 'g.1', value: Buffer.from('not avro'), partition: 0 }]); // offset 3
    for (let seq = 3; seq <= 6; seq++) await put(message(seq, `after ${seq}`));
    const projector = new Projector({ log, writer: new ProjectionWriter(db), logger: silentLogger });
    await projector.start();
    await eventually(async () => assert.equal(await new ProjectionWriter(db).nextOffset(Topics.events, 0), 8));
    assert.deepEqual(
      (await dump(db)).messages.map((m) => m.content),
      ['before', 'after 3', 'after 4', 'after 5', 'after 6'],
      'every event but the refused one is applied',
    );
    const rows = (await sql<{ consumer: string; partition: number; offset: string; key: string; error: string; value: Uint8Array }>`select * from quarantined_events order by "offset"`.execute(db)).rows;
    assert.deepEqual(rows.map((r) => [r.consumer, r.partition, Number(r.offset), r.key]), [['parley-projector', 0, 2, 'g.1'], ['parley-projector', 0, 3, 'g.1']]);
    assert.match(rows[0]!.error, /invalid byte sequence.*0x00.*\(22021\)/);
    assert.match(rows[1]!.error, /^undecodable/);
    assert.equal(eventCodec.decode(rows[0]!.value).payload.type, 'MessageSent', 'the record is kept as it was in the log');

    const report = healthReport([projector.health], { stuckMs: 30_000, maxLag: 100 });
    assert.equal(report.healthy, true, 'quarantined records do not make the node unready');
    assert.deepEqual(report.quarantined.map((q) => [q.consumer, q.partition, q.count, q.last?.offset]), [['parley-projector', 0, 2, 3]]);
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(scraped, /parley_quarantined_total\{consumer="parley-projector",partition="0"[^}]*\} 2\n/);
    await projector.close();

    // A restart reads the counts from the table, and applies nothing again.
    const again = new Projector({ log, writer: new ProjectionWriter(db), logger: silentLogger });
    await again.start();
    assert.deepEqual(healthReport([again.health], { stuckMs: 30_000, maxLag: 100 }).quarantined.map((q) => [q.partition, q.count]), [[0, 2]]);
    await again.close();
  } finally {
    await telemetry.shutdown();
    await db.destroy();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a transient store failure is retried, not quarantined, and health reports the partition stuck while it lasts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-projector-transient-'));
  const log = await EmbeddedLog.open({ dir });
  const db = await database();
  let down = true;
  let attempts = 0;
  class FlakyWriter extends ProjectionWriter {
    override async applyBatch(...args: Parameters<ProjectionWriter['applyBatch']>): Promise<void> {
      if (down) {
        attempts++;
        throw Object.assign(new Error('connection terminated unexpectedly'), { code: '08006' });
      }
      return super.applyBatch(...args);
    }
  }
  try {
    await log.createTopics([{ name: Topics.events, partitions: 1 }]);
    const projector = new Projector({ log, writer: new FlakyWriter(db), logger: silentLogger });
    await projector.start();
    await log.producer().send(Topics.events, [{ key: 'g.1', value: eventCodec.encode(ev('g.1', 0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [a] })) }]);
    await eventually(() => {
      const report = healthReport([projector.health], { stuckMs: 1, maxLag: 100 });
      assert.equal(report.healthy, false);
      assert.deepEqual(report.problems.map((p) => [p.consumer, p.partition, p.reason, p.offset]), [['parley-projector', 0, 'stuck', 0]]);
      assert.match(report.problems[0]!.detail, /connection terminated/);
      assert.ok(attempts >= 2, 'retried');
    });
    down = false;
    await eventually(async () => assert.equal((await dump(db)).conversations.length, 1));
    assert.equal(healthReport([projector.health], { stuckMs: 1, maxLag: 100 }).healthy, true);
    assert.equal((await sql`select * from quarantined_events`.execute(db)).rows.length, 0, 'nothing quarantined');
    await projector.close();
  } finally {
    await db.destroy();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('batches of several partitions share one transaction; when one of them holds a refused event, each is applied on its own and the others go on', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-projector-group-'));
  const log = await EmbeddedLog.open({ dir });
  const db = await database();
  const calls: number[] = [];
  class CountingWriter extends ProjectionWriter {
    override async applyBatches(...args: Parameters<ProjectionWriter['applyBatches']>): Promise<void> {
      calls.push(args[1].length);
      return super.applyBatches(...args);
    }
  }
  try {
    await log.createTopics([{ name: Topics.events, partitions: 3 }]);
    const producer = log.producer();
    const put = (e: ParleyEvent, partition: number) => producer.send(Topics.events, [{ key: e.stream, value: eventCodec.encode(e), partition }]);
    const message = (g: string, seq: number, content: string) => ev(g, seq, { type: 'MessageSent', id: `${g}-${seq}`, senderId: 'ua', senderName: 'a', clientMsgId: `${g}-k${seq}`, kind: 'text', content });
    for (const p of [0, 1, 2]) {
      await put(ev(`g.${p}`, 0, { type: 'ConversationCreated', kind: 'group', name: `G${p}`, createdBy: 'ua', members: [a] }), p);
      await put(message(`g.${p}`, 1, `one ${p}`), p);
    }
    const projector = new Projector({ log, writer: new CountingWriter(db), logger: silentLogger, batchIntervalMs: 200, allPartitionsAtOnce: true });
    await projector.start();
    await eventually(async () => assert.equal((await dump(db)).messages.length, 3));
    assert.deepEqual(calls, [3], 'the three partitions in one transaction');

    // A refused event in partition 1 and good ones in 0 and 2, written together: the group fails as a
    // whole, then each batch goes alone.
    calls.length = 0;
    const record = (e: ParleyEvent, partition: number) => ({ key: e.stream, value: eventCodec.encode(e), partition });
    await producer.send(Topics.events, [
      record(message('g.0', 2, 'two 0'), 0),
      record(message('g.1', 2, 'nul \u0000 inside'), 1),
      record(message('g.1', 3, 'three 1'), 1),
      record(message('g.2', 2, 'two 2'), 2),
    ]);
    await eventually(async () => assert.equal((await dump(db)).messages.length, 6));
    assert.deepEqual(
      (await dump(db)).messages.map((m) => m.content),
      ['one 0', 'two 0', 'one 1', 'three 1', 'one 2', 'two 2'],
      'every event but the refused one',
    );
    assert.equal(calls[0], 3, 'tried together first');
    assert.equal((await sql`select * from quarantined_events`.execute(db)).rows.length, 1);
    await projector.close();
  } finally {
    await db.destroy();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('caughtUp resolves once every event the log held when asked is in the database, even while batches are gathered; false when it takes longer than asked', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-projector-caught-'));
  const log = await EmbeddedLog.open({ dir });
  const db = await database();
  try {
    await log.createTopics([{ name: Topics.events, partitions: 2 }]);
    const producer = log.producer();
    const put = (e: ParleyEvent) => producer.send(Topics.events, [{ key: e.stream, value: eventCodec.encode(e) }]);
    const projector = new Projector({ log, writer: new ProjectionWriter(db), logger: silentLogger, batchIntervalMs: 300, allPartitionsAtOnce: true });
    await projector.start();
    assert.equal(await projector.caughtUp(1000), true, 'nothing to wait for');
    await put(ev('g.1', 0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [a] }));
    await eventually(async () => assert.equal((await dump(db)).conversations.length, 1));
    // Within the interval after that transaction: these wait for the next one.
    for (let seq = 1; seq <= 3; seq++) await put(ev('g.1', seq, { type: 'MessageSent', id: `m${seq}`, senderId: 'ua', senderName: 'a', clientMsgId: `k${seq}`, kind: 'text', content: `c${seq}` }));
    assert.equal(await projector.caughtUp(10), false, 'not within 10 ms: the batch waits for its interval');
    assert.equal(await projector.caughtUp(2000), true);
    assert.equal((await dump(db)).messages.length, 3, 'every message acknowledged before the call is there');
    await projector.close();
  } finally {
    await db.destroy();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});
