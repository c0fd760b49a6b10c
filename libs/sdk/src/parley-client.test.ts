import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import WebSocket from 'ws';
import { ParleyClient } from './parley-client.js';
import type { WebSocketConstructor } from './websocket-transport.js';
import { uploadTestServer } from './upload-test-server.js';
import type { MessageFrame } from '@parley/protocol';

/** A scripted server on a real socket: it records frames and lets the test answer. */
async function scriptedServer(history: Record<string, unknown> = {}) {
  const http = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url && history[req.url]) return void res.end(JSON.stringify(history[req.url]));
    if (req.url === '/v1/auth/login') return void res.end(JSON.stringify({ token: 'tok', expiresAt: 0, user: { id: 'ua', username: 'alice' } }));
    if (req.url === '/v1/auth/switch') return void res.end(JSON.stringify({ token: 'tok-work', expiresAt: 0, user: { id: 'uw', username: 'work' } }));
    res.statusCode = 403;
    res.end(JSON.stringify({ error: { code: 'not_member', message: 'nope' } }));
  });
  const wss = new WebSocketServer({ server: http });
  const sockets: WsSocket[] = [];
  const received: Array<Record<string, unknown>> = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Record<string, unknown>;
      received.push(f);
      const user = f.token === 'tok-work' ? { id: 'uw', username: 'work' } : { id: 'ua', username: 'alice' };
      if (f.type === 'auth') ws.send(JSON.stringify({ type: 'ready', user, connectionId: `c${sockets.length}`, limits: {} }));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    sockets,
    received,
    close: async () => {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
};
const m = (seq: number): MessageFrame => ({ type: 'message', conversation: 'g.c', id: `m${seq}`, seq, ts: seq, sender: { id: 'ub', username: 'bob' }, clientMsgId: `x${seq}`, kind: 'text', content: `#${seq}` });

test('the SDK emits each message once in order, re-sends unacked messages with the same id after a drop, and resumes', async () => {
  const server = await scriptedServer();
  const client = new ParleyClient({ url: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor, minReconnectDelayMs: 10, maxReconnectDelayMs: 20 });
  try {
    await client.login('alice', 'pw');
    const got: number[] = [];
    client.on('message', (x) => got.push(x.seq));
    await client.connect();
    const first = server.sockets[0]!;
    first.send(JSON.stringify(m(1)));
    first.send(JSON.stringify(m(2)));
    first.send(JSON.stringify(m(2)));
    await until(() => got.length === 2);
    const sent = client.send('g.c', 'mine', { clientMsgId: 'own-1' });
    await until(() => server.received.some((f) => f.clientMsgId === 'own-1'));
    first.terminate();
    await until(() => server.sockets.length === 2 && server.received.filter((f) => f.clientMsgId === 'own-1').length === 2);
    const auth = server.received.filter((f) => f.type === 'auth');
    assert.deepEqual(auth[1]?.resume, { 'g.c': 2 }, 'reconnect resumes from the last seq seen');
    assert.deepEqual(server.received.filter((f) => f.clientMsgId === 'own-1').map((f) => f.seenSeq), [2, 2], 'the re-send says what the client had seen when it first sent');
    const second = server.sockets[1]!;
    // The ack for our message (seq 4) arrives before message 3: ours waits for 3.
    second.send(JSON.stringify({ type: 'ack', conversation: 'g.c', clientMsgId: 'own-1', id: 'm4', seq: 4, ts: 4 }));
    assert.deepEqual(await sent, { conversation: 'g.c', clientMsgId: 'own-1', id: 'm4', seq: 4, ts: 4 });
    assert.deepEqual(got, [1, 2]);
    second.send(JSON.stringify(m(3)));
    await until(() => got.length === 4);
    assert.deepEqual(got, [1, 2, 3, 4]);
    assert.deepEqual(client.lastSeqs(), { 'g.c': 4 });
    const rejected = client.send('g.x', 'nope', { clientMsgId: 'bad-1' });
    rejected.catch(() => undefined);
    await until(() => server.received.some((f) => f.clientMsgId === 'bad-1'));
    second.send(JSON.stringify({ type: 'error', code: 'not_member', message: 'You are not a member', ref: 'bad-1' }));
    await assert.rejects(rejected, (e: Error & { code?: string }) => e.code === 'not_member');
    await assert.rejects(client.history('g.x'), (e: Error & { code?: string; status?: number }) => e.code === 'not_member' && e.status === 403);
  } finally {
    client.close();
    await server.close();
  }
});

