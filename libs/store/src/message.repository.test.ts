import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { Actor, EventPayload, ParleyEvent } from '@parley/schemas';
import { migrateTo, migrateToLatest, migrationsAfter } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { ConversationRepository } from './conversation.repository.js';
import { MessageRepository } from './message.repository.js';
import { projectionChecksums } from './checksum.js';
import { testDatabases } from './test-databases.js';
import { alice, bob, carl, timelineOf } from './test-timeline.js';

const { databases, stop } = testDatabases();
after(stop);

/** A conversation's events as the decider writes them: each message takes the next seq. */
function timeline(stream: string) {
  const { events, push, next, sent } = timelineOf(stream);
  return {
    events,
    event: (payload: EventPayload, actor: Actor = alice) => push(payload, actor, false),
    /** A message; `ws` false sends it over HTTP (no origin: the projector's one-by-one path). */
    message: (by: Actor, extra: { body?: object; replyTo?: number; mentions?: string[] } = {}, ws = true) =>
      sent(by, extra.body ? 'link' : 'text', `message ${next()}`, { body: extra.body ? JSON.stringify(extra.body) : '', replyTo: extra.replyTo ?? 0, mentions: extra.mentions ?? [] }, ws),
  };
}

/** Messages with bodies, replies and mentions, over both of the projector's paths. */
function richLog(): ParleyEvent[] {
  const g = timeline('g.team');
  g.event({ type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: 'ua', members: [alice, bob, carl] });
  g.message(alice); // 1
  g.message(alice, { body: { url: 'https://example.com/a', title: 'A' }, replyTo: 1, mentions: ['ub', 'all'] }); // 2
  g.message(bob, { mentions: ['all'] }, false); // 3: bob's own @all
  g.message(carl, { mentions: ['uc', 'ua'] }, false); // 4
  g.message(alice, { replyTo: 3, mentions: ['ub'] }); // 5
  g.event({ type: 'ReadMarked', userId: 'ub', readSeq: 1 }, bob);
  g.message(carl, { mentions: ['all', 'ub'] }); // 6
  g.message(carl); // 7
  return g.events;
}

