import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Actor, EventPayload, ParleyEvent } from '@parley/schemas';
import { migrateTo, migrateToLatest, migrationsAfter } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { ConversationRepository } from './conversation.repository.js';
import { MessageRepository } from './message.repository.js';
import { projectionChecksums } from './checksum.js';
import { testDatabases } from './test-databases.js';
import { alice, assertReplaysInBatches, bob, carl, timelineOf } from './test-timeline.js';
import { sql } from 'kysely';

const { databases, stop } = testDatabases();
after(stop);

/**
 * A conversation's events as the decider writes them: each message or system entry takes the next seq; a
 * change to a message is its system entry, then its fact at the entry's seq.
 */
function timeline(stream: string) {
  const { events, push, next, sent } = timelineOf(stream);
  return {
    events,
    event: (payload: EventPayload, actor: Actor = alice) => push(payload, actor, false),
    message: (by: Actor, extra: { body?: string; mentions?: string[]; forwarded?: boolean } = {}, ws = true) => sent(by, 'text', `message ${next()}`, extra, ws),
    /** A change by `by` over HTTP (no origin): its system entry, then its fact. */
    change: (by: Actor, entry: Record<string, unknown>, fact: EventPayload) => {
      sent(by, 'system', JSON.stringify({ ...entry, actor: { id: by.userId, username: by.username } }), {}, false);
      return push(fact, by, false);
    },
  };
}

/** Recalls, edits, pins and reactions, with messages on both of the projector's paths. */
function changeLog(): ParleyEvent[] {
  const g = timeline('g.team');
  g.event({ type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: 'ua', members: [alice, bob, carl] });
  g.message(alice, { mentions: ['ub'] }); // 1
  g.message(bob, { body: JSON.stringify({ spans: [] }) }); // 2
  g.message(carl, { forwarded: true }, false); // 3
  g.change(alice, { event: 'recalled', message: 1 }, { type: 'MessageRecalled', target: 1 }); // 4
  g.change(bob, { event: 'edited', message: 2, text: 'fixed' }, { type: 'MessageEdited', target: 2, content: 'fixed', body: '' }); // 5
  g.change(alice, { event: 'pinned', message: 2 }, { type: 'MessagePinned', target: 2, pinned: true }); // 6
  g.change(alice, { event: 'pinned', message: 3 }, { type: 'MessagePinned', target: 3, pinned: true }); // 7
  g.change(alice, { event: 'pinned', message: 1 }, { type: 'MessagePinned', target: 1, pinned: true }); // 8: recalled, no pin
  g.change(carl, { event: 'reaction', message: 2, emoji: '👍' }, { type: 'ReactionChanged', target: 2, emoji: '👍', userId: 'uc', added: true }); // 9
  g.change(alice, { event: 'reaction', message: 2, emoji: '🎉' }, { type: 'ReactionChanged', target: 2, emoji: '🎉', userId: 'ua', added: true }); // 10
  g.change(alice, { event: 'reaction', message: 2, emoji: '👍' }, { type: 'ReactionChanged', target: 2, emoji: '👍', userId: 'ua', added: true }); // 11
  g.change(bob, { event: 'reaction', message: 2, emoji: '🎉' }, { type: 'ReactionChanged', target: 2, emoji: '🎉', userId: 'ub', added: true }); // 12
  g.change(bob, { event: 'reaction', message: 2, emoji: '🎉', removed: true }, { type: 'ReactionChanged', target: 2, emoji: '🎉', userId: 'ub', added: false }); // 13
  g.change(bob, { event: 'reaction', message: 4, emoji: '👍' }, { type: 'ReactionChanged', target: 4, emoji: '👍', userId: 'ub', added: true }); // 14: a system entry, none
  g.change(alice, { event: 'recalled', message: 5 }, { type: 'MessageRecalled', target: 5 }); // 15: a system entry stays
  g.change(alice, { event: 'edited', message: 6, text: 'x' }, { type: 'MessageEdited', target: 6, content: 'x' }); // 16: nor is edited
  g.change(alice, { event: 'unpinned', message: 3 }, { type: 'MessagePinned', target: 3, pinned: false }); // 17
  g.change(alice, { event: 'pinned', message: 3 }, { type: 'MessagePinned', target: 3, pinned: true }); // 18: pinned again, newer
  g.message(carl, { mentions: ['ua'] }); // 19
  g.change(alice, { event: 'recalled', message: 19 }, { type: 'MessageRecalled', target: 19 }); // 20
  g.change(bob, { event: 'edited', message: 1, text: 'late' }, { type: 'MessageEdited', target: 1, content: 'late' }); // 21: recalled, no edit
  return g.events;
}

