import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import { newUser } from './clients.js';


/** A raw WebSocket that records frames, for poking the server with what the SDK would never send. */
async function raw(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`);
  const frames: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(d.toString()) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const onClose = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  /** The close event, waited for at most `ms` from now. */
  const closed = (ms = 10_000) => within(onClose, ms, 'close event');
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const next = async (pred: (f: Record<string, unknown>) => boolean = () => true, ms = 10_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = frames.find(pred);
      if (found) {
        frames.splice(frames.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no matching frame; have ${JSON.stringify(frames)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return { ws, next, closed, send: (x: unknown) => ws.send(typeof x === 'string' ? x : JSON.stringify(x)) };
}

describe('bad input gets a clear error and loses nothing', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ env: { PARLEY_MAX_CONTENT_BYTES: '1024' } });
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('WebSocket: every bad frame gets an error frame, the connection survives, acknowledged messages stay', async () => {
    const a = await newUser(server.url, 'bad');
    const b = await newUser(server.url, 'good');
    const conv = await a.client.openDirect(b.username);
    const token = (await a.client.login(a.username, 'correct horse battery')).token;
    const c = await raw(server.url);
    c.send({ type: 'send', conversation: conv.id, clientMsgId: 'early', content: 'x' });
    assert.equal((await c.next()).code, 'unauthenticated');
    c.send({ type: 'auth', token });
    assert.equal((await c.next((f) => f.type === 'ready')).type, 'ready');
    c.send({ type: 'send', conversation: conv.id, clientMsgId: 'ok-1', content: 'kept' });
    const ack = await c.next((f) => f.type === 'ack');
    const cases: Array<[unknown, string]> = [
      ['{this is not json', 'invalid_json'],
      [{ type: 'teleport' }, 'unknown_frame'],
      [{ no: 'type' }, 'unknown_frame'],
      [[1, 2], 'invalid_frame'],
      [{ type: 'send', conversation: conv.id, clientMsgId: 'big', content: 'x'.repeat(1025) }, 'content_too_large'],
      [{ type: 'send', conversation: conv.id, clientMsgId: 'bad id!', content: 'x' }, 'invalid_frame'],
      [{ type: 'send', conversation: 'not a conversation', clientMsgId: 'x1', content: 'x' }, 'invalid_frame'],
      [{ type: 'send', conversation: conv.id, clientMsgId: 'x2' }, 'invalid_frame'],
      [{ type: 'send', conversation: 'g.someoneelses', clientMsgId: 'x3', content: 'x' }, 'not_member'],
      [{ type: 'read', conversation: conv.id, seq: -1 }, 'invalid_frame'],
      [{ type: 'auth', token }, 'bad_request'],
    ];
    for (const [frame, code] of cases) {
      c.send(frame);
      const error = await c.next((f) => f.type === 'error');
      assert.equal(error.code, code, `${JSON.stringify(frame).slice(0, 60)} -> ${code}`);
      assert.equal(typeof error.message, 'string');
    }
    c.send({ type: 'send', conversation: conv.id, clientMsgId: 'ok-2', content: 'still here' });
    const ack2 = await c.next((f) => f.type === 'ack');
    assert.equal(ack2.seq, (ack.seq as number) + 1);
    const history = await b.client.history(conv.id);
    assert.deepEqual(history.messages.map((m) => m.content), ['kept', 'still here']);
    c.ws.close();
  });

  it('WebSocket: an invalid token gets an error frame and close code 4003; an oversized frame an error, past the hard cap a drop', async () => {
    const c = await raw(server.url);
    c.send({ type: 'auth', token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' });
    assert.equal((await c.next()).code, 'invalid_token');
    assert.equal((await c.closed()).code, 4003);
    const d = await raw(server.url);
    d.send('x'.repeat(200 * 1024));
    assert.equal((await d.next()).code, 'payload_too_large');
    d.send({ type: 'ping', id: 'still-open' });
    assert.deepEqual(await d.next(), { type: 'pong', id: 'still-open' });
    d.send('x'.repeat(2 * 1024 * 1024));
    assert.ok([1006, 1009].includes((await d.closed()).code));
  });

  it('WebSocket: a text frame that is not UTF-8 drops the connection (1006, PROTOCOL.md close codes); the same bytes in a binary frame are decoded with U+FFFD', async () => {
    const bin = await raw(server.url);
    bin.ws.send(Buffer.from([...Buffer.from('{"type":"ping","id":"'), 0xff, ...Buffer.from('"}')]), { binary: true });
    assert.deepEqual(await bin.next(), { type: 'pong', id: '\uFFFD' });
    bin.ws.close();
    const text = await raw(server.url);
    text.ws.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });
    assert.equal((await text.closed()).code, 1006);
  });

  it('HTTP: malformed bodies, missing and invalid tokens, non-members and revoked tokens get 4xx with a code', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const bodyOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
    let res = await post('/v1/auth/register', '{"username":');
    assert.deepEqual([res.status, await bodyOf(res)], [400, 'invalid_json']);
    res = await post('/v1/auth/register', JSON.stringify({ username: 'A B', password: 'longenough' }));
    assert.deepEqual([res.status, await bodyOf(res)], [400, 'bad_request']);
    res = await post('/v1/auth/register', JSON.stringify({ username: 'shorty', password: 'short' }));
    assert.deepEqual([res.status, await bodyOf(res)], [400, 'bad_request']);
    res = await post('/v1/auth/login', JSON.stringify({ username: 'nobody-here', password: 'whatever1' }));
    assert.deepEqual([res.status, await bodyOf(res)], [401, 'invalid_credentials']);
    res = await post('/v1/auth/register', JSON.stringify({ username: 'big', password: 'x'.repeat(100 * 1024) }));
    assert.deepEqual([res.status, await bodyOf(res)], [413, 'payload_too_large']);
    res = await fetch(`${server.url}/v1/conversations`);
    assert.deepEqual([res.status, await bodyOf(res)], [401, 'unauthenticated']);
    res = await fetch(`${server.url}/v1/conversations`, { headers: { authorization: 'Bearer not.a.realtoken' } });
    assert.deepEqual([res.status, await bodyOf(res)], [401, 'invalid_token']);
    res = await fetch(`${server.url}/v1/nope`);
    assert.deepEqual([res.status, await bodyOf(res)], [404, 'not_found']);

    const a = await newUser(server.url, 'own');
    const b = await newUser(server.url, 'other');
    const c = await newUser(server.url, 'third');
    const conv = await a.client.openDirect(b.username);
    await assert.rejects(c.client.history(conv.id), (e: Error & { status?: number; code?: string }) => e.status === 403 && e.code === 'not_member');
    const token = (await c.client.login(c.username, 'correct horse battery')).token;
    await c.client.logout();
    res = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual([res.status, await bodyOf(res)], [401, 'token_revoked']);
    const w = await raw(server.url);
    w.send({ type: 'auth', token });
    assert.equal((await w.next()).code, 'token_revoked');
    assert.equal((await w.closed()).code, 4003);
  });

  it('HTTP: a member asking for 5000 messages of history gets 400 bad_request naming "limit"', async () => {
    const a = await newUser(server.url, 'limit');
    const b = await newUser(server.url, 'limited');
    const conv = await a.client.openDirect(b.username);
    const token = (await a.client.login(a.username, 'correct horse battery')).token;
    const history = (limit: number) => fetch(`${server.url}/v1/conversations/${encodeURIComponent(conv.id)}/messages?limit=${limit}`, { headers: { authorization: `Bearer ${token}` } });
    // The same request within the documented bound (1-200) is answered: membership and the id are fine.
    const ok = await history(200);
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(((await ok.json()) as { messages: unknown[] }).messages, []);
    const res = await history(5000);
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as { error: { code: string; message: string; details?: { field?: string } } };
    assert.equal(error.code, 'bad_request');
    assert.equal(error.details?.field, 'limit');
    assert.match(error.message, /"limit"/);
  });

  it('logout answers 204, closes the live connections that used the token with 4009, and the token is refused after', async () => {
    const a = await newUser(server.url, 'leaver');
    const token = (await a.client.login(a.username, 'correct horse battery')).token;
    // A raw socket, not the SDK: the SDK closes its own socket (1000) once logout answers, which would race the server's 4009.
    const live = await raw(server.url);
    live.send({ type: 'auth', token });
    assert.equal((await live.next((f) => f.type === 'ready')).type, 'ready');
    const res = await fetch(`${server.url}/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 204, await res.text());
    const close = await live.closed(10_000);
    assert.equal(close.code, 4009, `closed with ${close.code} ${close.reason}`);
    // HTTP refuses the token.
    const me = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 401);
    assert.equal(((await me.json()) as { error: { code: string } }).error.code, 'token_revoked');
    // A new WebSocket refuses it too: an error frame, then close 4003.
    const again = await raw(server.url);
    again.send({ type: 'auth', token });
    assert.equal((await again.next()).code, 'token_revoked');
    assert.equal((await again.closed(10_000)).code, 4003);
  });
});
