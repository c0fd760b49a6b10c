import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { EventPayload, ParleyEvent } from '@parley/schemas';
import { ConversationRepository, GroupRepository, MessageRepository, ProjectionWriter, migrateToLatest, type Database } from '@parley/store';
import { createHistoryReader } from './history-reader.js';

test('a removed member resumes up to the entry of their removal; a stranger reads nothing', async () => {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
  try {
    await migrateToLatest(db as Kysely<unknown>);
    const alice = { userId: 'ua', username: 'alice' };
    const bob = { userId: 'ub', username: 'bob' };
    let n = 0;
    const ev = (seq: number, payload: EventPayload): ParleyEvent => ({ eventId: `e${++n}`, stream: 'g.c', seq, ts: n, commandId: `c${n}`, actor: alice, origin: null, payload });
    const message = (seq: number, kind = 'text', content = `#${seq}`): ParleyEvent =>
      ev(seq, { type: 'MessageSent', id: `m${seq}`, senderId: 'ua', senderName: 'alice', clientMsgId: kind === 'system' ? '' : `k${seq}`, kind, content });
    const removed = JSON.stringify({ event: 'removed', actor: { id: 'ua', username: 'alice' }, target: { id: 'ub', username: 'bob' } });
    const events = [
      ev(0, { type: 'ConversationCreated', kind: 'group', name: 'C', createdBy: 'ua', members: [alice, bob] }),
      message(1),
      message(2),
      message(3, 'system', removed),
      ev(3, { type: 'MemberRemoved', userId: 'ub', username: 'bob', ban: false }),
      message(4),
      message(5),
    ];
    await new ProjectionWriter(db).applyBatch('parley.events', 0, events, events.length);
    const read = createHistoryReader(new ConversationRepository(db), new MessageRepository(db), new GroupRepository(db));

    const seqs = (page: Awaited<ReturnType<typeof read>>) => (page === 'not_member' ? page : { seqs: page.messages.map((m) => m.seq), lastSeq: page.lastSeq });
    assert.deepEqual(seqs(await read('ua', 'g.c', 1, 10)), { seqs: [2, 3, 4, 5], lastSeq: 5 });
    assert.deepEqual(seqs(await read('ub', 'g.c', 1, 10)), { seqs: [2, 3], lastSeq: 3 }, 'the removal entry is the last they get');
    assert.deepEqual(seqs(await read('ub', 'g.c', 3, 10)), { seqs: [], lastSeq: 3 });
    assert.deepEqual(seqs(await read('ub', 'g.c', 0, 2)), { seqs: [1, 2], lastSeq: 3 });
    assert.equal(await read('uz', 'g.c', 0, 10), 'not_member');
  } finally {
    await db.destroy();
  }
});
