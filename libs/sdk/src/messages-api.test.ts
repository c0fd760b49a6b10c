import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from './parley-client.js';
import { recordingFetch } from './recording-fetch.js';

const edited = { conversation: 'g.x', id: 'm7', seq: 7, ts: 70, sender: { id: 'u1', username: 'alice' }, clientMsgId: 'c7', kind: 'text', content: 'fixed', editedAt: 90 };
const pins = [{ message: { seq: 7, content: 'pinned text' }, pinnedBy: { id: 'u1', username: 'alice' }, pinnedAt: 95 }];

function client(reply: Parameters<typeof recordingFetch>[0]) {
  const { fetch, requests } = recordingFetch(reply);
  const c = new ParleyClient({ url: 'http://parley.test', fetch });
  c.useToken('tok');
  return { c, requests };
}

test('recall, edit, pin, react and forward call their routes', async () => {
  const { c, requests } = client((req) => {
    if (req.method === 'PUT' && req.path === '/v1/conversations/g.x/messages/7') return { json: { message: edited } };
    if (req.path.endsWith('/pins')) return { json: { pins } };
    if (req.path.endsWith('/forward')) return { status: 201, json: { message: { conversation: 'd.y', seq: 3, id: 'm9' } } };
    return undefined;
  });
  await c.recall('g.x', 7);
  assert.deepEqual(await c.editMessage('g.x', 7, 'fixed'), { type: 'message', ...edited });
  await c.editMessage<'text'>('g.x', 7, 'fixed', { spans: [] });
  await c.pin('g.x', 7);
  await c.unpin('g.x', 7);
  assert.deepEqual(await c.pins('g.x'), [{ message: 7, pinnedBy: { id: 'u1', username: 'alice' }, pinnedAt: 95 }], 'each pinned message named by its seq');
  await c.react('g.x', 7, '👍');
  await c.unreact('g.x', 7, '❤️');
  assert.deepEqual(await c.forward('g.x', 7, 'd.y'), { conversation: 'd.y', seq: 3, id: 'm9' });
  const auth = 'Bearer tok';
  assert.deepEqual(requests, [
    { method: 'POST', path: '/v1/conversations/g.x/messages/7/recall', auth, body: undefined },
    { method: 'PUT', path: '/v1/conversations/g.x/messages/7', auth, body: { content: 'fixed' } },
    { method: 'PUT', path: '/v1/conversations/g.x/messages/7', auth, body: { content: 'fixed', body: { spans: [] } } },
    { method: 'PUT', path: '/v1/conversations/g.x/messages/7/pin', auth, body: undefined },
    { method: 'DELETE', path: '/v1/conversations/g.x/messages/7/pin', auth, body: undefined },
    { method: 'GET', path: '/v1/conversations/g.x/pins', auth, body: undefined },
    { method: 'PUT', path: `/v1/conversations/g.x/messages/7/reactions/${encodeURIComponent('👍')}`, auth, body: undefined },
    { method: 'DELETE', path: `/v1/conversations/g.x/messages/7/reactions/${encodeURIComponent('❤️')}`, auth, body: undefined },
    { method: 'POST', path: '/v1/conversations/g.x/messages/7/forward', auth, body: { to: 'd.y' } },
  ]);
});

test('a refused change rejects with the server code', async () => {
  const { c } = client(() => ({ status: 409, json: { error: { code: 'too_late', message: 'A message can be recalled within 120 s' } } }));
  await assert.rejects(c.recall('g.x', 7), (e: Error & { code?: string; status?: number }) => e.code === 'too_late' && e.status === 409);
});

test('searchMessages sends the query and its filters as parameters and answers the page as the server sent it', async () => {
  const found = {
    conversation: 'g.x',
    seq: 7,
    id: 'm7',
    ts: 70,
    sender: { id: 'u1', username: 'alice' },
    kind: 'text',
    content: 'Parley的消息 search',
    highlights: [{ start: 7, end: 9 }],
  };
  const { c, requests } = client((req) => ({ json: req.path.includes('cursor=') ? { results: [] } : { results: [found], next: 'c1' } }));
  assert.deepEqual(await c.searchMessages('消息 & more'), { results: [found], next: 'c1' });
  const page = await c.searchMessages('hello', { conversation: 'g.x', sender: 'u1', kind: 'image', after: 10, before: 20, cursor: 'c1', limit: 5 });
  assert.deepEqual(page, { results: [] }, 'the last page has no next');
  const params = requests.map((r) => [r.method, new URL(r.path, 'http://x').pathname, Object.fromEntries(new URL(r.path, 'http://x').searchParams)]);
  assert.deepEqual(params, [
    ['GET', '/v1/search/messages', { q: '消息 & more' }],
    ['GET', '/v1/search/messages', { q: 'hello', conversation: 'g.x', sender: 'u1', kind: 'image', after: '10', before: '20', cursor: 'c1', limit: '5' }],
  ]);
  assert.ok(requests.every((r) => r.auth === 'Bearer tok'));
});

test('a refused search rejects with the code and the field named', async () => {
  const { c } = client(() => ({ status: 400, json: { error: { code: 'bad_request', message: 'q is blank', details: { field: 'q' } } } }));
  await assert.rejects(c.searchMessages('   '), (e: Error & { code?: string; status?: number; details?: { field?: string } }) => e.code === 'bad_request' && e.status === 400 && e.details?.field === 'q');
});
