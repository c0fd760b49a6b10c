import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { WorkerPGlite } from './pglite-in-worker.js';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@parley/test-infra';
import type { ParleyEvent } from '@parley/schemas';
import { migrateToLatest } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { ConversationRepository } from './conversation.repository.js';
import { MessageRepository } from './message.repository.js';
import { UserRepository } from './user.repository.js';
import { OutcomeRepository } from './outcome.repository.js';
import type { Database } from './database.js';

const alice = { userId: 'ua', username: 'alice' };
const bob = { userId: 'ub', username: 'bob' };
let n = 0;
const ev = (
  stream: string,
  seq: number,
  payload: ParleyEvent['payload'],
  origin: ParleyEvent['origin'] = { gatewayId: 'g', connectionId: 'g/1' },
): ParleyEvent => ({
  eventId: `e${++n}`,
  stream,
  seq,
  ts: 1000 + n,
  commandId: `c${n}`,
  actor: alice,
  origin,
  payload,
});

const events: ParleyEvent[] = [
  ev('u.alice', 0, { type: 'UserRegistered', userId: 'ua', username: 'alice', passwordHash: 'h' }, null),
  ev('u.bob', 0, { type: 'UserRegistered', userId: 'ub', username: 'bob', passwordHash: 'h' }, null),
  ev('d.ua.ub', 0, {
    type: 'ConversationCreated',
    kind: 'direct',
    name: '',
    createdBy: 'ua',
    members: [alice, bob],
  }),
  ...[1, 2, 3].map((seq) =>
    ev('d.ua.ub', seq, {
      type: 'MessageSent',
      id: `m${seq}`,
      senderId: 'ua',
      senderName: 'alice',
      clientMsgId: `c${seq}`,
      kind: 'text',
      content: `hello ${seq}`,
    }),
  ),
  ev('d.ua.ub', 3, { type: 'ReadMarked', userId: 'ub', readSeq: 1 }),
  ev('g.x', 0, { type: 'CommandRejected', code: 'not_member', message: 'no', clientMsgId: '' }, null),
  ev('u.alice', 0, { type: 'TokenRevoked', userId: 'ua', tokenId: 't1', expiresAt: 9 }),
];

/** The same store code and migrations on every database the project runs on. */
const adapters: Array<{ name: string; open: () => Promise<Kysely<Database>> }> = [
  { name: 'PGlite', open: async () => new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) }) },
  // The single node's database: PGlite in a worker thread behind the same dialect.
  { name: 'PGlite in a worker thread', open: async () => new Kysely<Database>({ dialect: new PGliteDialect((await WorkerPGlite.open()) as unknown as PGlite) }) },
  {
    name: 'PostgreSQL',
    open: async () => {
      server ??= await startPostgres();
      const url = await server.createDatabase(`store_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
      return new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }),
      });
    },
  },
];
let server: PostgresServer | undefined;
after(async () => {
  await server?.stop();
});

for (const adapter of adapters) {
  describe(`store on ${adapter.name}`, () => {
    it('migrations run into a fresh database; projections apply idempotently and answer the read queries', async () => {
      const db = await adapter.open();
      try {
        assert.deepEqual(await migrateToLatest(db as Kysely<unknown>), ['0001_projections', '0002_quarantined_events']);
        assert.deepEqual(await migrateToLatest(db as Kysely<unknown>), []);
        const writer = new ProjectionWriter(db);
        await writer.applyBatch('parley.events', 0, events, 10);
        await writer.applyBatch('parley.events', 0, events, 10); // a replayed batch changes nothing
        assert.equal(await writer.nextOffset('parley.events', 0), 10);
        assert.equal(await writer.nextOffset('parley.events', 1), undefined);

        const users = new UserRepository(db);
        assert.equal((await users.byUsername('alice'))?.id, 'ua');
        assert.deepEqual(await users.search('b', 10), [{ id: 'ub', username: 'bob' }]);
        assert.deepEqual(await users.search('%', 10), []);
        assert.equal(await users.isRevoked('t1'), true);

        const conversations = new ConversationRepository(db);
        const [forBob] = await conversations.listForUser('ub', 10);
        assert.equal(forBob?.lastSeq, 3);
        assert.equal(forBob?.unread, 2);
        assert.equal(forBob?.lastMessage?.preview, 'hello 3');
        assert.deepEqual(forBob?.members?.map((m) => m.username).sort(), ['alice', 'bob']);
        const [forAlice] = await conversations.listForUser('ua', 10);
        assert.equal(forAlice?.unread, 0, 'the sender has read their own messages');
        assert.equal(await conversations.isMember('d.ua.ub', 'ub'), true);
        assert.equal(await conversations.isMember('d.ua.ub', 'uc'), false);

        const messages = new MessageRepository(db);
        assert.deepEqual(
          (await messages.after('d.ua.ub', 1, 10)).map((m) => m.seq),
          [2, 3],
        );
        assert.deepEqual(
          (await messages.before('d.ua.ub', 3, 1)).map((m) => m.seq),
          [2],
        );
        assert.equal((await messages.after('d.ua.ub', 0, 10)).length, 3);

        const outcomes = new OutcomeRepository(db);
        assert.equal((await outcomes.get(events[0]!.commandId))?.status, 'ok');
        assert.deepEqual(await outcomes.get(events[7]!.commandId), {
          status: 'rejected',
          code: 'not_member',
          message: 'no',
          stream: 'g.x',
        });
        assert.equal(
          await outcomes.get(events[3]!.commandId),
          undefined,
          'commands from a connection get their outcome over it, not here',
        );
      } finally {
        await db.destroy();
      }
    });
  });
}