for (const adapter of databases) {
  describe(`messages with bodies, replies and mentions on ${adapter.name}`, () => {
    it('project on both paths, idempotently; a replay in other batches gives the same tables, mentions included', async () => {
      const live = await adapter.open();
      const replayed = await adapter.open();
      try {
        await migrateToLatest(live as Kysely<unknown>);
        await migrateToLatest(replayed as Kysely<unknown>);
        const log = richLog();
        const writer = new ProjectionWriter(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        const once = await projectionChecksums(live);
        assert.equal(once['mentions']?.rows, 8, 'one row per mention');
        await writer.applyBatch('parley.events', 0, log, log.length);
        assert.deepEqual(await projectionChecksums(live), once, 'a re-applied batch changes nothing');
        const replayWriter = new ProjectionWriter(replayed);
        for (let i = 0; i < log.length; i += 3) await replayWriter.applyBatch('parley.events', 0, log.slice(i, i + 3), Math.min(i + 3, log.length));
        assert.deepEqual(await projectionChecksums(replayed), once, 'a replay in other batches gives the same tables');

        const messages = new MessageRepository(live);
        const [first, second] = await messages.after('g.team', 0, 2);
        assert.deepEqual(first, {
          conversation: 'g.team',
          id: 'g.team-m1',
          seq: 1,
          ts: log[1]!.ts,
          sender: { id: 'ua', username: 'alice' },
          clientMsgId: 'k1',
          kind: 'text',
          content: 'message 1',
        }, 'no body, reply or mentions: the fields are left out');
        assert.deepEqual(second, {
          conversation: 'g.team',
          id: 'g.team-m2',
          seq: 2,
          ts: log[2]!.ts,
          sender: { id: 'ua', username: 'alice' },
          clientMsgId: 'k2',
          kind: 'link',
          content: 'message 2',
          body: { url: 'https://example.com/a', title: 'A' },
          replyTo: 1,
          mentions: ['ub', 'all'],
        });
        assert.deepEqual((await messages.before('g.team', 6, 2)).map((m) => [m.seq, m.replyTo, m.mentions]), [[4, undefined, ['uc', 'ua']], [5, 3, ['ub']]], 'in the order the event has them');
        assert.deepEqual(await messages.one('g.team', 2), second);
        assert.equal((await messages.one('g.team', 3))?.sender.id, 'ub', 'the one-by-one path writes them as well');
        assert.deepEqual((await messages.one('g.team', 3))?.mentions, ['all']);
        assert.equal(await messages.one('g.team', 8), undefined, 'no such message');
        assert.equal(await messages.one('g.other', 1), undefined);
        assert.equal(await messages.one('g.team', 5, 4), undefined, 'past a former member\'s last readable');
        assert.equal((await messages.one('g.team', 4, 4))?.seq, 4);
      } finally {
        await live.destroy();
        await replayed.destroy();
      }
    });

    it('counts the unread messages that mention a member or everyone, not their own, up to 99', async () => {
      const db = await adapter.open();
      try {
        await migrateToLatest(db as Kysely<unknown>);
        const writer = new ProjectionWriter(db);
        let offset = 0;
        const apply = (events: ParleyEvent[]) => writer.applyBatch('parley.events', 0, events, (offset += events.length));
        await apply(richLog());
        const conversations = new ConversationRepository(db);
        const mentions = async (user: string) => (await conversations.summaryFor(user, 'g.team'))?.unreadMentions;
        // Sending moves the sender's read mark: alice read to 5, bob to 3 (his ReadMarked 1 came later), carl to 7.
        assert.equal(await mentions('ua'), 1, "carl's @all (6); his mention of her (4) is read");
        assert.equal(await mentions('ub'), 2, '5, and 6 (him and @all) once');
        assert.equal(await mentions('uc'), 0);
        await sql`update members set read_seq = 0 where user_id = 'ub'`.execute(db);
        assert.equal(await mentions('ub'), 3, 'from the start: 2, 5 and 6, each once, and not his own @all (3)');
        const read: ParleyEvent = { eventId: 'read', stream: 'g.team', seq: 7, ts: 20_000, commandId: 'read', actor: bob, origin: null, payload: { type: 'ReadMarked', userId: 'ub', readSeq: 5 } };
        await apply([read]);
        assert.equal(await mentions('ub'), 1, 'a read mark clears those up to it');

        // Many: 40 @all, 30 @all and @bob, 20 @bob: bob has 90 (each once), carl 70; ten more for bob make 100, counted as 99.
        const g = timeline('g.many');
        g.event({ type: 'ConversationCreated', kind: 'group', name: 'many', createdBy: 'ua', members: [alice, bob, carl] });
        for (let i = 0; i < 40; i++) g.message(alice, { mentions: ['all'] });
        for (let i = 0; i < 30; i++) g.message(alice, { mentions: ['all', 'ub'] });
        for (let i = 0; i < 30; i++) g.message(alice, { mentions: ['ub'] });
        await apply(g.events.slice(0, 91));
        const many = async (user: string) => (await conversations.listForUser(user, 10, { now: 0 })).find((c) => c.id === 'g.many')?.unreadMentions;
        assert.deepEqual([await many('ub'), await many('uc'), await many('ua')], [90, 70, 0]);
        await apply(g.events.slice(91));
        assert.deepEqual([await many('ub'), await many('uc')], [99, 70], '100 counts as 99');
      } finally {
        await db.destroy();
      }
    });

    it('migration 0005 gives the messages before it no body, reply or mentions, as replaying their events does', async () => {
      const migrated = await adapter.open();
      const projected = await adapter.open();
      try {
        await migrateTo(migrated as Kysely<unknown>, '0004_groups');
        await sql`insert into messages (conversation_id, seq, id, sender_id, sender_name, client_msg_id, kind, content, ts)
          values ('g.old', 1, 'm1', 'ua', 'alice', 'k1', 'text', 'hi', 1001)`.execute(migrated);
        assert.deepEqual(await migrateToLatest(migrated as Kysely<unknown>), migrationsAfter('0004_groups'));
        await migrateToLatest(projected as Kysely<unknown>);
        // An event from before Avro v3, as the TS type still allows: no body, replyTo or mentions at all.
        const old: ParleyEvent = {
          eventId: 'e1',
          stream: 'g.old',
          seq: 1,
          ts: 1001,
          commandId: 'c1',
          actor: alice,
          origin: { gatewayId: 'g', connectionId: 'g/1' },
          payload: { type: 'MessageSent', id: 'm1', senderId: 'ua', senderName: 'alice', clientMsgId: 'k1', kind: 'text', content: 'hi' },
        };
        await new ProjectionWriter(projected).applyBatch('parley.events', 0, [old], 1);
        const [a, b] = [await projectionChecksums(migrated), await projectionChecksums(projected)];
        assert.deepEqual([a.messages, a.mentions], [b.messages, b.mentions], 'the same rows as a replay makes');
        assert.deepEqual(Object.keys((await new MessageRepository(migrated).one('g.old', 1)) ?? {}), ['conversation', 'id', 'seq', 'ts', 'sender', 'clientMsgId', 'kind', 'content']);
      } finally {
        await migrated.destroy();
        await projected.destroy();
      }
    });
  });
}
