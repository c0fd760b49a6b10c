import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { Actor, ParleyEvent } from '@parley/schemas';
import { migrateTo, migrateToLatest, migrationsAfter } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { PROJECTED_TABLES, projectionChecksums } from './checksum.js';
import { SearchRepository, tsquery, type SearchFilters, type SearchHit } from './search.repository.js';
import { indexTokens, queryTerms } from './search-tokens.js';
import { testDatabases } from './test-databases.js';
import { alice, assertReplaysInBatches, bob, carl, dave, timelineOf } from './test-timeline.js';
import type { Database } from './database.js';

const { databases, stop } = testDatabases();
after(stop);

type Timeline = ReturnType<typeof timelineOf>;
const send = (t: Timeline, by: Actor, content: string, kind = 'text', ws = true): number => {
  const seq = t.next();
  t.sent(by, kind, content, {}, ws);
  return seq;
};
const entry = (t: Timeline, by: Actor, json: object): number => send(t, by, JSON.stringify(json), 'system', false);

/**
 * g.team (alice, bob, carl; carl leaves at 5), d.ua.ub (alice, bob), g.other (dave only). Recall of g.team 8,
 * edit of g.team 10. Returned with the seqs by name.
 */
function searchLog(): { log: ParleyEvent[]; seqs: Record<string, number> } {
  const g = timelineOf('g.team');
  const d = timelineOf('d.ua.ub');
  const o = timelineOf('g.other');
  g.push({ type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: 'ua', members: [alice, bob, carl] }, alice, false);
  d.push({ type: 'ConversationCreated', kind: 'direct', name: '', createdBy: 'ua', members: [alice, bob] }, alice, false);
  o.push({ type: 'ConversationCreated', kind: 'group', name: 'other', createdBy: 'ud', members: [dave] }, dave, false);
  const seqs: Record<string, number> = {};
  seqs['zh'] = send(g, alice, '消息搜索测试');
  seqs['ja'] = send(g, bob, '私は東京に住んでいます');
  seqs['mixed'] = send(g, alice, 'Parley的消息');
  seqs['hello'] = send(g, carl, 'Hello, world!', 'text', false);
  seqs['left'] = entry(g, carl, { event: 'left', actor: { id: 'uc', username: 'carl' } });
  g.push({ type: 'MemberLeft', userId: 'uc', username: 'carl' }, carl, false);
  seqs['afterLeft'] = send(g, alice, '消息 after carl left');
  seqs['image'] = send(g, bob, '[Image] 消息.png', 'image');
  seqs['recalled'] = send(g, bob, 'recall this 消息');
  entry(g, bob, { event: 'recalled', message: seqs['recalled'], actor: { id: 'ub', username: 'bob' } });
  g.push({ type: 'MessageRecalled', target: seqs['recalled'] }, bob, false);
  seqs['edited'] = send(g, alice, 'old words 消息');
  entry(g, alice, { event: 'edited', message: seqs['edited'], actor: { id: 'ua', username: 'alice' } });
  g.push({ type: 'MessageEdited', target: seqs['edited'], content: 'new words' }, alice, false);
  seqs['direct'] = send(d, bob, '消息 in direct');
  seqs['secret'] = send(o, dave, '消息 secret');
  // Interleaved as partitions would never be, to vary what batches hold.
  return { log: [...g.events.slice(0, 7), ...d.events, ...o.events, ...g.events.slice(7)], seqs };
}

const where = (hits: readonly SearchHit[]): string[] => hits.map((h) => `${h.conversation}/${h.seq}`);

