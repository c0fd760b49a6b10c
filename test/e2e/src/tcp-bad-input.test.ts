import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@parley/core/conformance';
import { TcpServerFrame, compile, encodeTcpFrame } from '@parley/protocol';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import { connectRawTcp, type Frame } from './raw-tcp.js';
import { inbox, newUser } from './clients.js';

/**
 * Bad input on the raw TCP port (docs/PROTOCOL.md "TCP"): each case ends the way the document says (an
 * error frame, or a final `close` frame and then the socket closed), and afterwards the server still serves
 * a well-behaved WebSocket client and other TCP connections.
 */

/** Default frame limit: min(1 MiB, max(65536, 6 x 16384 + 1024)). */
const MAX_FRAME_BYTES = 99_328;
/** Small heartbeat settings so a slow-loris is dropped in about two seconds. */
const HEARTBEAT_INTERVAL_MS = 400;
const HEARTBEAT_TIMEOUT_MS = 1600;
/** Allowance over a documented bound for a busy test machine (2 cores shared with other work). */
const SLACK_MS = 1500;

const tcpFrame = compile(TcpServerFrame);

interface RawTcp {
  readonly socket: Socket;
  /** Every frame received, in order. */
  readonly frames: Frame[];
  /** Resolves when the socket closes, with the time (ms since the epoch) it did. */
  readonly ended: Promise<number>;
  /** Writes one frame: an object as JSON, a string as is. */
  send(frame: unknown): void;
  /** The first frame not yet taken that matches, waiting at most `ms`. */
  next(pred?: (f: Frame) => boolean, ms?: number): Promise<Frame>;
  /** The socket's close, at most `ms` from now; asserts the last frame was a `close` and returns its code. */
  closedWith(ms: number): Promise<number>;
}

/**
 * A raw client of the TCP port: frames through the codec, every received frame checked against the
 * published schema. With `answerHeartbeats` it answers each `heartbeat` with a `ping`, as a client must.
 */
async function rawTcp(
  server: RunningServer,
  options: { answerHeartbeats?: boolean; tls?: { ca: string } } = {},
): Promise<RawTcp> {
  const port = server.tcpPort;
  assert.ok(port, 'the server has a TCP port');
  const frames: Frame[] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  const { socket, ended, send } = await connectRawTcp(port, {
    ...options,
    onFramingError: (error) => assert.equal(error, undefined, 'the server breaks the framing'),
    onFrame: (frame) => {
      assert.ok(
        tcpFrame.check(frame),
        `${JSON.stringify(frame).slice(0, 200)} breaks the schema at ${tcpFrame.lastError?.instancePath}`,
      );
      frames.push(frame);
      for (const w of waiters.splice(0)) w();
    },
  });
  const next = async (pred: (f: Frame) => boolean = () => true, ms = 10_000): Promise<Frame> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = frames.findIndex((f, j) => j >= taken && pred(f));
      if (i >= 0) {
        taken = i + 1;
        return frames[i]!;
      }
      if (Date.now() > deadline)
        throw new Error(
          `no matching frame within ${ms} ms; have ${JSON.stringify(frames.slice(taken)).slice(0, 500)}`,
        );
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return {
    socket,
    frames,
    ended,
    send,
    next,
    async closedWith(ms) {
      await within(ended, ms, 'socket close');
      const last = frames.at(-1);
      assert.equal(last?.type, 'close', `the last frame before the socket closed: ${JSON.stringify(last)}`);
      return last.code as number;
    },
  };
}

/** A TCP connection authenticated as a new user. */
async function authedTcp(server: RunningServer, options: Parameters<typeof rawTcp>[1] = {}) {
  const user = await newUser(server.url, 'tcp');
  const token = (await user.client.login(user.username, 'correct horse battery')).token;
  const c = await rawTcp(server, options);
  /** Before the server can have heard the auth frame: a lower bound of its last-heard time. */
  const authSentAt = Date.now();
  c.send({ type: 'auth', token });
  await c.next((f) => f.type === 'ready');
  return { ...user, token, c, authSentAt };
}

