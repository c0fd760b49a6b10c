import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { ParleyEvent } from '@parley/schemas';
import { migrateToLatest } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { ConversationRepository } from './conversation.repository.js';
import { SettingsRepository } from './settings.repository.js';
import { testDatabases } from './test-databases.js';
import type { Database } from './database.js';

const { databases, stop } = testDatabases();
after(stop);

const alice = { userId: 'ua', username: 'alice' };
const bob = { userId: 'ub', username: 'bob' };
let n = 0;
const ev = (stream: string, seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({
  eventId: `e${++n}`,
  stream,
  seq,
  ts: 1000 + n,
  commandId: `c${n}`,
  actor: alice,
  origin: null,
  payload,
});
const message = (stream: string, seq: number): ParleyEvent =>
  ev(stream, seq, { type: 'MessageSent', id: `${stream}-${seq}`, senderId: 'ub', senderName: 'bob', clientMsgId: `${stream}-${seq}`, kind: 'text', content: 'hi' });
const settings = (conversation: string, s: { pinned?: boolean; muteUntil?: number; hidden?: boolean; remark?: string }): ParleyEvent =>
  ev('u.alice', 0, { type: 'ConversationSettingsChanged', profileId: 'ua', conversation, pinned: false, muteUntil: 0, hidden: false, remark: '', ...s });

for (const adapter of databases) {
  describe(`ConversationRepository with settings on ${adapter.name}`, () => {
    let db: Kysely<Database>;
    before(async () => {
      db = await adapter.open();
      await migrateToLatest(db as Kysely<unknown>);
    });
    after(async () => {
      await db.destroy();
    });

    it('lists pinned first, then by activity; hides until a newer message; filters on names, remarks and the other member', async () => {
      const writer = new ProjectionWriter(db);
      let offset = 0;
      const apply = (...events: ParleyEvent[]) => writer.applyBatch('parley.events', 0, events, (offset += events.length));
      await apply(
        ev('u.alice', 0, { type: 'UserRegistered', userId: 'ua', username: 'alice', passwordHash: 'h' }),
        ev('u.bob', 0, { type: 'UserRegistered', userId: 'ub', username: 'bob', passwordHash: 'h' }),
        ev('u.bob', 1, { type: 'ProfileUpdated', profileId: 'ub', displayName: 'Bérénice', bio: '', avatar: '' }),
        ev('g.old', 0, { type: 'ConversationCreated', kind: 'group', name: 'Old', createdBy: 'ua', members: [alice, bob] }),
        message('g.old', 1),
        ev('d.ua.ub', 0, { type: 'ConversationCreated', kind: 'direct', name: '', createdBy: 'ua', members: [alice, bob] }),
        message('d.ua.ub', 1),
        ev('g.team', 0, { type: 'ConversationCreated', kind: 'group', name: 'Équipe Rouge', createdBy: 'ua', members: [alice, bob] }),
        message('g.team', 1),
        settings('g.old', { pinned: true, remark: 'Archive', muteUntil: 1 }),
        settings('d.ua.ub', { hidden: true, muteUntil: -1 }),
        ev('u.alice', 0, { type: 'ContactRemarkSet', profileId: 'ua', contactId: 'ub', remark: 'Bestie' }),
      );
      const conversations = new ConversationRepository(db);
      const ids = async (o: { q?: string; includeHidden?: boolean } = {}): Promise<string[]> =>
        (await conversations.listForUser('ua', 10, { ...o, now: 5000 })).map((c) => c.id);

      assert.deepEqual(await ids(), ['g.old', 'g.team'], 'pinned first; the hidden one left out');
      assert.deepEqual(await ids({ includeHidden: true }), ['g.old', 'g.team', 'd.ua.ub']);
      assert.deepEqual(await ids({ q: 'EQUIPE' }), ['g.team'], 'name, ignoring case and accents');
      assert.deepEqual(await ids({ q: 'archiv' }), ['g.old'], 'the remark for the conversation');
      assert.deepEqual(await ids({ q: 'berenice', includeHidden: true }), ['d.ua.ub'], "the other member's display name");
      assert.deepEqual(await ids({ q: 'bob', includeHidden: true }), ['d.ua.ub'], "the other member's handle");
      assert.deepEqual(await ids({ q: 'BESTIE', includeHidden: true }), ['d.ua.ub'], 'the remark for the other member');
      assert.deepEqual(await ids({ q: 'bestie' }), [], 'hidden stays hidden when filtering');
      assert.deepEqual(await ids({ q: 'alice', includeHidden: true }), [], 'not the caller itself');
      assert.deepEqual(await ids({ q: '%' }), []);

      const [old] = await conversations.listForUser('ua', 1, { now: 5000 });
      assert.deepEqual(old?.settings, { pinned: true, muteUntil: 0, hidden: false, remark: 'Archive' }, 'a mute that ended is reported as none');
      assert.equal((await new SettingsRepository(db).get('ua', 'g.old', 5000)).muteUntil, 0, 'and the same where one conversation\'s settings are read');
      assert.ok((await new SettingsRepository(db).get('ua', 'g.old', 0)).muteUntil > 0, 'before its end it is muted');
      assert.deepEqual((await conversations.summaryFor('ua', 'd.ua.ub'))?.settings, { pinned: false, muteUntil: -1, hidden: true, remark: '' });
      assert.deepEqual((await conversations.summaryFor('ub', 'g.old'))?.settings, { pinned: false, muteUntil: 0, hidden: false, remark: '' }, "another member's settings are their own");

      await apply(message('d.ua.ub', 2));
      assert.deepEqual(await ids(), ['g.old', 'd.ua.ub', 'g.team'], 'a newer message shows it again');
      assert.equal((await new SettingsRepository(db).get('ua', 'd.ua.ub')).hidden, false);
      assert.equal((await conversations.summaryFor('ua', 'd.ua.ub'))?.settings.hidden, false);

      await apply(settings('d.ua.ub', { hidden: true }));
      assert.deepEqual(await ids(), ['g.old', 'g.team'], 'hidden again');
      assert.equal((await new SettingsRepository(db).get('ua', 'd.ua.ub')).hidden, true);
      assert.deepEqual(await ids({ q: 'e' }), ['g.old', 'g.team']);
      assert.equal((await conversations.listForUser('ua', 1, { q: 'e', now: 0 })).length, 1, 'the limit applies after the filter');
    });
  });
}
