import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SearchResponse, SearchResult } from '@parley/protocol';
import { openUploadWorld, type UploadWorld } from '../test-upload-world.js';
import { decodeCursor, encodeCursor, queryScope } from './routes/search.routes.js';

// GET /v1/search/messages over the real store (PGlite) with conversations made by projecting events: what
// is found, for whom, how it is marked and paged, and every refusal.

const GROUP = 'g.01JD3T0ZK8V5N2R4Q6W9YB1SRC';
const OTHER = 'g.01JD3T0ZK8V5N2R4Q6W9YB1OTH';
let w: UploadWorld;
const seq: Record<string, number> = {};

before(async () => {
  w = await openUploadWorld(['alice', 'bob', 'carol', 'dave']);
  const { alice, bob, carol, dave } = w.users;
  const say = async (name: string, who: typeof alice, content: string, kind = 'text', stream = GROUP): Promise<void> => {
    seq[name] = await w.project(stream, who!, { type: 'MessageSent', id: `m-${name}`, senderId: who!.userId, senderName: who!.username, clientMsgId: `k-${name}`, kind, content });
  };
  const entry = (who: typeof alice, json: object) =>
    w.project(GROUP, who!, { type: 'MessageSent', id: `m${Math.random()}`, senderId: who!.userId, senderName: who!.username, clientMsgId: `k${Math.random()}`, kind: 'system', content: JSON.stringify(json) });
  await w.project(GROUP, alice!, { type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: alice!.userId, members: [alice!, bob!, carol!] });
  await w.project(OTHER, dave!, { type: 'ConversationCreated', kind: 'group', name: 'other', createdBy: dave!.userId, members: [dave!] });
  await say('zh', alice, '消息搜索测试');
  await say('ja', bob, '私は東京に住んでいます');
  await say('mixed', alice, 'Parley的消息, ＰＡＲＬＥＹ 😀 parley');
  await entry(alice, { event: 'removed', member: { id: carol!.userId, username: 'carol' }, actor: { id: alice!.userId, username: 'alice' } });
  await w.project(GROUP, alice!, { type: 'MemberRemoved', userId: carol!.userId, username: 'carol', ban: false });
  await say('late', bob, '消息 after carol', 'text');
  await say('photo', bob, '[Image] 消息.png', 'image');
  await say('recalled', alice, '消息 to recall');
  await entry(alice, { event: 'recalled', message: seq['recalled'], actor: { id: alice!.userId, username: 'alice' } });
  await w.project(GROUP, alice!, { type: 'MessageRecalled', target: seq['recalled']! });
  await say('edited', alice, 'old words');
  await entry(alice, { event: 'edited', message: seq['edited'], actor: { id: alice!.userId, username: 'alice' } });
  await w.project(GROUP, alice!, { type: 'MessageEdited', target: seq['edited']!, content: 'new words 消息' });
  await say('secret', dave, '消息 secret', 'text', OTHER);
});
after(() => w.close());

const search = (as: string | undefined, query: string) => w.call('GET', `/v1/search/messages?${query}`, as ? { as } : {});
const found = async (as: string, query: string): Promise<SearchResponse> => {
  const answer = await search(as, query);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as unknown as SearchResponse;
};
const names = (results: readonly SearchResult[]): string[] => results.map((r) => Object.keys(seq).find((k) => seq[k] === r.seq && r.conversation === (k === 'secret' ? OTHER : GROUP)) ?? `?${r.seq}`);
const q = (text: string) => `q=${encodeURIComponent(text)}`;

test('finds Chinese, Japanese and mixed text by partial words, newest first, with highlights in code points', async () => {
  assert.deepEqual(names((await found('alice', q('搜索'))).results), ['zh']);
  assert.deepEqual(names((await found('bob', q('東京'))).results), ['ja']);
  const all = await found('alice', q('消息'));
  assert.deepEqual(names(all.results), ['edited', 'photo', 'late', 'mixed', 'zh']);
  assert.equal(all.next, undefined);
  const [mixed] = (await found('alice', q('parley 消息'))).results;
  assert.deepEqual(mixed, {
    conversation: GROUP,
    seq: seq['mixed'],
    id: 'm-mixed',
    ts: mixed!.ts,
    sender: { id: 'ualice', username: 'alice' },
    kind: 'text',
    content: 'Parley的消息, ＰＡＲＬＥＹ 😀 parley',
    // Parley, 消息, the full-width ＰＡＲＬＥＹ, and after the emoji (one code point) parley.
    highlights: [
      { start: 0, end: 6 },
      { start: 7, end: 9 },
      { start: 11, end: 17 },
      { start: 20, end: 26 },
    ],
  });
  assert.deepEqual((await found('alice', q('搜索测试'))).results[0]?.highlights, [{ start: 2, end: 6 }]);
});

test('every term must match; Latin words match whole', async () => {
  assert.deepEqual(names((await found('alice', q('parley 東京'))).results), []);
  assert.deepEqual(names((await found('alice', q('parl'))).results), []);
  assert.deepEqual(names((await found('alice', q('PARLEY'))).results), ['mixed']);
});

test('a recalled message is not found; an edited one by its new text only, as it is now', async () => {
  assert.deepEqual(names((await found('alice', q('recall'))).results), []);
  assert.deepEqual(names((await found('alice', q('old'))).results), []);
  const [edited] = (await found('alice', q('new words'))).results;
  assert.equal(edited?.content, 'new words 消息');
  assert.deepEqual(edited?.highlights, [{ start: 0, end: 3 }, { start: 4, end: 9 }]);
});

