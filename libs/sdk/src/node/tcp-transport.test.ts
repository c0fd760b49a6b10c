import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { TcpFrameDecoder, encodeTcpFrame, type MessageFrame } from '@parley/protocol';
import { ParleyClient } from '../parley-client.js';
import { tcpTransport, type TcpTransportOptions } from './tcp-transport.js';
import { TEST_CERT, TEST_KEY } from './test-certificate.js';

/** A scripted Parley server on a real TCP socket: it speaks the framing, records frames, lets the test answer. */
async function tcpServer(secure = false) {
  const sockets: Socket[] = [];
  const received: Array<Record<string, unknown>> = [];
  const onSocket = (socket: Socket) => {
    sockets.push(socket);
    const decoder = new TcpFrameDecoder(1 << 20);
    socket.on('data', (chunk) => {
      for (const bytes of decoder.push(chunk).frames) {
        const f = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
        received.push(f);
        if (f.type === 'auth') socket.write(encodeTcpFrame(JSON.stringify({ type: 'ready', user: { id: 'ua', username: 'alice' }, connectionId: `c${sockets.length}`, limits: {} })));
      }
    });
    socket.on('error', () => undefined);
  };
  const server: Server = secure ? createTlsServer({ key: TEST_KEY, cert: TEST_CERT }, onSocket) : createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${secure ? 'tls' : 'tcp'}://127.0.0.1:${port}`,
    sockets,
    received,
    send: (socket: Socket, frame: unknown) => socket.write(encodeTcpFrame(JSON.stringify(frame))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
};
const m = (seq: number): MessageFrame => ({ type: 'message', conversation: 'g.c', id: `m${seq}`, seq, ts: seq, sender: { id: 'ub', username: 'bob' }, clientMsgId: `x${seq}`, kind: 'text', content: `#${seq} ünïcödé 🙂` });

function client(realtimeUrl: string, transport: TcpTransportOptions = {}) {
  const c = new ParleyClient({ url: 'http://127.0.0.1:1', realtimeUrl, transports: [tcpTransport(transport)], minReconnectDelayMs: 10, maxReconnectDelayMs: 20 });
  c.useToken('tok');
  return c;
}

test('frames split across reads (one byte at a time, and coalesced) reach the client whole and in order', async () => {
  const server = await tcpServer();
  const c = client(server.url);
  try {
    const got: MessageFrame[] = [];
    c.on('message', (x) => got.push(x));
    await c.connect();
    assert.deepEqual(server.received[0], { type: 'auth', token: 'tok' });
    const socket = server.sockets[0]!;
    socket.setNoDelay(true);
    const bytes = Buffer.concat([m(1), m(2)].map((f) => encodeTcpFrame(JSON.stringify(f))));
    for (const byte of bytes) {
      socket.write(Buffer.of(byte));
      await new Promise((r) => setImmediate(r));
    }
    socket.write(Buffer.concat([m(3), m(4), m(5)].map((f) => encodeTcpFrame(JSON.stringify(f)))));
    await until(() => got.length === 5);
    assert.deepEqual(got, [m(1), m(2), m(3), m(4), m(5)]);
    const ack = c.send('g.c', 'mine', { clientMsgId: 'own-1' });
    await until(() => server.received.some((f) => f.clientMsgId === 'own-1'));
    server.send(socket, { type: 'ack', conversation: 'g.c', clientMsgId: 'own-1', id: 'm6', seq: 6, ts: 6 });
    assert.equal((await ack).seq, 6);
  } finally {
    c.close();
    await server.close();
  }
});

test('the close frame is the close code: 4009 stops for good and fails pending sends; 1001 reconnects and resumes', async () => {
  const server = await tcpServer();
  const c = client(server.url);
  try {
    const closes: Array<{ code?: number; reason?: string } | undefined> = [];
    c.on('state', (state, info) => state === 'closed' && closes.push(info));
    await c.connect();
    server.send(server.sockets[0]!, m(1));
    await until(() => c.lastSeq('g.c') === 1);
    server.send(server.sockets[0]!, { type: 'close', code: 1001, reason: 'draining' });
    server.sockets[0]!.end();
    await until(() => server.received.filter((f) => f.type === 'auth').length === 2 && c.state === 'open');
    assert.deepEqual(closes, [{ code: 1001, reason: 'draining' }]);
    assert.deepEqual(server.received.filter((f) => f.type === 'auth')[1], { type: 'auth', token: 'tok', resume: { 'g.c': 1 } });
    const pending = c.send('g.c', 'x');
    await until(() => server.received.some((f) => f.type === 'send'));
    server.send(server.sockets[1]!, { type: 'close', code: 4009, reason: 'logged out' });
    await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'unauthenticated' && /logged out/.test(e.message));
    assert.deepEqual(closes[1], { code: 4009, reason: 'logged out' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.sockets.length, 2, 'no reconnect after 4009');
    assert.equal(c.state, 'closed');
  } finally {
    c.close();
    await server.close();
  }
});

test('a heartbeat is answered with a ping, and neither control frame reaches the app', async () => {
  const server = await tcpServer();
  const c = client(server.url);
  try {
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    server.send(server.sockets[0]!, { type: 'heartbeat' });
    await until(() => server.received.some((f) => f.type === 'ping'));
    assert.deepEqual(server.received.map((f) => f.type), ['auth', 'ping']);
    assert.deepEqual(errors, []);
  } finally {
    c.close();
    await server.close();
  }
});

test('an idle connection is pinged; a server that answers nothing is dropped (1006) and the client reconnects', async () => {
  const server = await tcpServer();
  const c = client(server.url, { pingAfterMs: 100, deadAfterMs: 100 });
  try {
    const closes: Array<{ code?: number; reason?: string } | undefined> = [];
    c.on('state', (state, info) => state === 'closed' && closes.push(info));
    await c.connect();
    // The server answers the first ping (the connection stays), then goes silent.
    await until(() => server.received.filter((f) => f.type === 'ping').length === 1);
    server.send(server.sockets[0]!, { type: 'pong' });
    await until(() => server.received.filter((f) => f.type === 'ping').length === 2);
    assert.equal(server.sockets.length, 1, 'an answered ping keeps the connection');
    await until(() => server.sockets.length === 2);
    assert.equal(closes[0]?.code, 1006);
    assert.match(closes[0]?.reason ?? '', /no answer from the server/);
  } finally {
    c.close();
    await server.close();
  }
});

test('tls:// with the server certificate as ca connects; without it the connection is refused', async () => {
  const server = await tcpServer(true);
  const c = client(server.url.replace('127.0.0.1', 'localhost'), { ca: TEST_CERT });
  const untrusting = new ParleyClient({ url: 'http://127.0.0.1:1', realtimeUrl: server.url, transports: [tcpTransport()], reconnect: false });
  untrusting.useToken('tok');
  try {
    const ready = await c.connect();
    assert.equal(ready.user.username, 'alice');
    await assert.rejects(untrusting.connect(), /certificate/);
  } finally {
    c.close();
    untrusting.close();
    await server.close();
  }
});

test('a tcp:// URL without a TCP transport fails connect() with a hint', async () => {
  const c = new ParleyClient({ url: 'http://127.0.0.1:1', realtimeUrl: 'tcp://127.0.0.1:9' });
  c.useToken('tok');
  await assert.rejects(c.connect(), /@parley\/sdk\/node/);
});
