import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from './parley-client.js';
import { recordingFetch } from './recording-fetch.js';

const stored = { conversation: 'g.x', id: 'm7', seq: 7, ts: 70, sender: { id: 'u2', username: 'bob' }, clientMsgId: 'c7', kind: 'location', content: '[Location] Berlin', body: { latitude: 52.52, longitude: 13.405 }, replyTo: 3, mentions: ['u1'] };

test('message(id, seq) reads one message by its seq, as a message frame', async () => {
  const { fetch, requests } = recordingFetch(() => ({ json: { message: stored } }));
  const client = new ParleyClient({ url: 'http://parley.test', fetch });
  client.useToken('tok');
  assert.deepEqual(await client.message('g.x', 7), { type: 'message', ...stored });
  assert.deepEqual(requests, [{ method: 'GET', path: '/v1/conversations/g.x/messages/7', auth: 'Bearer tok', body: undefined }]);
});

test('message(id, seq) rejects with the server code: not_found for a seq the conversation does not have', async () => {
  const { fetch } = recordingFetch(() => ({ status: 404, json: { error: { code: 'not_found', message: 'No message 9' } } }));
  const client = new ParleyClient({ url: 'http://parley.test', fetch });
  client.useToken('tok');
  await assert.rejects(client.message('g.x', 9), (e: Error & { code?: string; status?: number }) => e.code === 'not_found' && e.status === 404);
});