for (const adapter of databases) {
  describe(`recalls, edits, pins and reactions on ${adapter.name}`, () => {
    it('project idempotently; a replay in other batches gives the same tables; history shows each message as it is now', async () => {
      const live = await adapter.open();
      try {
        await migrateToLatest(live as Kysely<unknown>);
        const log = changeLog();
        const writer = new ProjectionWriter(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        const once = await projectionChecksums(live);
        assert.deepEqual([once['pins']?.rows, once['reactions']?.rows, once['mentions']?.rows], [2, 3, 0]);
        await writer.applyBatch('parley.events', 0, log, log.length);
        assert.deepEqual(await projectionChecksums(live), once, 'a re-applied batch changes nothing: the recalled get no mentions back');
        // Every split, including ones that put a message and its recall in different batches.
        await assertReplaysInBatches(() => adapter.open(), log, [1, 2, 5], once);

        const messages = new MessageRepository(live);
        const [first, second, third] = await messages.after('g.team', 0, 3);
        assert.deepEqual(first, {
          conversation: 'g.team',
          id: 'g.team-m1',
          seq: 1,
          ts: log[1]!.ts,
          sender: { id: 'ua', username: 'alice' },
          clientMsgId: 'k1',
          kind: 'text',
          content: '',
          recalled: true,
        }, 'recalled: no content, body or mentions');
        assert.deepEqual(second, {
          conversation: 'g.team',
          id: 'g.team-m2',
          seq: 2,
          ts: log[2]!.ts,
          sender: { id: 'ub', username: 'bob' },
          clientMsgId: 'k2',
          kind: 'text',
          content: 'fixed',
          editedAt: log.find((e) => e.payload.type === 'MessageEdited')!.ts,
          pinned: true,
          reactions: [
            { emoji: '👍', count: 2, userIds: ['uc', 'ua'] },
            { emoji: '🎉', count: 1, userIds: ['ua'] },
          ],
        }, 'edited (the body gone with it), pinned, reactions by their first, a taken back one gone');
        assert.equal(third?.forwarded, true);
        assert.equal(third?.pinned, true);
        const system = await messages.one('g.team', 5);
        assert.equal(system?.kind, 'system');
        assert.ok(system?.content.includes('"edited"'), 'a system entry is never recalled');
        assert.equal(system?.recalled, undefined);
        assert.equal((await messages.one('g.team', 6))?.editedAt, undefined, 'nor edited');
        assert.equal((await messages.one('g.team', 4))?.reactions, undefined, 'nor reacted to');
        assert.deepEqual(await messages.one('g.team', 2), second, 'one message as a page has it');
        assert.equal((await messages.byClientMsgId('g.team', 'uc', 'k3'))?.seq, 3);
        assert.equal(await messages.byClientMsgId('g.team', 'ua', 'k3'), undefined, 'another sender');

        const pins = await messages.pins('g.team');
        assert.deepEqual(pins.map((p) => [p.message.seq, p.pinnedBy.id]), [[3, 'ua'], [2, 'ua']], 'newest pin first; the recalled one never pinned');
        assert.equal(pins[0]?.pinnedAt, log.filter((e) => e.payload.type === 'MessagePinned').at(-1)!.ts);
        assert.equal(await messages.hasReaction('g.team', 2, '👍', 'ua'), true);
        assert.equal(await messages.hasReaction('g.team', 2, '🎉', 'ub'), false, 'taken back');

        const recalledLast = await live.selectFrom('conversations').select('last_message_preview').where('id', '=', 'g.team').executeTakeFirstOrThrow();
        assert.equal(recalledLast.last_message_preview, 'bob edited a message', 'the last entry is the last change');
        assert.equal((await new ConversationRepository(live).summaryFor('ua', 'g.team'))?.unreadMentions, 0, "carl's mention of her went with its recall");
      } finally {
        await live.destroy();
      }
    });

    it('a recalled message that is the last shows "message recalled"; many reactions list the first 20', async () => {
      const db = await adapter.open();
      try {
        await migrateToLatest(db as Kysely<unknown>);
        const g = timeline('g.last');
        g.event({ type: 'ConversationCreated', kind: 'group', name: 'last', createdBy: 'ua', members: [alice, bob] });
        g.message(alice); // 1
        for (let i = 0; i < 25; i++) g.event({ type: 'ReactionChanged', target: 1, emoji: '👍', userId: `u${String(i).padStart(2, '0')}`, added: true });
        // The fact alone, as if its entry came first at an earlier seq: the message is still the last.
        g.event({ type: 'MessageRecalled', target: 1 });
        const writer = new ProjectionWriter(db);
        await writer.applyBatch('parley.events', 0, g.events.slice(0, -1), g.events.length - 1);
        const [message] = await new MessageRepository(db).after('g.last', 0, 1);
        assert.deepEqual(message?.reactions, [{ emoji: '👍', count: 25, userIds: Array.from({ length: 20 }, (_, i) => `u${String(i).padStart(2, '0')}`) }]);
        await writer.applyBatch('parley.events', 0, g.events.slice(-1), g.events.length);
        const row = await db.selectFrom('conversations').select('last_message_preview').where('id', '=', 'g.last').executeTakeFirstOrThrow();
        assert.equal(row.last_message_preview, 'message recalled');
        assert.equal((await new MessageRepository(db).one('g.last', 1))?.reactions, undefined, 'a recalled message shows no reactions');
      } finally {
        await db.destroy();
      }
    });

    it('migration 0006 gives the messages before it the defaults a replay of their events gives', async () => {
      const migrated = await adapter.open();
      try {
        await migrateTo(migrated as Kysely<unknown>, '0005_message_bodies_replies_mentions');
        await sql`insert into messages (conversation_id, seq, id, sender_id, sender_name, client_msg_id, kind, content, ts)
          values ('g.old', 1, 'm1', 'ua', 'alice', 'k1', 'text', 'hi', 1001)`.execute(migrated);
        assert.deepEqual(await migrateToLatest(migrated as Kysely<unknown>), migrationsAfter('0005_message_bodies_replies_mentions'));
        const row = await migrated.selectFrom('messages').select(['recalled', 'edited_at', 'forwarded']).executeTakeFirstOrThrow();
        assert.deepEqual({ ...row, edited_at: Number(row.edited_at) }, { recalled: false, edited_at: 0, forwarded: false });
      } finally {
        await migrated.destroy();
      }
    });
  });
}