test('a 4009 close (logged out) stops reconnecting and fails pending sends', async () => {
  const server = await scriptedServer();
  const client = new ParleyClient({ url: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor, minReconnectDelayMs: 10 });
  try {
    await client.login('alice', 'pw');
    await client.connect();
    const pending = client.send('g.c', 'x');
    await until(() => server.received.some((f) => f.type === 'send'));
    server.sockets[0]!.close(4009, 'logged out');
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'unauthenticated');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.sockets.length, 1);
    assert.equal(client.state, 'closed');
  } finally {
    client.close();
    await server.close();
  }
});

test('friend, block, settings, remark and profile frames become events of the same name', async () => {
  const server = await scriptedServer();
  const client = new ParleyClient({ url: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor });
  try {
    await client.login('alice', 'pw');
    const got: Array<[string, unknown]> = [];
    for (const name of ['friend', 'block', 'settings', 'remark', 'profile'] as const) client.on(name, (frame) => got.push([name, frame]));
    await client.connect();
    const frames = [
      { type: 'friend', event: 'requested', from: { id: 'ub', username: 'bob' }, to: { id: 'ua', username: 'alice' }, requestId: 'f1', note: 'hi' },
      { type: 'block', event: 'blocked', profile: { id: 'ub' } },
      { type: 'settings', conversation: 'g.c', settings: { pinned: true, muteUntil: -1, hidden: false, remark: 'team' } },
      { type: 'remark', contact: 'ub', remark: 'Bobby' },
      { type: 'profile', event: 'updated', id: 'ua', displayName: 'Alice' },
    ];
    for (const f of frames) server.sockets[0]!.send(JSON.stringify(f));
    await until(() => got.length === frames.length);
    assert.deepEqual(got, frames.map((f) => [f.type, f]));
  } finally {
    client.close();
    await server.close();
  }
});

test('switchProfile reconnects as the new profile, without the old one\'s positions, and fails its unsent messages', async () => {
  const server = await scriptedServer();
  const client = new ParleyClient({ url: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor, positions: { 'g.c': 2 } });
  try {
    await client.login('alice', 'pw');
    await client.connect();
    const pending = client.send('g.c', 'as alice');
    pending.catch(() => undefined);
    await until(() => server.received.some((f) => f.type === 'send'));
    const ready = new Promise((resolve) => client.once('ready', resolve));
    await client.switchProfile('uw');
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'closed');
    assert.deepEqual(await ready, { type: 'ready', user: { id: 'uw', username: 'work' }, connectionId: 'c2', limits: {} });
    assert.deepEqual(client.me, { id: 'uw', username: 'work' });
    const auths = server.received.filter((f) => f.type === 'auth');
    assert.deepEqual(auths[0], { type: 'auth', token: 'tok', resume: { 'g.c': 2 } });
    assert.deepEqual(auths[1], { type: 'auth', token: 'tok-work' }, 'the new profile resumes nothing of the old one');
    assert.deepEqual(client.lastSeqs(), {});
    assert.equal(client.state, 'open');
  } finally {
    client.close();
    await server.close();
  }
});

test('invitation and join_request frames become events; a removal stops resuming the group, a dissolution does not', async () => {
  const server = await scriptedServer();
  const client = new ParleyClient({ url: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor, positions: { 'g.gone': 5, 'g.ended': 7 } });
  try {
    await client.login('alice', 'pw');
    const got: Array<[string, unknown]> = [];
    for (const name of ['invitation', 'join_request', 'conversation'] as const) client.on(name, (frame) => got.push([name, frame]));
    await client.connect();
    const frames = [
      { type: 'invitation', event: 'received', conversation: 'g.c', name: 'Team', invitedBy: { id: 'ub', username: 'bob' } },
      { type: 'join_request', event: 'requested', conversation: 'g.c', name: 'Team', user: { id: 'uc', username: 'carol' }, note: 'hi' },
      { type: 'conversation', event: 'removed', conversation: 'g.gone', kind: 'group', name: 'Gone', members: [{ id: 'ua', username: 'alice' }], lastSeq: 6 },
      { type: 'conversation', event: 'dissolved', conversation: 'g.ended', kind: 'group', name: 'Ended', lastSeq: 8 },
    ];
    for (const f of frames) server.sockets[0]!.send(JSON.stringify(f));
    await until(() => got.length === frames.length);
    assert.deepEqual(got, frames.map((f) => [f.type, f]));
    assert.deepEqual(client.lastSeqs(), { 'g.ended': 7 });
  } finally {
    client.close();
    await server.close();
  }
});