/** The server still serves: two WebSocket (SDK) clients chat, and /healthz answers 200. */
async function stillServes(server: RunningServer): Promise<void> {
  assert.equal(server.process.exitCode, null, 'the server process is alive');
  const a = await newUser(server.url, 'okay');
  const b = await newUser(server.url, 'fine');
  const conv = await a.client.openDirect(b.username);
  const got = inbox(b.client);
  await a.client.connect();
  await b.client.connect();
  const ack = await a.client.send(conv.id, 'still served');
  await eventually(() =>
    assert.deepEqual(
      got.map((m) => [m.seq, m.content]),
      [[ack.seq, 'still served']],
    ),
  );
  a.client.close();
  b.client.close();
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
}

/** Bytes of a 32-bit big-endian length prefix. */
function prefix(length: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, length, false);
  return b;
}

describe('TCP bad input, and heartbeats on both transports', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      env: {
        PARLEY_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
        PARLEY_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
      },
    });
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('truncated frames: a frame cut by the client closing is discarded; the server and a live connection are unaffected', async () => {
    const live = await authedTcp(server);
    const peer = await newUser(server.url, 'peer');
    const conv = await live.client.openDirect(peer.username);
    const sendText = (content: string, id: string) =>
      JSON.stringify({ type: 'send', conversation: conv.id, clientMsgId: id, content });

    // Cut inside the prefix, right after it, and inside the payload of a send (after auth, so it would be stored).
    const cut = await authedTcp(server);
    cut.c.socket.end(Buffer.from(prefix(40).subarray(0, 2)));
    await within(cut.c.ended, 5000, 'close after a cut prefix');
    for (const keep of [4, 20]) {
      const c = await rawTcp(server);
      c.send({ type: 'auth', token: live.token });
      await c.next((f) => f.type === 'ready');
      const whole = encodeTcpFrame(sendText(`never stored ${keep}`, `cut-${keep}`));
      c.socket.end(Buffer.from(whole.subarray(0, keep)));
      await within(c.ended, 5000, `close after a frame cut at byte ${keep}`);
    }

    live.c.send(sendText('after the cuts', 'whole-1'));
    const ack = await live.c.next((f) => f.type === 'ack');
    assert.equal(ack.clientMsgId, 'whole-1');
    const history = await peer.client.history(conv.id);
    assert.deepEqual(
      history.messages.map((m) => m.content),
      ['after the cuts'],
      'no cut frame was stored',
    );
    live.c.socket.end();
    await stillServes(server);
  });

  it('a length prefix over the frame limit gets a final close frame 1009, a zero length 4004; exactly the limit is read', async () => {
    // Exactly the limit: a ping padded with an ignored field to MAX_FRAME_BYTES bytes is answered.
    const atLimit = await rawTcp(server);
    const head = '{"type":"ping","id":"at-limit","pad":"';
    atLimit.send(`${head}${'x'.repeat(MAX_FRAME_BYTES - head.length - 2)}"}`);
    assert.deepEqual(await atLimit.next(), { type: 'pong', id: 'at-limit' });

    // One byte over, before auth and after; and something that is not Parley at all ("GET " read as a length).
    const over = await rawTcp(server);
    over.socket.write(prefix(MAX_FRAME_BYTES + 1));
    assert.equal(await over.closedWith(5000), 1009);
    assert.deepEqual(
      over.frames.map((f) => [f.type, f.code]),
      [
        ['error', 'payload_too_large'],
        ['close', 1009],
      ],
      'an error frame says why, then the final close frame',
    );
    const authed = await authedTcp(server);
    authed.c.socket.write(prefix(0xffffffff));
    assert.equal(await authed.c.closedWith(5000), 1009);
    const http = await rawTcp(server);
    http.socket.write('GET /v1/ws HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.equal(await http.closedWith(5000), 1009);

    const empty = await rawTcp(server);
    empty.socket.write(prefix(0));
    assert.equal(await empty.closedWith(5000), 4004);

    atLimit.send({ type: 'ping', id: 'unaffected' });
    assert.deepEqual(await atLimit.next(), { type: 'pong', id: 'unaffected' });
    atLimit.socket.end();
    await stillServes(server);
  });

  it('slow-loris: a prefix announcing more bytes than ever arrive is closed 4010 within the heartbeat bound', async () => {
    const bound = HEARTBEAT_TIMEOUT_MS + HEARTBEAT_INTERVAL_MS;
    const authed = await authedTcp(server, { answerHeartbeats: false });
    authed.c.socket.write(prefix(100));
    authed.c.socket.write('{"type":"send"');
    const connectingAt = Date.now();
    const preAuth = await rawTcp(server, { answerHeartbeats: false });
    preAuth.socket.write(prefix(100));
    preAuth.socket.write('{"type":"auth"');

    assert.equal(await authed.c.closedWith(bound + SLACK_MS), 4010);
    const authedAfter = (await authed.c.ended) - authed.authSentAt;
    assert.ok(authedAfter >= HEARTBEAT_TIMEOUT_MS - 50, `closed after ${authedAfter} ms, before the timeout`);
    assert.ok(
      authed.c.frames.some((f) => f.type === 'heartbeat'),
      'it was asked (a heartbeat frame) before it was closed',
    );
    // The heartbeat timeout comes before the 10 s auth deadline here, so it closes an unauthenticated one too.
    assert.equal(await preAuth.closedWith(bound + SLACK_MS), 4010);
    const preAuthAfter = (await preAuth.ended) - connectingAt;
    assert.ok(
      preAuthAfter >= HEARTBEAT_TIMEOUT_MS - 50,
      `closed after ${preAuthAfter} ms, before the timeout`,
    );
    await stillServes(server);
  });

  it('garbage before auth: error frames, then 4004 after 50 in a row, or 4001 at the 10 s auth deadline', async () => {
    // One client sends 60 well-framed garbage frames; another a few, then only answers heartbeats, never authenticating.
    const abusive = await rawTcp(server);
    const idle = await rawTcp(server);
    const idleSince = Date.now();
    const garbage = [
      '{not json',
      '[1,2]',
      '{"type":"teleport"}',
      '"just a string"',
      '{"type":"send"}',
      '\u0000\u0001',
    ];
    for (let i = 0; i < 60; i++) abusive.send(garbage[i % garbage.length]!);
    for (const g of garbage) idle.send(g);
    assert.equal(await abusive.closedWith(5000), 4004);
    const errors = abusive.frames.filter((f) => f.type === 'error');
    assert.equal(errors.length, 50, 'an error frame per frame up to the 50th, then the close');
    assert.deepEqual(
      new Set(errors.map((e) => e.code)),
      new Set(['invalid_json', 'invalid_frame', 'unknown_frame']),
    );

    assert.equal(await idle.closedWith(10_000 + SLACK_MS * 2), 4001);
    assert.ok(Date.now() - idleSince >= 10_000 - 100, 'not closed before the auth deadline');
    assert.equal(idle.frames.filter((f) => f.type === 'error').length, garbage.length);
    assert.ok(
      idle.frames.some((f) => f.type === 'heartbeat'),
      'the idle client was asked for heartbeats, answered, and kept until the auth deadline',
    );
    await stillServes(server);
  });

  it('heartbeats, TCP: a client that stops answering is closed 4010 within timeout + interval, and its room sees it go offline', async () => {
    const bound = HEARTBEAT_TIMEOUT_MS + HEARTBEAT_INTERVAL_MS;
    const room = `hb${Date.now().toString(36)}`;
    const watcher = await newUser(server.url, 'watch');
    const states: string[] = [];
    const presence: number[] = [];
    watcher.client.on('room.presence', (p) => presence.push(p.online));
    const roomId = (await watcher.client.joinRoom(room)).id;
    await watcher.client.connect();
    watcher.client.on('state', (s) => states.push(s));
    const joined = async (options: Parameters<typeof rawTcp>[1]) => {
      const u = await newUser(server.url, 'hbtcp');
      await u.client.joinRoom(room);
      const token = (await u.client.login(u.username, 'correct horse battery')).token;
      const c = await rawTcp(server, options);
      const authSentAt = Date.now();
      c.send({ type: 'auth', token });
      await c.next((f) => f.type === 'ready');
      return { c, authSentAt };
    };
    const answering = await joined({ answerHeartbeats: true });
    const silent = await joined({ answerHeartbeats: false });
    await eventually(() => assert.equal(presence.at(-1), 3), bound);

    assert.equal(await silent.c.closedWith(bound + SLACK_MS), 4010);
    const after = (await silent.c.ended) - silent.authSentAt;
    assert.ok(
      after >= HEARTBEAT_TIMEOUT_MS - 50 && after <= bound + SLACK_MS,
      `closed ${after} ms after its last frame`,
    );
    assert.ok(
      silent.c.frames.some((f) => f.type === 'heartbeat'),
      'it was sent a heartbeat frame first',
    );
    await eventually(() => assert.equal(presence.at(-1), 2), 1000);
    assert.ok(
      Date.now() - silent.authSentAt <= bound + SLACK_MS,
      'its presence was cleared within the bound',
    );

    // The client that answers its heartbeats, and the WebSocket client whose library answers pings, stay.
    assert.ok(
      Date.now() - answering.authSentAt > HEARTBEAT_TIMEOUT_MS,
      'the answering client outlived the timeout',
    );
    assert.ok(
      answering.c.frames.some((f) => f.type === 'heartbeat'),
      'the answering client was asked too',
    );
    answering.c.send({ type: 'ping', id: 'alive' });
    assert.deepEqual(await answering.c.next((f) => f.type === 'pong' && f.id === 'alive'), {
      type: 'pong',
      id: 'alive',
    });
    assert.ok(!answering.c.frames.some((f) => f.type === 'close'));
    assert.deepEqual(states, [], 'the WebSocket watcher was never disconnected');
    answering.c.socket.end();
    await eventually(() => assert.equal(presence.at(-1), 1), bound);
    assert.equal(roomId, `r.${room}`);
    watcher.client.close();
  });

  it('heartbeats, WebSocket: a client that does not answer pings is closed 4010 within timeout + interval, and its room sees it go offline', async () => {
    const bound = HEARTBEAT_TIMEOUT_MS + HEARTBEAT_INTERVAL_MS;
    const room = `hbws${Date.now().toString(36)}`;
    const watcher = await newUser(server.url, 'watch');
    const presence: number[] = [];
    watcher.client.on('room.presence', (p) => presence.push(p.online));
    await watcher.client.joinRoom(room);
    await watcher.client.connect();
    const deaf = await newUser(server.url, 'deaf');
    await deaf.client.joinRoom(room);
    const token = (await deaf.client.login(deaf.username, 'correct horse battery')).token;
    // autoPong: false, so protocol pings go unanswered, as from a peer whose network went away.
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, { autoPong: false });
    let pings = 0;
    ws.on('ping', () => pings++);
    const closed = new Promise<{ code: number; at: number }>((resolve) =>
      ws.on('close', (code) => resolve({ code, at: Date.now() })),
    );
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const ready = new Promise<void>((resolve) =>
      ws.on('message', (d) => (JSON.parse(d.toString()) as { type: string }).type === 'ready' && resolve()),
    );
    const authSentAt = Date.now();
    ws.send(JSON.stringify({ type: 'auth', token }));
    await within(ready, 10_000, 'ready');
    await eventually(() => assert.equal(presence.at(-1), 2), bound);

    const { code, at } = await within(closed, bound + SLACK_MS, 'the server closing the deaf WebSocket');
    assert.equal(code, 4010);
    assert.ok(
      at - authSentAt >= HEARTBEAT_TIMEOUT_MS - 50 && at - authSentAt <= bound + SLACK_MS,
      `closed ${at - authSentAt} ms after its last frame`,
    );
    assert.ok(pings >= 1, 'it was pinged first');
    await eventually(() => assert.equal(presence.at(-1), 1), 1000);
    assert.ok(Date.now() - authSentAt <= bound + SLACK_MS, 'its presence was cleared within the bound');
    watcher.client.close();
  });
});

