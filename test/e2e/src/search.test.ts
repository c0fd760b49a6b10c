/**
 * Message search on a started single node, end to end: messages sent over the WebSocket, projected, and
 * found through `GET /v1/search/messages` (docs/openapi.yaml, tag "search"): Chinese and Japanese text
 * without spaces, mixed scripts, highlights in code points, and who may find what now: a non-member
 * nothing, a removed member only what came before the removal, nobody a recalled message, an edited one by
 * its new words only.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import type { SearchResponse } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import type { TestUser } from './social-helpers.js';
import { harness } from './harness.js';

describe('message search on a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const close of closers) close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const { user, socket, expect, createGroup, sent } = harness(() => server, closers);
  /** The seqs `u` finds for `q` in conversation `id` (the search answers once the projection has them). */
  const find = async (u: TestUser, q: string, id?: string): Promise<SearchResponse> =>
    (await expect(u, 'GET', `/v1/search/messages?q=${encodeURIComponent(q)}${id ? `&conversation=${id}` : ''}`, undefined, 200, `search ${q}`)) as SearchResponse;
  const seqsOf = (r: SearchResponse) => r.results.map((x) => x.seq);

  it('finds Chinese and Japanese words inside text without spaces, either part of mixed text, newest first, with highlights', async () => {
    const [alice, bob] = await Promise.all([user('sral'), user('srbob')]);
    const id = await createGroup(alice, [bob]);
    const s = await socket(alice);
    const zh = await sent(s, id, '消息搜索测试');
    const ja = await sent(s, id, '私は東京に住んでいます');
    const mixed = await sent(s, id, 'Parley的消息 ok');
    const other = await sent(s, id, 'nothing to see');
    await eventually(async () => assert.deepEqual(seqsOf(await find(bob, '消息', id)), [mixed, zh]), 10_000, 100);
    assert.deepEqual(seqsOf(await find(bob, '搜索', id)), [zh], 'a word inside the run');
    assert.deepEqual(seqsOf(await find(bob, '東京', id)), [ja], 'a Japanese word inside a sentence');
    assert.deepEqual(seqsOf(await find(bob, 'parley', id)), [mixed], 'the Latin part of mixed text');
    assert.deepEqual(seqsOf(await find(bob, '消息 parley', id)), [mixed], 'every term must match');
    assert.deepEqual(seqsOf(await find(bob, '测验', id)), [], 'characters that are there, but not together');
    assert.ok(!seqsOf(await find(bob, 'see', id)).includes(zh) && seqsOf(await find(bob, 'see', id)).includes(other));
    const hit = (await find(bob, '消息', id)).results.find((r) => r.seq === zh)!;
    assert.deepEqual(hit.highlights, [{ start: 0, end: 2 }], 'code points of the content');
    assert.deepEqual([hit.sender.username, hit.kind, hit.content, hit.conversation], [alice.username, 'text', '消息搜索测试', id]);
  });

  it('finds only what the searcher may read now: not as a non-member, up to the removal as a removed member, never a recalled message, an edit by its new words', async () => {
    const [owner, member, outsider] = await Promise.all([user('srown'), user('srmem'), user('srout')]);
    const id = await createGroup(owner, [member]);
    const s = await socket(owner);
    const before = await sent(s, id, 'harbour plans before');
    const recalled = await sent(s, id, 'harbour secret recalled');
    const edited = await sent(s, id, 'old wording');
    await eventually(async () => assert.deepEqual(seqsOf(await find(member, 'harbour', id)), [recalled, before]), 10_000, 100);
    assert.deepEqual(seqsOf(await find(outsider, 'harbour')), [], 'a non-member finds nothing');
    assert.deepEqual(seqsOf(await find(outsider, 'harbour', id)), [], 'not even naming the conversation');

    await expect(owner, 'POST', `/v1/conversations/${id}/messages/${recalled}/recall`, undefined, 204, 'recall');
    await expect(owner, 'PUT', `/v1/conversations/${id}/messages/${edited}`, { content: 'new wording harbour' }, 200, 'edit');
    await eventually(async () => assert.deepEqual(seqsOf(await find(member, 'harbour', id)), [edited, before]), 10_000, 100);
    assert.deepEqual(seqsOf(await find(member, 'old', id)), [], 'the old words of an edited message');

    await expect(owner, 'DELETE', `/v1/conversations/${id}/members/${member.id}`, undefined, 204, 'remove the member');
    const after = await sent(s, id, 'harbour after the removal');
    await eventually(async () => assert.ok(seqsOf(await find(owner, 'harbour', id)).includes(after)), 10_000, 100);
    assert.deepEqual(seqsOf(await find(member, 'harbour', id)), [edited, before], 'a removed member: only what came before');
  });

  it('refuses a query it cannot search, naming the field', async () => {
    const alice = await user('srbad');
    for (const q of ['', '   ', 'x'.repeat(201)]) await expect(alice, 'GET', `/v1/search/messages?q=${encodeURIComponent(q)}`, undefined, 'bad_request', `q ${JSON.stringify(q.slice(0, 5))}`);
    await expect(alice, 'GET', '/v1/search/messages?q=a&limit=51', undefined, 'bad_request', 'limit over 50');
    await expect(alice, 'GET', '/v1/search/messages?q=a&cursor=forged', undefined, 'bad_request', 'a cursor the server did not make');
  });
});
