import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { MemoryPresence } from '@parley/presence-memory';
import { Topics } from '@parley/domain';
import { AttachmentSigner, TokenService, createAuthenticator } from '@parley/auth';
import { commandCodec } from '@parley/schemas';
import { CloseCodes, type Attachment, type MessageFrame, type ReceiptsFrame } from '@parley/protocol';
import { Gateway, type GatewayOptions } from './gateway.js';
import type { ClientSocket } from './socket.js';

const dir = await mkdtemp(join(tmpdir(), 'parley-gw-'));
const log = await EmbeddedLog.open({ dir });
await log.createTopics([{ name: Topics.commands, partitions: 1 }, { name: Topics.events, partitions: 1 }]);
const presence = new MemoryPresence({ ttlMs: 10_000 });
const secret = randomBytes(32);
const tokens = new TokenService({ secret, ttlSeconds: 600 });
const signer = new AttachmentSigner(secret);
const history: MessageFrame[] = [];
const notMemberOf = new Set<string>();
/** Profiles' privacy by id (default: receipts shared, presence to everyone). */
const privacy = new Map<string, { readReceipts: boolean; presence: 'everyone' | 'contacts' | 'nobody' }>();
let projected = true;
const msg = (seq: number, conversation = 'g.c'): MessageFrame => ({
  type: 'message', conversation, id: `m${seq}`, seq, ts: seq, sender: { id: 'ub', username: 'bob' }, clientMsgId: `c${seq}`, kind: 'text', content: `#${seq}`,
});
const options: GatewayOptions = {
  gatewayId: 'gw',
  log,
  presence,
  authenticate: createAuthenticator(tokens, async () => false),
  attachments: signer,
  // The uploads a ref may name: those not deleted (the store's uploads table in the apps). Slow, as a store is.
  attachmentHeld: async (upload) => (await sleep(20), upload !== 'up-deleted'),
  history: async (_user, conversation, afterSeq, limit) => {
    if (notMemberOf.has(conversation)) return 'not_member';
    const all = history.filter((m) => m.conversation === conversation);
    return { messages: all.filter((m) => m.seq > afterSeq).slice(0, limit), lastSeq: Math.max(0, ...all.map((m) => m.seq)) };
  },
  // Like the real one: a store that is behind makes the caller wait (here 100 ms) before it says so.
  awaitProjection: async () => {
    if (!projected) await sleep(100);
    return projected;
  },
  // Everyone shares receipts and has no contacts; membership is the history's.
  directory: {
    privacyOf: async (ids) => new Map([...privacy].filter(([id]) => ids.includes(id))),
    contactsOf: async () => [],
    isMember: async (conversation) => !notMemberOf.has(conversation),
    canType: async (conversation) => !notMemberOf.has(conversation),
    memberIds: async () => ['ua', 'ub'],
  },
  receiptFlushMs: 20,
  logger: silentLogger,
  heartbeatMs: 1000,
  clientHeartbeat: { intervalMs: 60_000, timeoutMs: 120_000 },
  limits: {
    maxContentBytes: 100, maxFrameBytes: 1000, maxPendingSends: 2, maxResumeConversations: 10, authTimeoutMs: 5000,
    framesPerSecond: 1000, frameBurst: 1000, maxBufferedBytes: 1 << 20, maxConsecutiveErrors: 100, maxAheadPerConversation: 100,
    maxGatewayPendingSends: 1000,
  },
};
const gateway = new Gateway(options);
after(async () => {
  await gateway.drain();
  await presence.close();
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

function connect() {
  const frames: Array<Record<string, unknown>> = [];
  const closes: number[] = [];
  const socket: ClientSocket = { send: (t) => (frames.push(JSON.parse(t) as Record<string, unknown>), true), bufferedAmount: () => 0, ping: () => undefined, close: (code) => void closes.push(code) };
  const session = gateway.open(socket)!;
  return { session, frames, closes, say: (f: unknown) => gateway.message(session, JSON.stringify(f)) };
}
/** A connection signed in as `id` (its `ready` received). */
async function signIn(id: string, username: string) {
  const c = connect();
  c.say({ type: 'auth', token: (await tokens.issue({ id, username, loginId: id })).token });
  await eventually(() => assert.equal(c.frames[0]?.type, 'ready'));
  return c;
}
const seqs = (frames: Array<Record<string, unknown>>) => frames.filter((f) => f.type === 'message').map((f) => f.seq);

test('auth.resume sends exactly what follows the client position, then live messages in order; gaps are filled, repeats dropped', async () => {
  history.push(msg(1), msg(2), msg(3));
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  const c = connect();
  c.say({ type: 'auth', token, resume: { 'g.c': 1 } });
  await eventually(() => assert.ok(c.frames.some((f) => f.type === 'resumed')));
  assert.deepEqual(c.frames.map((f) => f.type), ['ready', 'message', 'message', 'resumed']);
  assert.deepEqual(seqs(c.frames), [2, 3]);
  const deliver = (m: MessageFrame) => gateway.deliver([{ frame: m, userIds: ['ua'], conversation: m.conversation, seq: m.seq }]);
  await deliver(msg(3));
  await deliver(msg(4));
  assert.deepEqual(seqs(c.frames), [2, 3, 4], 'a repeat is dropped');
  await deliver(msg(7));
  assert.deepEqual(seqs(c.frames), [2, 3, 4], 'a message after a gap waits');
  history.push(msg(4), msg(5), msg(6), msg(7));
  await eventually(() => assert.deepEqual(seqs(c.frames), [2, 3, 4, 5, 6, 7]));
  await deliver(msg(8));
  assert.deepEqual(seqs(c.frames), [2, 3, 4, 5, 6, 7, 8]);
});

test('a resume behind a lagging store keeps following it until it caught up, even with no live traffic', async () => {
  const conversation = 'g.lag';
  history.push(msg(1, conversation));
  projected = false;
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  const c = connect();
  c.say({ type: 'auth', token, resume: { [conversation]: 0 } });
  await eventually(() => assert.ok(c.frames.some((f) => f.type === 'resumed')), 15_000);
  const of = () => c.frames.filter((f) => f.type === 'message' && f.conversation === conversation).map((f) => f.seq);
  assert.deepEqual(of(), [1]);
  history.push(msg(2, conversation), msg(3, conversation)); // the projector catches up later
  projected = true;
  await eventually(() => assert.deepEqual(of(), [1, 2, 3]), 15_000);
});

test('a resume position past the last seq is clamped and said so (resume_ahead), and later live messages still arrive', async () => {
  const conversation = 'g.ahead';
  history.push(msg(1, conversation), msg(2, conversation));
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  for (const how of ['auth', 'resume'] as const) {
    const c = connect();
    c.say(how === 'auth' ? { type: 'auth', token, resume: { [conversation]: 500 } } : { type: 'auth', token });
    await eventually(() => assert.equal(c.frames[0]?.type, 'ready'));
    if (how === 'resume') c.say({ type: 'resume', conversations: { [conversation]: 500 } });
    await eventually(() => assert.ok(c.frames.some((f) => f.type === 'resumed')));
    const error = c.frames.find((f) => f.type === 'error');
    assert.equal(error?.code, 'resume_ahead', how);
    assert.equal(error?.conversation, conversation);
    assert.deepEqual(c.frames.find((f) => f.type === 'resumed')?.conversations, { [conversation]: 2 }, 'resumed reports where the server continues');
    await gateway.deliver([{ frame: msg(3, conversation), userIds: ['ua'], conversation, seq: 3 }]);
    assert.deepEqual(c.frames.filter((f) => f.type === 'message').map((f) => f.seq), [3], `${how}: the next live message is delivered`);
  }
  // A position equal to the last seq is not ahead.
  const c = connect();
  c.say({ type: 'auth', token, resume: { [conversation]: 2 } });
  await eventually(() => assert.ok(c.frames.some((f) => f.type === 'resumed')));
  assert.equal(c.frames.some((f) => f.type === 'error'), false);
});

test('a send becomes a command on the log stamped with the authenticated sender; the origin gets the ack, not the message', async () => {
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  const c = connect();
  c.say({ type: 'auth', token });
  await eventually(() => assert.equal(c.frames[0]?.type, 'ready'));
  c.say({ type: 'send', conversation: 'g.d', clientMsgId: 'x1', content: 'hello' });
  await eventually(async () => assert.equal(await log.endOffset(Topics.commands, 0), 1));
  const [record] = await log.read(Topics.commands, 0, 0, 1);
  const command = commandCodec.decode(record!.value);
  assert.deepEqual(command.actor, { userId: 'ua', username: 'alice' });
  assert.equal(command.origin?.connectionId, c.session.id);
  assert.deepEqual(command.payload, { type: 'SendMessage', clientMsgId: 'x1', kind: 'text', content: 'hello', body: '', replyTo: 0, mentions: [], forwarded: false, seenSeq: -1 }, 'no body, reply, mentions or seenSeq: the defaults');
  const m = msg(1, 'g.d');
  const ack = { type: 'ack', conversation: 'g.d', clientMsgId: 'x1', id: 'm1', seq: 1, ts: 1 };
  await gateway.deliver([{ frame: m, userIds: ['ua'], conversation: 'g.d', seq: 1, origin: { connectionId: c.session.id, frame: ack } }]);
  assert.deepEqual(c.frames.slice(1).map((f) => f.type), ['ack']);
  await gateway.deliver([{ frame: msg(2, 'g.d'), userIds: ['ua'], conversation: 'g.d', seq: 2 }]);
  assert.deepEqual(seqs(c.frames), [2], 'the cursor moved past the acked message');
});

test("a send's kind, body, reply and mentions reach the command: the body as JSON text", async () => {
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  const c = connect();
  c.say({ type: 'auth', token });
  await eventually(() => assert.equal(c.frames[0]?.type, 'ready'));
  const body = { url: 'https://example.com/a', title: 'Ä 😀' };
  const start = await log.endOffset(Topics.commands, 0);
  c.say({ type: 'send', conversation: 'g.rich', clientMsgId: 'r1', content: 'see this', kind: 'link', body, replyTo: 4, mentions: ['ub', 'all'], forwarded: false, seenSeq: 7 });
  await eventually(async () => assert.equal(await log.endOffset(Topics.commands, 0), start + 1));
  const [record] = await log.read(Topics.commands, 0, start, 1);
  const command = commandCodec.decode(record!.value);
  assert.deepEqual(command.payload, { type: 'SendMessage', clientMsgId: 'r1', kind: 'link', content: 'see this', body: JSON.stringify(body), replyTo: 4, mentions: ['ub', 'all'], forwarded: false, seenSeq: 7 });
  // A body that does not fit its kind never reaches the log.
  c.say({ type: 'send', conversation: 'g.rich', clientMsgId: 'r2', content: 'x', kind: 'link', body: { url: 'nope' } });
  await eventually(() => assert.deepEqual([c.frames.at(-1)?.code, c.frames.at(-1)?.ref], ['invalid_frame', 'r2']));
  assert.equal(await log.endOffset(Topics.commands, 0), start + 1);
});

test('an attachment send names its upload by ref; the command carries the file instead, a bad ref never reaches the log', async () => {
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  const c = connect();
  c.say({ type: 'auth', token });
  await eventually(() => assert.equal(c.frames[0]?.type, 'ready'));
  const photo: Attachment = { id: 'a'.repeat(64), kind: 'image', mime: 'image/png', size: 10, name: 'p.png', width: 2, height: 1 };
  const ref = (user: string, expiresAt: number, upload: string | undefined = 'up-1') => signer.signRef(photo, user, expiresAt, upload);
  const start = await log.endOffset(Topics.commands, 0);
  c.say({ type: 'send', conversation: 'g.att', clientMsgId: 'a1', content: '[Image] p.png', kind: 'image', body: { attachment: ref('ua', Date.now() + 60_000) } });
  await eventually(async () => assert.equal(await log.endOffset(Topics.commands, 0), start + 1));
  const [record] = await log.read(Topics.commands, 0, start, 1);
  const payload = commandCodec.decode(record!.value).payload;
  assert.equal(payload.type === 'SendMessage' ? payload.body : '', JSON.stringify({ attachment: photo }));
  const refused = [
    ['a2', 'image', ref('ub', Date.now() + 60_000)], // someone else's upload
    ['a3', 'image', ref('ua', Date.now() - 1)], // expired
    ['a4', 'file', ref('ua', Date.now() + 60_000)], // another kind
    ['a5', 'image', 'v1.e30.forged'],
    ['a7', 'image', ref('ua', Date.now() + 60_000, 'up-deleted')], // its upload was deleted since
    ['a8', 'image', signer.signRef(photo, 'ua', Date.now() + 60_000)], // names no upload
  ] as const;
  for (const [id, kind, r] of refused) {
    c.say({ type: 'send', conversation: 'g.att', clientMsgId: id, content: 'x', kind, body: { attachment: r } });
    await eventually(() => assert.deepEqual([c.frames.at(-1)?.code, c.frames.at(-1)?.ref], ['invalid_attachment', id]));
  }
  // The file's description itself is no ref: a client cannot describe a file it did not upload.
  c.say({ type: 'send', conversation: 'g.att', clientMsgId: 'a6', content: 'x', kind: 'image', body: { attachment: photo } });
  await eventually(() => assert.deepEqual([c.frames.at(-1)?.code, c.frames.at(-1)?.ref], ['invalid_frame', 'a6']));
  assert.equal(await log.endOffset(Topics.commands, 0), start + 1);
});

test("a connection's sends reach the log in its order while an attachment's upload is looked up", async () => {
  const { token } = await tokens.issue({ id: 'uo', username: 'olga', loginId: 'uo' });
  const c = connect();
  c.say({ type: 'auth', token });
  await eventually(() => assert.equal(c.frames[0]?.type, 'ready'));
  const file: Attachment = { id: 'b'.repeat(64), kind: 'file', mime: 'application/pdf', size: 10, name: 'f.pdf' };
  const start = await log.endOffset(Topics.commands, 0);
  // (This gateway lets 2 sends of a connection wait for acks: a file, then a text sent right behind it.)
  c.say({ type: 'send', conversation: 'g.order', clientMsgId: 'o1', content: '[File] f.pdf', kind: 'file', body: { attachment: signer.signRef(file, 'uo', Date.now() + 60_000, 'up-2') } });
  c.say({ type: 'send', conversation: 'g.order', clientMsgId: 'o2', content: 'right behind it' });
  await eventually(async () => assert.equal(await log.endOffset(Topics.commands, 0), start + 2));
  const records = await log.read(Topics.commands, 0, start, 2);
  const ids = records.map((r) => {
    const p = commandCodec.decode(r.value).payload;
    return p.type === 'SendMessage' ? p.clientMsgId : p.type;
  });
  assert.deepEqual(ids, ['o1', 'o2'], 'the text waited for the file ahead of it');
});

test('limits: unauthenticated frames, too many pending sends, oversize frames, auth with a bad token', async () => {
  const c = connect();
  c.say({ type: 'send', conversation: 'g.e', clientMsgId: 'a', content: 'x' });
  assert.equal(c.frames.at(-1)?.code, 'unauthenticated');
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  c.say({ type: 'auth', token });
  await eventually(() => assert.equal(c.frames.at(-1)?.type, 'ready'));
  for (const id of ['p1', 'p2', 'p3']) c.say({ type: 'send', conversation: 'g.e', clientMsgId: id, content: 'x' });
  await eventually(() => assert.equal(c.frames.at(-1)?.code, 'too_many_pending'));
  assert.equal(c.frames.at(-1)?.ref, 'p3');
  gateway.oversized(c.session, 5000);
  assert.equal(c.frames.at(-1)?.code, 'payload_too_large');
  const bad = connect();
  bad.say({ type: 'auth', token: `${token}x` });
  await eventually(() => assert.deepEqual(bad.closes, [4003]));
  assert.equal(bad.frames[0]?.code, 'invalid_token');
});

test('a hand-off batch reaches each connection as one write with its frames in order; writes made meanwhile keep their place', async () => {
  const { token } = await tokens.issue({ id: 'uc', username: 'carol', loginId: 'uc' });
  const writes: string[][] = [];
  const socket: ClientSocket = {
    send: (t) => (writes.push([t]), true),
    sendMany: (ts) => (writes.push([...ts]), true),
    bufferedAmount: () => 0,
    ping: () => undefined,
    close: () => undefined,
  };
  const session = gateway.open(socket)!;
  gateway.message(session, JSON.stringify({ type: 'auth', token }));
  await eventually(() => assert.equal(writes.length, 1));
  assert.deepEqual(writes[0]!.map((t) => JSON.parse(t).type), ['ready'], 'outside a batch a frame is its own write');
  const conversation = 'g.cork';
  const batch = [1, 2, 3].map((seq) => ({ frame: msg(seq, conversation), userIds: ['uc'], conversation, seq, trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }));
  // The traced path awaits between deliveries: a frame written in that gap (here an error) stays in order.
  const delivering = gateway.deliver(batch);
  gateway.message(session, JSON.stringify({ type: 'nonsense' }));
  await delivering;
  assert.equal(writes.length, 2, 'the batch went out as one write');
  const types = writes[1]!.map((t) => JSON.parse(t) as { type: string; seq?: number });
  assert.deepEqual(types.filter((f) => f.type === 'message').map((f) => f.seq), [1, 2, 3]);
  assert.equal(types.length, 4);
});

test('the gateway bounds unacknowledged sends over all its connections; an ack or a closed connection frees room', async () => {
  const small = new Gateway({ ...options, gatewayId: 'gw-small', limits: { ...options.limits, maxGatewayPendingSends: 3 } });
  try {
    const open = async (id: string, username: string) => {
      const { token } = await tokens.issue({ id, username, loginId: id });
      const frames: Array<Record<string, unknown>> = [];
      const socket: ClientSocket = { send: (t) => (frames.push(JSON.parse(t) as Record<string, unknown>), true), bufferedAmount: () => 0, ping: () => undefined, close: () => undefined };
      const session = small.open(socket)!;
      small.message(session, JSON.stringify({ type: 'auth', token }));
      await eventually(() => assert.equal(frames[0]?.type, 'ready'));
      const send = (clientMsgId: string) => small.message(session, JSON.stringify({ type: 'send', conversation: 'g.busy', clientMsgId, content: 'x' }));
      return { session, frames, send };
    };
    const a = await open('ub1', 'busy1');
    const b = await open('ub2', 'busy2');
    a.send('a1');
    a.send('a2');
    b.send('b1');
    b.send('b2'); // the fourth in flight on this gateway: refused, although b has room of its own
    await eventually(() => assert.equal(b.frames.at(-1)?.code, 'too_many_pending'));
    assert.equal(b.frames.at(-1)?.ref, 'b2');
    assert.match(String(b.frames.at(-1)?.message), /busy/);
    // An ack frees one place.
    const ack = { type: 'ack', conversation: 'g.busy', clientMsgId: 'a1', id: 'm1', seq: 1, ts: 1 };
    await small.deliver([{ frame: msg(1, 'g.busy'), userIds: [], conversation: 'g.busy', seq: 1, origin: { connectionId: a.session.id, frame: ack } }]);
    const before = b.frames.length;
    b.send('b2');
    b.send('b3');
    await eventually(() => assert.equal(b.frames.length, before + 1));
    assert.equal(b.frames.at(-1)?.ref, 'b3', 'b2 was taken, b3 refused');
    // A connection that closes gives its places back (a2 was still in flight: 3 of 3 until then).
    const c = await open('ub3', 'busy3');
    c.send('c1');
    await eventually(() => assert.equal(c.frames.at(-1)?.ref, 'c1'));
    small.closed(a.session);
    const after = c.frames.length;
    c.send('c1');
    await sleep(50);
    assert.equal(c.frames.length, after, 'c1 was taken: no error');
  } finally {
    await small.drain();
  }
});

test('a connection whose send buffer is over the limit after a hand-off batch is closed as a slow consumer', async () => {
  const { token } = await tokens.issue({ id: 'ud', username: 'dave', loginId: 'ud' });
  let buffered = 0;
  const closes: number[] = [];
  const socket: ClientSocket = { send: () => true, sendMany: () => true, bufferedAmount: () => buffered, ping: () => undefined, close: (code) => void closes.push(code) };
  const session = gateway.open(socket)!;
  gateway.message(session, JSON.stringify({ type: 'auth', token }));
  await eventually(() => assert.ok(session.user));
  buffered = options.limits.maxBufferedBytes + 1;
  const conversation = 'g.slow';
  await gateway.deliver([{ frame: msg(1, conversation), userIds: ['ud'], conversation, seq: 1 }]);
  assert.deepEqual(closes, [CloseCodes.slowConsumer]);
});

test('a ping is answered with a pong that echoes its id, an empty id included (PROTOCOL.md: ping.id is echoed)', async () => {
  const c = connect();
  c.say({ type: 'ping', id: '' });
  c.say({ type: 'ping', id: 'p1' });
  c.say({ type: 'ping' });
  await eventually(() => assert.equal(c.frames.length, 3));
  assert.deepEqual(c.frames, [{ type: 'pong', id: '' }, { type: 'pong', id: 'p1' }, { type: 'pong' }]);
  gateway.closed(c.session);
});

test('before auth, send, read and resume get unauthenticated; the error about a send carries its clientMsgId as ref', async () => {
  const c = connect();
  c.say({ type: 'send', conversation: 'g.c', clientMsgId: 'early-1', content: 'hi' });
  c.say({ type: 'read', conversation: 'g.c', seq: 1 });
  c.say({ type: 'resume', conversations: { 'g.c': 0 } });
  await eventually(() => assert.equal(c.frames.length, 3));
  assert.deepEqual(
    c.frames.map((f) => [f.code, f.ref]),
    [['unauthenticated', 'early-1'], ['unauthenticated', undefined], ['unauthenticated', undefined]],
  );
  gateway.closed(c.session);
});

test('a send dropped by the rate limit gets rate_limited with its clientMsgId as ref (other frames: no ref)', async () => {
  const limited = new Gateway({ ...options, gatewayId: 'gw-rl', limits: { ...options.limits, framesPerSecond: 1, frameBurst: 1 } });
  try {
    const frames: Array<Record<string, unknown>> = [];
    const session = limited.open({ send: (t) => (frames.push(JSON.parse(t) as Record<string, unknown>), true), bufferedAmount: () => 0, ping: () => undefined, close: () => undefined })!;
    limited.message(session, JSON.stringify({ type: 'ping', id: 'first' }));
    limited.message(session, JSON.stringify({ type: 'send', conversation: 'g.c', clientMsgId: 'rl-1', content: 'hi' }));
    limited.message(session, JSON.stringify({ type: 'ping', id: 'third' }));
    await eventually(() => assert.equal(frames.length, 3));
    assert.deepEqual(frames.slice(1).map((f) => [f.code, f.ref]), [['rate_limited', 'rl-1'], ['rate_limited', undefined]]);
    limited.closed(session);
  } finally {
    await limited.drain();
  }
});

test('a resumed conversation answered not_member keeps no cursor: after the user joins, its messages from seq 1 arrive', async () => {
  const conversation = 'g.notyet';
  notMemberOf.add(conversation);
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  const c = connect();
  c.say({ type: 'auth', token, resume: { [conversation]: 5 } });
  await eventually(() => assert.ok(c.frames.some((f) => f.type === 'resumed')));
  assert.deepEqual(c.frames.filter((f) => f.type === 'error').map((f) => [f.code, f.conversation]), [['not_member', conversation]]);
  assert.deepEqual(c.frames.find((f) => f.type === 'resumed')?.conversations, { [conversation]: 5 }, 'resumed reports the position unchanged');
  notMemberOf.delete(conversation); // the user joins
  history.push(msg(1, conversation));
  await gateway.deliver([{ frame: msg(1, conversation), userIds: ['ua'], conversation, seq: 1 }]);
  assert.deepEqual(c.frames.filter((f) => f.type === 'message' && f.conversation === conversation).map((f) => f.seq), [1]);
  gateway.closed(c.session);
});

test('an auth with resume is followed by resumed, an empty resume too; an auth without resume is not', async () => {
  const { token } = await tokens.issue({ id: 'ua', username: 'alice', loginId: 'ua' });
  const empty = connect();
  empty.say({ type: 'auth', token, resume: {} });
  await eventually(() => assert.deepEqual(empty.frames.map((f) => f.type), ['ready', 'resumed']));
  assert.deepEqual(empty.frames[1], { type: 'resumed', conversations: {} });
  const none = connect();
  none.say({ type: 'auth', token });
  await eventually(() => assert.deepEqual(none.frames.map((f) => f.type), ['ready']));
  await sleep(50);
  assert.deepEqual(none.frames.map((f) => f.type), ['ready']);
  gateway.closed(empty.session);
  gateway.closed(none.session);
});

test('reads and deliveries of a flush become one MarkReceipts per conversation, furthest marks only; receipts reach only those who share theirs', async () => {
  privacy.set('ue', { readReceipts: false, presence: 'everyone' });
  const [bob, erin] = [await signIn('ub', 'bob'), await signIn('ue', 'erin')];
  const from = await log.endOffset(Topics.commands, 0);
  const fromAlice = (seq: number): MessageFrame => ({ ...msg(seq, 'd.ua.ub'), sender: { id: 'ua', username: 'alice' } });
  await gateway.deliver([1, 2, 3].map((seq) => ({ frame: fromAlice(seq), userIds: ['ub'], conversation: 'd.ua.ub', seq })));
  for (const seq of [1, 3, 2]) bob.say({ type: 'read', conversation: 'd.ua.ub', seq });
  await eventually(async () => assert.equal(await log.endOffset(Topics.commands, 0), from + 1));
  await sleep(100);
  const records = await log.read(Topics.commands, 0, from, 10);
  assert.deepEqual(records.map((r) => commandCodec.decode(r.value)).map((c) => [c.stream, c.actor, c.payload]), [
    ['d.ua.ub', null, { type: 'MarkReceipts', marks: [{ userId: 'ub', readSeq: 3, deliveredSeq: 3, shared: true }] }],
  ]);
  // Erin shares no receipts: the frame is not written to her.
  const receipts: ReceiptsFrame = { type: 'receipts', conversation: 'g.c', marks: [{ user: { id: 'ua' }, readSeq: 1, deliveredSeq: 1 }] };
  await gateway.deliver([{ frame: receipts, userIds: ['ub', 'ue'] }]);
  assert.equal(bob.frames.filter((f) => f.type === 'receipts').length, 1);
  assert.equal(erin.frames.filter((f) => f.type === 'receipts').length, 0);
  // A read or typing for a conversation one is not in is refused here, before anything is written.
  notMemberOf.add('g.secret');
  bob.say({ type: 'read', conversation: 'g.secret', seq: 1 });
  bob.say({ type: 'typing', conversation: 'g.secret' });
  await eventually(() => assert.deepEqual(bob.frames.filter((f) => f.type === 'error').map((f) => [f.code, f.conversation]), [['not_member', 'g.secret'], ['not_member', 'g.secret']]));
  notMemberOf.delete('g.secret');
  privacy.delete('ue');
});

test("typing goes to the conversation's other members, at most once per 2 s, and stops when the typist sends", async () => {
  // The test directory's members of every conversation: ua and ub.
  const [alice, bob] = [await signIn('ua', 'alice'), await signIn('ub', 'bob')];
  const typing = (c: ReturnType<typeof connect>) => c.frames.filter((f) => f.type === 'typing').map((f) => [f.conversation, (f.user as { id: string }).id, f.typing]);
  alice.say({ type: 'typing', conversation: 'g.t' });
  alice.say({ type: 'typing', conversation: 'g.t', typing: true });
  await eventually(() => assert.deepEqual(typing(bob), [['g.t', 'ua', true]]));
  alice.say({ type: 'send', conversation: 'g.t', clientMsgId: 'typed', content: 'hi' });
  await eventually(() => assert.deepEqual(typing(bob), [['g.t', 'ua', true], ['g.t', 'ua', false]]));
  await sleep(50);
  assert.deepEqual(typing(alice), [], 'never to the typist');
  assert.deepEqual(typing(bob).length, 2, 'the repeat within 2 s was dropped');
});

test('group and room messages reach current connections by one publish to a topic, in order with their own frames; a gap, a resume or leaving the recipients takes a connection off it', async () => {
  // A transport with topics as uWS has them: a publish is written to every subscriber (but the publisher
  // with exceptSelf) in order with the subscriber's own sends.
  const subscribers = new Map<string, Set<{ frames: Array<Record<string, unknown>> }>>();
  let publishes = 0;
  function connectWithTopics() {
    const frames: Array<Record<string, unknown>> = [];
    const me = { frames };
    const socket: ClientSocket = {
      send: (t) => (frames.push(JSON.parse(t) as Record<string, unknown>), true),
      bufferedAmount: () => 0,
      ping: () => undefined,
      close: () => undefined,
      topics: {
        subscribe: (topic) => void (subscribers.get(topic) ?? subscribers.set(topic, new Set()).get(topic)!).add(me),
        unsubscribe: (topic) => void subscribers.get(topic)?.delete(me),
        publish: (topic, text, exceptSelf) => {
          publishes++;
          for (const s of subscribers.get(topic) ?? []) if (!exceptSelf || s !== me) s.frames.push(JSON.parse(text) as Record<string, unknown>);
        },
      },
    };
    const session = gateway.open(socket)!;
    return { session, frames, say: (f: unknown) => gateway.message(session, JSON.stringify(f)) };
  }
  const room = 'r.topics';
  const m = (seq: number) => msg(seq, room);
  const tokenFor = async (id: string) => (await tokens.issue({ id, username: id, loginId: id })).token;
  const a = connectWithTopics();
  const b = connectWithTopics();
  const plain = await signIn('uc', 'carol'); // a transport without topics gets every message by send
  a.say({ type: 'auth', token: await tokenFor('ua') });
  b.say({ type: 'auth', token: await tokenFor('ud') });
  await eventually(() => assert.ok(a.frames[0]?.type === 'ready' && b.frames[0]?.type === 'ready'));
  const users = ['ua', 'ud', 'uc'];
  const deliver = (frames: MessageFrame[], to = users) => gateway.deliver(frames.map((f) => ({ frame: f, userIds: to, conversation: room, seq: f.seq })));
  const rseqs = (frames: Array<Record<string, unknown>>) => frames.filter((f) => f.type === 'message' && f.conversation === room).map((f) => f.seq);

  await deliver([m(1)]); // by send: nobody's cursor was known; then a and b are current and join the topic
  assert.equal(publishes, 0);
  await deliver([m(2), m(3)]);
  assert.equal(publishes, 2, 'one publish a message');
  for (const c of [a, b, plain]) assert.deepEqual(rseqs(c.frames), [1, 2, 3]);

  // A gap: the topic's subscribers leave it, and the per-connection path fills from history.
  history.push(m(1), m(2), m(3), m(4), m(5));
  await deliver([m(5)]);
  await eventually(() => {
    for (const c of [a, b, plain]) assert.deepEqual(rseqs(c.frames), [1, 2, 3, 4, 5]);
  });
  const before = publishes;
  await deliver([m(6)]); // after the fill: a and b joined again when current
  await deliver([m(7)]);
  assert.equal(publishes - before, 1, 'sent by send while rejoining, then published');

  // No longer a recipient (left the room): off the topic, nothing more reaches it.
  await deliver([m(8)], ['ua', 'uc']);
  assert.deepEqual(rseqs(b.frames), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(rseqs(a.frames), [1, 2, 3, 4, 5, 6, 7, 8]);

  // A resume mid-session goes back in history and comes forward without a repeat or a gap.
  history.push(m(6), m(7), m(8));
  a.say({ type: 'resume', conversations: { [room]: 6 } });
  await eventually(() => assert.ok(a.frames.some((f) => f.type === 'resumed')));
  await deliver([m(9), m(10)], ['ua', 'uc']);
  assert.deepEqual(rseqs(a.frames), [1, 2, 3, 4, 5, 6, 7, 8, 7, 8, 9, 10], 'history after 6, then live');
  assert.deepEqual(rseqs(plain.frames), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});