/**
 * A self-signed certificate for localhost and 127.0.0.1 (P-256, valid until 2126), for tests only:
 * openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj /CN=localhost
 *   -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
 */
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUAmosSD5NAfDDEr7bMqGsHe/mUuswCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEzMDA0MzAwNFoYDzIxMjYxMTA2
MDQzMDA0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQBKKZtHVOIfjmZWsL/y5gI1zsykYlviujS7dlpxoRKqc60kPhKxvhz
441nkie8e4IGxjgnTt1JUuVdRIPOuRoJo28wbTAdBgNVHQ4EFgQUiNVkommIqVG9
j6qb7SQ0F436gQ0wHwYDVR0jBBgwFoAUiNVkommIqVG9j6qb7SQ0F436gQ0wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIgbwgAcgDIceaKgq4nOt4qKTzRkLJeUR5QdAXCyKFsb/MCIQDX
xiGsQ5lhPNQxjX7DBNwdO+gG1oGcup/Eyg7QVhXycA==
-----END CERTIFICATE-----
`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQuo/8DgIZGxbsvGt
g1F2zOHLmunao46ijcE/14KEaKChRANCAAQBKKZtHVOIfjmZWsL/y5gI1zsykYlv
iujS7dlpxoRKqc60kPhKxvhz441nkie8e4IGxjgnTt1JUuVdRIPOuRoJ
-----END PRIVATE KEY-----
`;

