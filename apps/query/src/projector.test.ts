import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { isParleyError, silentLogger } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { Topics } from '@parley/domain';
import { eventCodec, type ParleyEvent } from '@parley/schemas';
import { OutcomeRepository, ProjectionWriter, migrateToLatest, type Database } from '@parley/store';
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