test('filters: conversation, sender, kind, after (inclusive) and before (exclusive)', async () => {
  assert.deepEqual(names((await found('alice', `${q('消息')}&sender=ubob`)).results), ['photo', 'late']);
  assert.deepEqual(names((await found('alice', `${q('消息')}&kind=image`)).results), ['photo']);
  assert.deepEqual(names((await found('alice', `${q('消息')}&conversation=${GROUP}`)).results), ['edited', 'photo', 'late', 'mixed', 'zh']);
  const all = (await found('alice', q('消息'))).results;
  const late = all.find((r) => r.seq === seq['late'])!;
  const after = (await found('alice', `${q('消息')}&after=${late.ts}`)).results;
  assert.ok(after.every((r) => r.ts >= late.ts) && after.some((r) => r.seq === late.seq));
  const before = (await found('alice', `${q('消息')}&before=${late.ts}`)).results;
  assert.ok(before.every((r) => r.ts < late.ts) && !before.some((r) => r.seq === late.seq));
});

test('pages by cursor: each result once, the last page without next', async () => {
  const all = names((await found('alice', q('消息'))).results);
  const seen: string[] = [];
  let page = await found('alice', `${q('消息')}&limit=2`);
  seen.push(...names(page.results));
  assert.equal(page.results.length, 2);
  while (page.next !== undefined) {
    page = await found('alice', `${q('消息')}&limit=2&cursor=${encodeURIComponent(page.next)}`);
    seen.push(...names(page.results));
  }
  assert.deepEqual(seen, all);
});

test('a non-member finds nothing of a conversation, a removed member only what was sent before the removal', async () => {
  assert.deepEqual(names((await found('dave', q('消息'))).results), ['secret']);
  assert.deepEqual(names((await found('dave', `${q('消息')}&conversation=${GROUP}`)).results), []);
  assert.deepEqual(names((await found('alice', q('secret'))).results), []);
  assert.deepEqual(names((await found('carol', q('消息'))).results), ['mixed', 'zh']);
  assert.deepEqual(names((await found('carol', q('after'))).results), []);
});

test('refusals: no token 401; a bad q, filter, limit or cursor 400 naming the field; other methods 405', async () => {
  assert.equal((await search(undefined, q('消息'))).status, 401);
  const refused = async (query: string, field: string, code = 'bad_request') => {
    const answer = await search('alice', query);
    assert.equal(answer.status, 400, query);
    assert.equal(answer.body.error?.code, code, query);
    assert.equal(answer.body.error?.details?.['field'], field, query);
  };
  await refused('', 'q');
  await refused('q=', 'q');
  await refused(q('   '), 'q');
  await refused(q('😀 !?'), 'q');
  await refused(q('x'.repeat(201)), 'q');
  await refused('q=%00', 'q', 'invalid_text');
  await refused(`${q('a')}&conversation=nope`, 'conversation');
  await refused(`${q('a')}&sender=bob`, 'sender');
  await refused(`${q('a')}&kind=system`, 'kind');
  await refused(`${q('a')}&after=yesterday`, 'after');
  await refused(`${q('a')}&before=-1`, 'before');
  await refused(`${q('a')}&limit=0`, 'limit');
  await refused(`${q('a')}&limit=51`, 'limit');
  await refused(`${q('a')}&cursor=abc`, 'cursor');
  await refused(`${q('a')}&cursor=${encodeCursor({ ts: 1, conversation: GROUP, seq: 1 }, queryScope('a', {}))}*`, 'cursor');
  // A cursor of another query or other filters is refused.
  await refused(`${q('a')}&cursor=${encodeCursor({ ts: 1, conversation: GROUP, seq: 1 }, queryScope('b', {}))}`, 'cursor');
  await refused(`${q('a')}&cursor=${encodeCursor({ ts: 1, conversation: GROUP, seq: 1 }, queryScope('a', { kind: 'text' }))}`, 'cursor');
  assert.equal((await search('alice', `${q('a')}&cursor=${encodeCursor({ ts: 1, conversation: GROUP, seq: 1 }, queryScope('a', {}))}`)).status, 200);
  assert.equal((await search('alice', `${q('x'.repeat(200))}`)).status, 200, '200 code points is the most');
  assert.equal((await w.call('POST', `/v1/search/messages?${q('a')}`, { as: 'alice' })).status, 405);
});

test('the cursor round-trips and refuses anything it did not make', () => {
  const p = { ts: 1_700_000_000_000, conversation: GROUP, seq: 42 };
  const scope = queryScope('hello', { kind: 'text' });
  assert.deepEqual(decodeCursor(encodeCursor(p, scope), scope), p);
  assert.throws(() => decodeCursor(encodeCursor(p, scope), queryScope('hello', {})), /cursor/, 'another query');
  for (const bad of ['', '!!', Buffer.from('[1,"g.x"]').toString('base64url'), Buffer.from(`[1,"nope",1,"${scope}"]`).toString('base64url'), Buffer.from(`[-1,"g.x",1,"${scope}"]`).toString('base64url'), Buffer.from('{"ts":1}').toString('base64url')]) {
    assert.throws(() => decodeCursor(bad, scope), /cursor/, bad);
  }
});
