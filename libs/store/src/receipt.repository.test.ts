import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Actor, EventPayload, ParleyEvent } from '@parley/schemas';
import { migrateToLatest } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { projectionChecksums } from './checksum.js';
import { ReceiptRepository } from './receipt.repository.js';
import { ProfileRepository } from './profile.repository.js';
import { testDatabases } from './test-databases.js';
import { alice, assertReplaysInBatches, bob, carl, dave, timelineOf } from './test-timeline.js';
import type { Database } from './database.js';

const { databases, stop } = testDatabases();
after(stop);

/** An event on a profile's own stream. */
const onProfile = (by: Actor, payload: EventPayload, n: number): ParleyEvent => ({
  eventId: `${by.username}-p${n}`,
  stream: `u.${by.username}`,
  seq: 0,
  ts: 1000 + n,
  commandId: `${by.username}-pc${n}`,
  actor: by,
  origin: null,
  payload,
});
const mark = (who: Actor, readSeq: number, deliveredSeq: number, shared = true) => ({ userId: who.userId, readSeq, deliveredSeq, shared });

/**
 * Profiles alice, bob, carl (carl shares no receipts), dave. g.team: alice, bob, carl; alice sends 1-3,
 * bob reads 2, carl reads 3. d.ua.ub: alice sends 1-3; bob has 3 delivered and 2 read. alice and dave
 * are friends.
 */
function receiptsLog(): ParleyEvent[] {
  const profiles = [alice, bob, carl, dave].map((u, i) => onProfile(u, { type: 'ProfileCreated', profileId: u.userId, loginId: u.userId, handle: u.username, displayName: u.username, bio: '', avatar: '' }, i));
  const privacy = onProfile(carl, { type: 'PrivacyChanged', profileId: carl.userId, directFrom: 'everyone', readReceipts: false, presence: 'nobody' }, 10);
  const friends = [onProfile(alice, { type: 'FriendAdded', profileId: alice.userId, friendId: dave.userId, friendHandle: 'dave', requestId: 'r1' }, 11)];
  const g = timelineOf('g.team');
  g.push({ type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: 'ua', members: [alice, bob, carl] }, alice, false);
  for (const text of ['a', 'b', 'c']) g.sent(alice, 'text', text);
  g.push({ type: 'ReceiptsMarked', marks: [mark(bob, 2, 2), mark(carl, 3, 3, false)] }, bob, true);
  // A repeat of an older event (a redelivery) moves nothing back.
  g.push({ type: 'ReceiptsMarked', marks: [mark(bob, 1, 1)] }, bob, true);
  const d = timelineOf('d.ua.ub');
  d.push({ type: 'ConversationCreated', kind: 'direct', name: '', createdBy: 'ua', members: [alice, bob] }, alice, false);
  d.sent(alice, 'text', 'x');
  d.sent(alice, 'text', 'y');
  d.push({ type: 'ReceiptsMarked', marks: [mark(bob, 0, 2)] }, bob, true);
  d.push({ type: 'ReceiptsMarked', marks: [mark(bob, 1, 2)] }, bob, true);
  d.sent(alice, 'text', 'z');
  // One member twice in one event (two connections' marks): the higher of each counts.
  d.push({ type: 'ReceiptsMarked', marks: [mark(bob, 2, 3), mark(bob, 1, 2)] }, bob, true);
  // A mark written before receipts (ReadMarked) still counts.
  const r = timelineOf('g.old');
  r.push({ type: 'ConversationCreated', kind: 'group', name: 'old', createdBy: 'ua', members: [alice, bob] }, alice, false);
  r.sent(alice, 'text', 'old');
  r.push({ type: 'ReadMarked', userId: bob.userId, readSeq: 1 }, bob, false);
  return [...profiles, privacy, ...friends, ...g.events, ...d.events, ...r.events];
}

for (const adapter of databases) {
  describe(`ReceiptRepository on ${adapter.name}`, () => {
    let db: Kysely<Database>;
    let receipts: ReceiptRepository;
    const log = receiptsLog();

    before(async () => {
      db = await adapter.open();
      await migrateToLatest(db as Kysely<unknown>);
      await new ProjectionWriter(db).applyBatch('parley.events', 0, log, log.length);
      receipts = new ReceiptRepository(db);
    });
    after(async () => {
      await db.destroy();
    });

    it("lists the marks of the members who share them: a sender's own messages read, delivered at least read, never back", async () => {
      assert.deepEqual(await receipts.marks('g.team'), [
        { user: { id: 'ua', username: 'alice' }, readSeq: 3, deliveredSeq: 3 },
        { user: { id: 'ub', username: 'bob' }, readSeq: 2, deliveredSeq: 2 },
      ]);
      assert.deepEqual(await receipts.marks('d.ua.ub'), [
        { user: { id: 'ua', username: 'alice' }, readSeq: 3, deliveredSeq: 3 },
        { user: { id: 'ub', username: 'bob' }, readSeq: 2, deliveredSeq: 3 },
      ]);
      assert.deepEqual((await receipts.marks('g.old')).map((m) => [m.user.id, m.readSeq, m.deliveredSeq]), [['ua', 1, 1], ['ub', 1, 1]]);
    });

    it('tells who has and has not read a message, without its sender or those who share nothing, paged by user id', async () => {
      assert.deepEqual(await receipts.readers('g.team', 2, { state: 'read', limit: 10 }), { count: 1, users: [{ id: 'ub', username: 'bob' }], more: false });
      assert.deepEqual(await receipts.readers('g.team', 3, { state: 'read', limit: 10 }), { count: 0, users: [], more: false });
      assert.deepEqual(await receipts.readers('g.team', 3, { state: 'unread', limit: 10 }), { count: 1, users: [{ id: 'ub', username: 'bob' }], more: false });
      // A seq with no message (past the last): no sender to leave out.
      const past = await receipts.readers('g.team', 9, { state: 'unread', limit: 1 });
      assert.deepEqual([past.count, past.users.map((u) => u.id), past.more], [2, ['ua'], true]);
      assert.deepEqual(await receipts.readers('g.team', 9, { state: 'unread', limit: 1, after: 'ua' }), { count: 2, users: [{ id: 'ub', username: 'bob' }], more: false });
    });

    it('gives the contacts presence goes to, the privacy settings, and the members typing goes to', async () => {
      const contacts = await receipts.contactsOf('ua');
      assert.deepEqual(contacts.sort((a, b) => a.id.localeCompare(b.id)), [{ id: 'ub', friend: false }, { id: 'ud', friend: true }]);
      assert.deepEqual(await receipts.contactsOf('uc'), [], 'a group is not a contact');
      const privacy = await new ProfileRepository(db).privacyOf(['ua', 'uc', 'unknown']);
      assert.deepEqual([...privacy].sort(), [['ua', { readReceipts: true, presence: 'everyone' }], ['uc', { readReceipts: false, presence: 'nobody' }]]);
      assert.deepEqual((await receipts.memberIds('g.team')).sort(), ['ua', 'ub', 'uc']);
    });

    it('replays to the same marks in any batches', async () => {
      await assertReplaysInBatches(() => adapter.open(), log, [1, 3, 7], await projectionChecksums(db));
    });
  });
}