test('send puts kind, body, replyTo and mentions on the wire, and the own message emitted on the ack carries them', async () => {
  const server = await scriptedServer();
  const client = new ParleyClient({ url: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor });
  try {
    await client.login('alice', 'pw');
    const got: MessageFrame[] = [];
    client.on('message', (x) => got.push(x));
    await client.connect();
    const body = { latitude: 52.52, longitude: 13.405, name: 'Berlin' };
    const sent = client.send('g.c', '[Location] Berlin', { clientMsgId: 'loc-1', kind: 'location', body, replyTo: 3, mentions: ['ub', 'all', 'ub'] });
    const plain = client.send('g.c', 'plain', { clientMsgId: 'txt-1' });
    await until(() => server.received.filter((f) => f.type === 'send').length === 2);
    const [first, second] = server.received.filter((f) => f.type === 'send');
    assert.deepEqual(first, { type: 'send', conversation: 'g.c', clientMsgId: 'loc-1', content: '[Location] Berlin', kind: 'location', body, replyTo: 3, mentions: ['ub', 'all'] });
    assert.deepEqual(second, { type: 'send', conversation: 'g.c', clientMsgId: 'txt-1', content: 'plain', kind: 'text' }, 'nothing extra when none is given (nor seenSeq: it has seen nothing of g.c)');
    server.sockets[0]!.send(JSON.stringify({ type: 'ack', conversation: 'g.c', clientMsgId: 'loc-1', id: 'm1', seq: 1, ts: 1 }));
    server.sockets[0]!.send(JSON.stringify({ type: 'ack', conversation: 'g.c', clientMsgId: 'txt-1', id: 'm2', seq: 2, ts: 2 }));
    await Promise.all([sent, plain]);
    assert.deepEqual(got, [
      { type: 'message', conversation: 'g.c', id: 'm1', seq: 1, ts: 1, sender: { id: 'ua', username: 'alice' }, clientMsgId: 'loc-1', kind: 'location', content: '[Location] Berlin', body, replyTo: 3, mentions: ['ub', 'all'] },
      { type: 'message', conversation: 'g.c', id: 'm2', seq: 2, ts: 2, sender: { id: 'ua', username: 'alice' }, clientMsgId: 'txt-1', kind: 'text', content: 'plain' },
    ]);
    const refused = client.send('g.c', 'x', { kind: 'sticker', body: { pack: 'p', sticker: 'S!' } });
    await until(() => server.received.filter((f) => f.type === 'send').length === 3);
    const ref = String(server.received.at(-1)!.clientMsgId);
    server.sockets[0]!.send(JSON.stringify({ type: 'error', code: 'invalid_frame', message: 'body does not match kind "sticker"', ref }));
    await assert.rejects(refused, (e: Error & { code?: string }) => e.code === 'invalid_frame');
  } finally {
    client.close();
    await server.close();
  }
});

test('an uploaded file goes out as its ref, and the own message emitted on the ack describes the file, as the server delivers it', async () => {
  const server = await scriptedServer();
  const files = await uploadTestServer({ chunkBytes: 4 });
  const client = new ParleyClient({ url: files.url, realtimeUrl: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor });
  try {
    client.useToken('tok', { id: 'ua', username: 'alice' });
    const got: MessageFrame[] = [];
    client.on('message', (x) => got.push(x));
    await client.connect();
    const { attachment, ref } = await client.uploads.upload(new Uint8Array([1, 2, 3, 4, 5]), { kind: 'image', name: 'cat.png' });
    const sent = client.send('g.c', '[Image] cat.png', { clientMsgId: 'img-1', kind: 'image', body: { attachment: ref } });
    const foreign = client.send('g.c', '[File] x', { clientMsgId: 'file-1', kind: 'file', body: { attachment: 'ref.elsewhere' } });
    await until(() => server.received.filter((f) => f.type === 'send').length === 2);
    assert.deepEqual(server.received.find((f) => f.type === 'send'), { type: 'send', conversation: 'g.c', clientMsgId: 'img-1', content: '[Image] cat.png', kind: 'image', body: { attachment: ref } });
    server.sockets[0]!.send(JSON.stringify({ type: 'ack', conversation: 'g.c', clientMsgId: 'img-1', id: 'm1', seq: 1, ts: 1 }));
    server.sockets[0]!.send(JSON.stringify({ type: 'ack', conversation: 'g.c', clientMsgId: 'file-1', id: 'm2', seq: 2, ts: 2 }));
    await Promise.all([sent, foreign]);
    assert.deepEqual(got.map((m) => m.body), [{ attachment }, { attachment: 'ref.elsewhere' }], 'a ref this client did not complete stays as sent');
  } finally {
    client.close();
    await server.close();
    await files.close();
  }
});