for (const adapter of databases) {
  describe(`SearchRepository on ${adapter.name}`, () => {
    let db: Kysely<Database>;
    let search: SearchRepository;
    let seqs: Record<string, number>;
    const find = async (userId: string, q: string, filters: SearchFilters = {}, limit = 50): Promise<string[]> =>
      where((await search.search(userId, queryTerms(q), filters, { limit })).hits);
    const team = (...names: string[]): string[] => names.map((n) => `g.team/${seqs[n]}`);

    before(async () => {
      db = await adapter.open();
      await migrateToLatest(db as Kysely<unknown>);
      const built = searchLog();
      seqs = built.seqs;
      await new ProjectionWriter(db).applyBatch('parley.events', 0, built.log, built.log.length);
      search = new SearchRepository(db);
    });
    after(async () => {
      await db.destroy();
    });

    it('finds Chinese, Japanese and mixed text by partial words, newest first, with the message as it is now', async () => {
      assert.deepEqual(await find('ua', '搜索'), team('zh'));
      assert.deepEqual(await find('ua', '消息'), [...team('image', 'afterLeft', 'mixed', 'zh'), `d.ua.ub/${seqs['direct']}`].sort(byNewest(await hitsOf('ua', '消息'))));
      assert.deepEqual(await find('ub', '東京'), team('ja'));
      assert.deepEqual(await find('ua', 'PARLEY'), team('mixed'));
      const [hit] = (await search.search('ua', queryTerms('東京'), {}, { limit: 5 })).hits;
      assert.deepEqual(hit, { conversation: 'g.team', seq: seqs['ja'], id: `g.team-m${seqs['ja']}`, ts: hit!.ts, sender: { id: 'ub', username: 'bob' }, kind: 'text', content: '私は東京に住んでいます' });
    });

    it('orders by ts, then conversation id, then seq, all descending', async () => {
      const hits = await hitsOf('ua', '消息');
      assert.equal(hits.length, 5);
      for (let i = 1; i < hits.length; i++) {
        const a = hits[i - 1]!;
        const b = hits[i]!;
        assert.ok(a.ts > b.ts || (a.ts === b.ts && (a.conversation > b.conversation || (a.conversation === b.conversation && a.seq > b.seq))), `${where([a, b]).join(' before ')}`);
      }
    });

    it('requires every term', async () => {
      assert.deepEqual(await find('ua', 'parley 消息'), team('mixed'));
      assert.deepEqual(await find('ua', 'hello world'), team('hello'));
      assert.deepEqual(await find('ua', 'hello moon'), []);
      assert.deepEqual(await find('ua', 'hell'), [], 'whole words');
    });

    it('never finds a recalled message; finds an edited one by its new text only', async () => {
      assert.deepEqual(await find('ub', 'recall'), []);
      assert.deepEqual(await find('ua', 'old'), []);
      const edited = (await search.search('ua', queryTerms('new words'), {}, { limit: 5 })).hits;
      assert.deepEqual(where(edited), team('edited'));
      assert.equal(edited[0]?.content, 'new words');
      const rows = await db.selectFrom('message_search').select('seq').where('conversation_id', '=', 'g.team').where('kind', '=', 'system').execute();
      assert.deepEqual(rows, [], 'system entries are not indexed');
    });

    it('filters by conversation, sender, kind and time', async () => {
      assert.deepEqual(await find('ua', '消息', { conversation: 'd.ua.ub' }), [`d.ua.ub/${seqs['direct']}`]);
      assert.deepEqual(await find('ua', '消息', { sender: 'ub' }), where((await hitsOf('ua', '消息')).filter((h) => h.sender.id === 'ub')));
      assert.equal((await find('ua', '消息', { sender: 'ub' })).length, 2);
      assert.deepEqual(await find('ua', '消息', { kind: 'image' }), team('image'));
      const all = await hitsOf('ua', '消息');
      const mid = all[2]!.ts;
      assert.deepEqual(await find('ua', '消息', { after: mid }), where(all.filter((h) => h.ts >= mid)), 'after is inclusive');
      assert.deepEqual(await find('ua', '消息', { before: mid }), where(all.filter((h) => h.ts < mid)), 'before is exclusive');
      assert.deepEqual(await find('ua', '消息', { after: mid, before: mid }), []);
    });

    it('pages by position: every result once, in order', async () => {
      const all = await hitsOf('ua', '消息');
      const seen: SearchHit[] = [];
      let page = await search.search('ua', queryTerms('消息'), {}, { limit: 2 });
      seen.push(...page.hits);
      while (page.more) {
        const last = page.hits[page.hits.length - 1]!;
        page = await search.search('ua', queryTerms('消息'), {}, { limit: 2, after: { ts: last.ts, conversation: last.conversation, seq: last.seq } });
        assert.ok(page.hits.length > 0);
        seen.push(...page.hits);
      }
      assert.deepEqual(where(seen), where(all));
      assert.equal((await search.search('ua', queryTerms('消息'), {}, { limit: 5 })).more, false);
      assert.equal((await search.search('ua', queryTerms('消息'), {}, { limit: 4 })).more, true);
    });

    it('a non-member finds nothing of a conversation, even asking for it by id', async () => {
      assert.deepEqual(await find('ud', '消息'), [`g.other/${seqs['secret']}`]);
      assert.deepEqual(await find('ud', '消息', { conversation: 'g.team' }), []);
      assert.deepEqual(await find('ua', 'secret'), []);
      assert.deepEqual(await find('uz', '消息'), []);
    });

    it('a former member finds only what was sent up to their departure', async () => {
      assert.deepEqual(await find('uc', '消息'), team('mixed', 'zh'));
      assert.deepEqual(await find('uc', 'hello'), team('hello'));
      assert.deepEqual(await find('uc', 'after'), []);
      assert.deepEqual(await find('uc', '消息', { conversation: 'd.ua.ub' }), []);
    });

    it('takes query syntax characters as text and no terms as nothing', async () => {
      assert.deepEqual(await search.search('ua', ["it's", 'a\\b', ':*', '&', '!x'], {}, { limit: 5 }), { hits: [], more: false });
      assert.deepEqual(await search.search('ua', [], {}, { limit: 5 }), { hits: [], more: false });
      assert.equal(tsquery(["it's", 'a\\b']), "'it''s' & 'a\\\\b'");
      await db.insertInto('message_search').values({ conversation_id: 'd.ua.ub', seq: 99, sender_id: 'ua', kind: 'text', ts: 1, tokens: "it's a\\b :*" }).execute();
      await db.insertInto('messages').values({ conversation_id: 'd.ua.ub', seq: 99, id: 'odd', sender_id: 'ua', sender_name: 'alice', client_msg_id: 'odd', kind: 'text', content: "it's a\\b :*", ts: 1 }).execute();
      try {
        assert.deepEqual(where((await search.search('ua', ["it's", 'a\\b', ':*'], {}, { limit: 5 })).hits), ['d.ua.ub/99'], 'lexemes match as they are');
      } finally {
        await db.deleteFrom('message_search').where('seq', '=', 99).execute();
        await db.deleteFrom('messages').where('seq', '=', 99).execute();
      }
    });

    async function hitsOf(userId: string, q: string): Promise<SearchHit[]> {
      return (await search.search(userId, queryTerms(q), {}, { limit: 50 })).hits;
    }
  });

  describe(`message_search projection on ${adapter.name}`, () => {
    it('is in the replay checksums, idempotent, and replays the same in any batches', async () => {
      assert.ok('message_search' in PROJECTED_TABLES);
      const live = await adapter.open();
      try {
        await migrateToLatest(live as Kysely<unknown>);
        const { log } = searchLog();
        const writer = new ProjectionWriter(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        const once = await projectionChecksums(live);
        assert.equal(once['message_search']?.rows, 9, 'every message but system entries and the recalled one');
        await writer.applyBatch('parley.events', 0, log, log.length);
        assert.deepEqual(await projectionChecksums(live), once, 'a re-applied batch changes nothing (the recalled stays out, the edited keeps its new text)');
        await assertReplaysInBatches(() => adapter.open(), log, [1, 3], once);
      } finally {
        await live.destroy();
      }
    });

    it('migration 0008 indexes the messages projected before it, as they are now', async () => {
      const db = await adapter.open();
      try {
        await migrateTo(db as Kysely<unknown>, '0007_attachments');
        await sql`insert into messages (conversation_id, seq, id, sender_id, sender_name, client_msg_id, kind, content, ts, recalled, edited_at) values
          ('g.old', 1, 'm1', 'ua', 'alice', 'k1', 'text', '旧的消息', 1001, false, 0),
          ('g.old', 2, 'm2', 'ua', 'alice', 'k2', 'system', '{"event":"left"}', 1002, false, 0),
          ('g.old', 3, 'm3', 'ub', 'bob', 'k3', 'text', '', 1003, true, 0),
          ('g.old', 4, 'm4', 'ub', 'bob', 'k4', 'file', 'edited caption', 1004, false, 1005)`.execute(db);
        assert.deepEqual(await migrateToLatest(db as Kysely<unknown>), migrationsAfter('0007_attachments'));
        const rows = await db.selectFrom('message_search').select(['seq', 'sender_id', 'kind', 'ts', 'tokens']).orderBy('seq').execute();
        assert.deepEqual(
          rows.map((r) => ({ ...r, seq: Number(r.seq), ts: Number(r.ts) })),
          [
            { seq: 1, sender_id: 'ua', kind: 'text', ts: 1001, tokens: indexTokens('旧的消息').join(' ') },
            { seq: 4, sender_id: 'ub', kind: 'file', ts: 1004, tokens: 'edited caption' },
          ],
        );
      } finally {
        await db.destroy();
      }
    });
  });
}

/** A sort comparator putting ids in the order `hits` has them. */
function byNewest(hits: readonly SearchHit[]): (a: string, b: string) => number {
  const order = where(hits);
  return (a, b) => order.indexOf(a) - order.indexOf(b);
}