describe('TLS: handshake garbage drops that socket only', () => {
  let server: RunningServer;
  let certDir: string;
  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'parley-tls-'));
    await writeFile(join(certDir, 'cert.pem'), TEST_CERT);
    await writeFile(join(certDir, 'key.pem'), TEST_KEY);
    server = await startServer({
      env: { PARLEY_TCP_TLS_CERT: join(certDir, 'cert.pem'), PARLEY_TCP_TLS_KEY: join(certDir, 'key.pem') },
    });
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await removeDataDir(certDir);
  });

  /** A plain TCP socket to the TLS port, recording what comes back. */
  const rawSocket = async (): Promise<{ socket: Socket; chunks: Buffer[]; closed: Promise<unknown> }> => {
    const socket = netConnect({ host: '127.0.0.1', port: server.tcpPort! });
    socket.on('error', () => undefined);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise((r) => socket.once('close', r));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return { socket, chunks, closed };
  };

  it('plain frames, random bytes and a broken ClientHello on the TLS port are dropped; a TLS client chats on', async () => {
    assert.ok(
      server.logs.some((l) => /"msg":"tcp listening".*"tls":true/.test(l)),
      'the listener says it speaks TLS',
    );
    const live = await authedTcp(server, { tls: { ca: TEST_CERT } });
    const peer = await newUser(server.url, 'tlspeer');
    const conv = await live.client.openDirect(peer.username);

    const garbage: Array<[string, Uint8Array]> = [
      ['a plain (unencrypted) ping frame', encodeTcpFrame('{"type":"ping"}')],
      ['random bytes', Uint8Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)],
      // A TLS handshake record header announcing a ClientHello, then a body that is not one.
      [
        'a broken ClientHello',
        Uint8Array.from([
          0x16,
          0x03,
          0x01,
          0x00,
          0x40,
          0x01,
          0x00,
          0x00,
          0x3c,
          ...new Array<number>(0x3c).fill(0xee),
        ]),
      ],
    ];
    for (const [what, bytes] of garbage) {
      const { socket, chunks, closed } = await rawSocket();
      socket.write(bytes);
      await within(closed, 5000, `the server dropping ${what}`);
      // Whatever came back (at most a TLS alert), it is not a Parley frame in the clear.
      assert.ok(!Buffer.concat(chunks).includes('"type"'), `${what} got a plaintext answer`);
    }

    live.c.send({ type: 'send', conversation: conv.id, clientMsgId: 'over-tls', content: 'still private' });
    assert.equal((await live.c.next((f) => f.type === 'ack')).clientMsgId, 'over-tls');
    assert.deepEqual(
      (await peer.client.history(conv.id)).messages.map((m) => m.content),
      ['still private'],
    );
    const fresh = await authedTcp(server, { tls: { ca: TEST_CERT } });
    fresh.c.send({ type: 'ping', id: 'new' });
    assert.deepEqual(await fresh.c.next((f) => f.type === 'pong'), { type: 'pong', id: 'new' });
    live.c.socket.end();
    fresh.c.socket.end();
    await stillServes(server);
  });

  it('a TLS handshake that stalls (a record header, then nothing) is dropped at the 10 s handshake deadline', async () => {
    const live = await authedTcp(server, { tls: { ca: TEST_CERT } });
    const stalled = await rawSocket();
    const since = Date.now();
    stalled.socket.write(Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00]));
    await within(stalled.closed, 10_000 + SLACK_MS * 2, 'the server dropping a stalled handshake');
    assert.ok(Date.now() - since >= 10_000 - 100, 'the stalled handshake was given its 10 s');
    assert.ok(!Buffer.concat(stalled.chunks).includes('"type"'));
    live.c.send({ type: 'ping', id: 'unaffected' });
    assert.deepEqual(await live.c.next((f) => f.type === 'pong'), { type: 'pong', id: 'unaffected' });
    live.c.socket.end();
    await stillServes(server);
  });
});
