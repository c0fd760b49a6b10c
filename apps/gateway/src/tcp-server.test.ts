import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { once } from 'node:events';
import { silentLogger } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { MemoryPresence } from '@parley/presence-memory';
import { Topics } from '@parley/domain';
import { AttachmentSigner, TokenService, createAuthenticator } from '@parley/auth';
import { commandCodec } from '@parley/schemas';
import { CloseCodes, TcpFrameDecoder, encodeTcpFrame, type MessageFrame } from '@parley/protocol';
import { Gateway, type GatewayLimits, type GatewayOptions } from './gateway.js';
import { TcpServer, type TcpServerOptions } from './tcp-server.js';
import type { ClientSocket } from './socket.js';
import type { HeartbeatConfig } from './transport-config.js';

// The real Gateway over the embedded log, behind a real TcpServer on port 0; each test builds its own pair.
const dir = await mkdtemp(join(tmpdir(), 'parley-tcp-'));
const log = await EmbeddedLog.open({ dir });
await log.createTopics([{ name: Topics.commands, partitions: 1 }, { name: Topics.events, partitions: 1 }]);
const presence = new MemoryPresence({ ttlMs: 10_000 });
const tokens = new TokenService({ secret: randomBytes(32), ttlSeconds: 600 });
const teardown: Array<() => Promise<void>> = [];
after(async () => {
  for (const t of teardown.reverse()) await t();
  await presence.close();
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const limits: GatewayLimits = {
  maxContentBytes: 100_000, maxFrameBytes: 1000, maxPendingSends: 10, maxResumeConversations: 10, authTimeoutMs: 5000,
  framesPerSecond: 1000, frameBurst: 1000, maxBufferedBytes: 1 << 20, maxConsecutiveErrors: 100, maxAheadPerConversation: 100,
  maxGatewayPendingSends: 1000,
};
let gatewayCount = 0;

function newGateway(overrides: { limits?: Partial<GatewayLimits>; clientHeartbeat?: HeartbeatConfig } = {}): Gateway {
  const options: GatewayOptions = {
    gatewayId: `gw-tcp${++gatewayCount}`,
    log,
    presence,
    authenticate: createAuthenticator(tokens, async () => false),
    attachments: new AttachmentSigner(randomBytes(32)),
    attachmentHeld: async () => true,
    history: async () => ({ messages: [], lastSeq: 0 }),
    awaitProjection: async () => true,
    directory: { privacyOf: async () => new Map(), contactsOf: async () => [], isMember: async () => true, canType: async () => true, memberIds: async () => [] },
    receiptFlushMs: 20,
    logger: silentLogger,
    heartbeatMs: 60_000,
    clientHeartbeat: overrides.clientHeartbeat ?? { intervalMs: 60_000, timeoutMs: 120_000 },
    limits: { ...limits, ...overrides.limits },
  };
  const gateway = new Gateway(options);
  gateway.start();
  teardown.push(() => gateway.drain());
  return gateway;
}

async function newServer(gateway: Gateway | undefined, overrides: Partial<TcpServerOptions> = {}): Promise<TcpServer> {
  const server = new TcpServer({
    host: '127.0.0.1', port: 0, gateway: () => gateway, logger: silentLogger,
    maxFrameBytes: limits.maxFrameBytes, maxBackpressureBytes: 16 << 20, closeLingerMs: 10_000, ...overrides,
  });
  await server.start();
  teardown.push(() => server.close());
  return server;
}

type Frame = Record<string, unknown> & { type: string };

/** A raw TCP client: every frame it receives, and whether the server ended the connection. */
async function client(port: number) {
  const socket: Socket = netConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  const frames: Frame[] = [];
  const decoder = new TcpFrameDecoder(1 << 24);
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk).frames) frames.push(JSON.parse(Buffer.from(f).toString('utf8')) as Frame);
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => ((ended = true), resolve())));
  socket.on('error', () => undefined);
  teardown.push(async () => void socket.destroy());
  return {
    socket, frames, closed,
    get ended() { return ended; },
    say: (frame: unknown) => socket.write(encodeTcpFrame(JSON.stringify(frame))),
    /** Resolves with the first received frame of `type` (bounded wait). */
    next: (type: string, timeoutMs = 5000) => eventually(() => {
      const f = frames.find((x) => x.type === type);
      assert.ok(f, `no ${type} frame; got ${frames.map((x) => x.type).join(',')}`);
      return f;
    }, timeoutMs),
  };
}

async function authed(port: number, id: string, username: string) {
  const { token } = await tokens.issue({ id, username, loginId: id });
  const c = await client(port);
  c.say({ type: 'auth', token });
  const ready = await c.next('ready');
  return Object.assign(c, { connectionId: String(ready.connectionId) });
}