/** Compiled, never run: `body` is typed by `kind`. */
export function sendIsTypedByKind(client: ParleyClient): void {
  void client.send('g.c', 'hi', { body: { spans: [{ start: 0, end: 2, style: 'bold' }] } });
  void client.send('g.c', 'x', { kind: 'contact', body: { profile: 'ub' } });
  // @ts-expect-error a location needs its coordinates
  void client.send('g.c', 'x', { kind: 'location', body: { name: 'Berlin' } });
  // @ts-expect-error a link's body is not a sticker's
  void client.send('g.c', 'x', { kind: 'link', body: { pack: 'p', sticker: 's' } });
  void client.send('g.c', '[Image] cat.png', { kind: 'image', body: { attachment: 'ref' } });
  void client.send('g.c', 'a caption', { kind: 'file', body: { attachment: 'ref' } });
  // @ts-expect-error an attachment kind is sent with its upload's ref, not the file's description
  void client.send('g.c', 'x', { kind: 'video', body: { attachment: { id: 'f', kind: 'video', mime: 'video/mp4', size: 1, name: 'v.mp4' } } });
  // @ts-expect-error not a kind
  void client.send('g.c', 'x', { kind: 'audio' });
}

test('a re-send refused with dedupe_expired is looked up in the history: found, the send resolves with it; not found, it goes again under a new id', async () => {
  const message = (seq: number, clientMsgId: string) => ({ conversation: 'g.c', id: `m${seq}`, seq, ts: seq, sender: { id: 'ua', username: 'alice' }, clientMsgId, kind: 'text', content: 'x' });
  const server = await scriptedServer({
    '/v1/conversations/g.c/messages?after=0&limit=200': { messages: [message(1, 'other'), message(2, 'stored-1')], hasMore: true },
    '/v1/conversations/g.c/messages?after=2&limit=200': { messages: [message(3, 'other-2')], hasMore: false },
  });
  const client = new ParleyClient({ url: server.url, WebSocket: WebSocket as unknown as WebSocketConstructor, minReconnectDelayMs: 10 });
  try {
    await client.login('alice', 'pw');
    await client.connect();
    const stored = client.send('g.c', 'x', { clientMsgId: 'stored-1' });
    const lost = client.send('g.c', 'y', { clientMsgId: 'lost-1' });
    await until(() => server.received.filter((f) => f.type === 'send').length === 2);
    assert.deepEqual(server.received.filter((f) => f.type === 'send').map((f) => f.seenSeq), [undefined, undefined], 'a client that has seen nothing of g.c says nothing');
    for (const ref of ['stored-1', 'lost-1']) server.sockets[0]!.send(JSON.stringify({ type: 'error', code: 'dedupe_expired', message: 'forgotten', ref }));
    assert.deepEqual(await stored, { conversation: 'g.c', clientMsgId: 'stored-1', id: 'm2', seq: 2, ts: 2 }, 'found on the first page');
    await until(() => server.received.filter((f) => f.type === 'send').length === 3);
    const again = server.received.filter((f) => f.type === 'send')[2]!;
    assert.notEqual(again.clientMsgId, 'lost-1', 'not in the history: sent again under a new id');
    assert.equal(again.seenSeq, 3, 'with the end of the history it read as seen: refused again it would loop');
    assert.equal(again.content, 'y');
    server.sockets[0]!.send(JSON.stringify({ type: 'ack', conversation: 'g.c', clientMsgId: again.clientMsgId, id: 'm4', seq: 4, ts: 4 }));
    assert.deepEqual(await lost, { conversation: 'g.c', clientMsgId: again.clientMsgId, id: 'm4', seq: 4, ts: 4 });
  } finally {
    client.close();
    await server.close();
  }
});