/** The final frame before the socket closed, once it closed. */
async function finalFrame(c: Awaited<ReturnType<typeof client>>): Promise<Frame | undefined> {
  await eventually(() => assert.ok(c.ended, 'the server closed the connection'), 10_000);
  return c.frames.at(-1);
}

test('auth, send becomes a command on the log, ack to the origin, message to the other connection; ping gets pong', async () => {
  const gateway = newGateway();
  const server = await newServer(gateway);
  const alice = await authed(server.port, 'ua', 'alice');
  const bob = await authed(server.port, 'ub', 'bob');
  alice.say({ type: 'ping', id: 'p1' });
  assert.deepEqual(await alice.next('pong'), { type: 'pong', id: 'p1' });
  const before = await log.endOffset(Topics.commands, 0);
  alice.say({ type: 'send', conversation: 'g.tcp', clientMsgId: 't1', content: 'hello over tcp' });
  await eventually(async () => assert.equal(await log.endOffset(Topics.commands, 0), before + 1));
  const [record] = await log.read(Topics.commands, 0, before, 1);
  const command = commandCodec.decode(record!.value);
  assert.deepEqual(command.actor, { userId: 'ua', username: 'alice' });
  assert.equal(command.origin?.connectionId, alice.connectionId);
  assert.deepEqual(command.payload, { type: 'SendMessage', clientMsgId: 't1', kind: 'text', content: 'hello over tcp', body: '', replyTo: 0, mentions: [], forwarded: false, seenSeq: -1 });
  const m: MessageFrame = { type: 'message', conversation: 'g.tcp', id: 'm1', seq: 1, ts: 1, sender: { id: 'ua', username: 'alice' }, clientMsgId: 't1', kind: 'text', content: 'hello over tcp' };
  const ack = { type: 'ack', conversation: 'g.tcp', clientMsgId: 't1', id: 'm1', seq: 1, ts: 1 };
  await gateway.deliver([{ frame: m, userIds: ['ua', 'ub'], conversation: 'g.tcp', seq: 1, origin: { connectionId: alice.connectionId, frame: ack } }]);
  assert.deepEqual(await alice.next('ack'), ack);
  assert.deepEqual(await bob.next('message'), m);
  assert.equal(alice.frames.some((f) => f.type === 'message'), false, 'the origin gets the ack, not the message');
});

test('bad token: error invalid_token, then a final close 4003', async () => {
  const server = await newServer(newGateway());
  const c = await client(server.port);
  c.say({ type: 'auth', token: 'not-a-token' });
  assert.deepEqual((await finalFrame(c))?.code, CloseCodes.unauthorized);
  assert.deepEqual(c.frames.map((f) => f.type), ['error', 'close']);
  assert.equal(c.frames[0]?.code, 'invalid_token');
});

test('no auth in time: a final close 4001; garbage before auth gets errors first', async () => {
  const server = await newServer(newGateway({ limits: { authTimeoutMs: 200 } }));
  const c = await client(server.port);
  c.socket.write(encodeTcpFrame('not json'));
  c.socket.write(Buffer.from([0, 0, 0, 1, 0xff])); // invalid UTF-8 decodes to U+FFFD, as on the WebSocket: not JSON
  c.say({ type: 'send', conversation: 'g.x', clientMsgId: 'a', content: 'x' });
  const last = await finalFrame(c);
  assert.deepEqual(last, { type: 'close', code: CloseCodes.authTimeout, reason: 'no auth frame in time' });
  assert.deepEqual(c.frames.slice(0, 3).map((f) => f.code), ['invalid_json', 'invalid_json', 'unauthenticated']);
});

test('a length prefix over the frame limit: error payload_too_large, then a final close 1009; an empty frame: close 4004', async () => {
  const server = await newServer(newGateway());
  const big = await client(server.port);
  big.socket.write(Buffer.from([0, 0, 0x10, 0])); // 4096 > 1000, sent without its payload
  const last = await finalFrame(big);
  assert.equal(last?.code, CloseCodes.messageTooBig);
  assert.equal(big.frames[0]?.code, 'payload_too_large');
  const empty = await client(server.port);
  empty.socket.write(Buffer.from([0, 0, 0, 0]));
  assert.equal((await finalFrame(empty))?.code, CloseCodes.protocolAbuse);
});

test('before the gateway is ready a connection gets a final close 1013', async () => {
  const server = await newServer(undefined);
  const c = await client(server.port);
  assert.deepEqual(await finalFrame(c), { type: 'close', code: CloseCodes.tryAgainLater, reason: 'starting; retry shortly' });
});

test('draining closes TCP clients with a final close 1001', async () => {
  const gateway = newGateway();
  const server = await newServer(gateway);
  const c = await authed(server.port, 'ud', 'dora');
  await gateway.drain();
  assert.equal((await finalFrame(c))?.code, CloseCodes.goingAway);
});

test('a client that does not read is closed as a slow consumer (4008) once its unsent output passes the limit', async () => {
  const gateway = newGateway({ limits: { maxBufferedBytes: 256 * 1024 } });
  const server = await newServer(gateway);
  const slow = await authed(server.port, 'us', 'slow');
  slow.socket.pause();
  const content = 'x'.repeat(60_000);
  let seq = 0;
  // The kernel's socket buffers take a few MB before the server's own buffer grows: deliver until the gateway gives up (bounded).
  while (gateway.connectionCount > 0 && seq < 2000) {
    seq++;
    const frame: MessageFrame = { type: 'message', conversation: 'g.slow', id: `m${seq}`, seq, ts: seq, sender: { id: 'ux', username: 'x' }, clientMsgId: `c${seq}`, kind: 'text', content };
    await gateway.deliver([{ frame, userIds: ['us'], conversation: 'g.slow', seq }]);
  }
  assert.equal(gateway.connectionCount, 0, `still connected after ${seq} messages`);
  assert.deepEqual(await presence.locate(['us']).then((m) => m.get('us') ?? []), [], 'its presence is cleared at once');
  slow.socket.resume();
  const last = await finalFrame(slow);
  assert.deepEqual(last, { type: 'close', code: CloseCodes.slowConsumer, reason: 'send buffer full; reconnect and resume' });
  const seqs = slow.frames.filter((f) => f.type === 'message').map((f) => f.seq);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'what was sent before the close arrives whole and in order');
});

test('heartbeat over TCP: a silent client gets heartbeat frames, then a final close 4010; one that answers stays', async () => {
  const heartbeat = { intervalMs: 150, timeoutMs: 500 };
  const gateway = newGateway({ clientHeartbeat: heartbeat });
  const server = await newServer(gateway);
  const answering = await authed(server.port, 'ue', 'erin');
  answering.socket.on('data', () => answering.frames.at(-1)?.type === 'heartbeat' && answering.say({ type: 'ping' }));
  const authAt = Date.now(); // the server last heard from it when it got the auth frame, a little after this
  const silent = await authed(server.port, 'uf', 'fred');
  assert.deepEqual(await silent.next('heartbeat'), { type: 'heartbeat' });
  const last = await finalFrame(silent);
  const after = Date.now() - authAt;
  assert.deepEqual(last, { type: 'close', code: CloseCodes.heartbeatTimeout, reason: 'no heartbeat answer in time' });
  assert.ok(after >= heartbeat.timeoutMs && after < heartbeat.timeoutMs + heartbeat.intervalMs + 400, `closed after ${after} ms`);
  assert.deepEqual(await presence.locate(['uf']).then((m) => m.get('uf') ?? []), [], 'its presence is cleared');
  assert.ok(answering.frames.filter((f) => f.type === 'heartbeat').length >= 2, 'the answering client was asked too');
  assert.equal(answering.ended, false, 'a client that answers stays connected past the timeout');
});

test('heartbeat in the core, as the WebSocket transport sees it: ping() after the interval, heard() keeps it, silence closes 4010', async () => {
  // timeout = 2 x interval, the tightest case: a client that answers every ping must still never be closed.
  const heartbeat = { intervalMs: 100, timeoutMs: 200 };
  const gateway = newGateway({ clientHeartbeat: heartbeat });
  const { token } = await tokens.issue({ id: 'uw', username: 'wanda', loginId: 'uw' });
  const pings: number[] = [];
  const closes: number[] = [];
  let ready = false;
  const socket: ClientSocket = {
    send: (t) => ((ready ||= t.includes('"ready"')), true),
    bufferedAmount: () => 0,
    ping: () => void pings.push(Date.now()),
    close: (code) => void closes.push(code),
  };
  const session = gateway.open(socket)!;
  gateway.message(session, JSON.stringify({ type: 'auth', token }));
  await eventually(() => assert.ok(ready));
  // Answer each ping as a WebSocket client's pong would, for a while: the session outlives the timeout.
  const answeredUntil = Date.now() + heartbeat.timeoutMs * 5;
  let answered = 0;
  while (Date.now() < answeredUntil) {
    await eventually(() => assert.ok(pings.length > answered), 2000);
    answered = pings.length;
    gateway.heard(session);
    assert.deepEqual(closes, [], `closed after ${answered} answered pings`);
  }
  assert.deepEqual(closes, [], 'pongs keep it open');
  assert.equal(gateway.connectionCount, 1);
  const silentSince = Date.now();
  await eventually(() => assert.deepEqual(closes, [CloseCodes.heartbeatTimeout]), 5000);
  const took = Date.now() - silentSince;
  assert.ok(took < heartbeat.timeoutMs + heartbeat.intervalMs + 200, `closed ${took} ms after the last pong`);
  assert.equal(gateway.connectionCount, 0);
  assert.deepEqual(await presence.locate(['uw']).then((m) => m.get('uw') ?? []), []);
});
