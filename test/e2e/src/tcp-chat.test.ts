import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@parley/core/conformance';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import { connectRawTcp } from './raw-tcp.js';
import { inbox, newClient, newUser, uniqueName } from './clients.js';

type Frame = Record<string, unknown> & { type: string };
const PASSWORD = 'correct horse battery';

/**
 * A raw TCP client speaking the length-prefixed framing with nothing but node:net (or node:tls) and the
 * codec: what a device without WebSocket does.
 */
class RawTcpClient {
  private n = 0;

  private constructor(
    readonly socket: Socket,
    readonly frames: Frame[],
    readonly closed: Promise<unknown>,
    private readonly write: (frame: unknown) => void,
  ) {}

  static async connect(port: number, tls?: { ca: Buffer }): Promise<RawTcpClient> {
    const frames: Frame[] = [];
    // This client answers nothing by itself: what it sends is what each test says.
    const c = await connectRawTcp(port, { ...(tls ? { tls } : {}), answerHeartbeats: false, onFrame: (f) => frames.push(f as Frame) });
    return new RawTcpClient(c.socket, frames, c.ended, c.send);
  }

  say(frame: unknown): void {
    this.write(frame);
  }

  /** The first frame after index `from` that matches (bounded wait). */
  next(match: (f: Frame) => boolean, from = 0, what = 'frame'): Promise<Frame> {
    return eventually(() => {
      const f = this.frames.slice(from).find(match);
      assert.ok(f, `no ${what}; got ${this.frames.map((x) => x.type).join(',')}`);
      return f;
    });
  }

  async auth(token: string, resume?: Record<string, number>): Promise<Frame> {
    this.say({ type: 'auth', token, ...(resume ? { resume } : {}) });
    return this.next((f) => f.type === 'ready' || f.type === 'close', 0, 'ready');
  }

  async send(conversation: string, content: string): Promise<Frame> {
    const clientMsgId = `tcp-${process.pid}-${++this.n}-${Math.random().toString(36).slice(2, 8)}`;
    const from = this.frames.length;
    this.say({ type: 'send', conversation, clientMsgId, content });
    const reply = await this.next((f) => (f.type === 'ack' || f.type === 'error') && (f.clientMsgId === clientMsgId || f.ref === clientMsgId), from, `ack of ${clientMsgId}`);
    assert.equal(reply.type, 'ack', JSON.stringify(reply));
    return reply;
  }

  /** What this connection holds of a conversation: the messages it received and its own acked sends, by seq. */
  view(conversation: string, mine: Map<number, string>): string[] {
    const got = this.frames.filter((f) => f.type === 'message' && f.conversation === conversation).map((f) => [f.seq as number, String(f.content)] as const);
    return [...got, ...[...mine].filter(([seq]) => !got.some(([s]) => s === seq))].sort((a, b) => a[0] - b[0]).map(([seq, c]) => `${seq}:${c}`);
  }

  /** How many distinct seqs of the conversation it holds (a message can also follow its own ack). */
  seen(conversation: string, mine: Map<number, string>): number {
    return new Set([...this.messageSeqs(conversation), ...mine.keys()]).size;
  }

  messageSeqs(conversation: string): number[] {
    return this.frames.filter((f) => f.type === 'message' && f.conversation === conversation).map((f) => f.seq as number);
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('TCP and WebSocket clients in the same conversations, on a started single node', () => {
  let server: RunningServer;
  let tcpPort: number;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer();
    assert.ok(server.tcpPort, 'the single node listens for TCP by default');
    tcpPort = server.tcpPort;
    assert.ok(server.logs.some((l) => l.includes('"msg":"Parley is ready"') && l.includes(`tcp://127.0.0.1:${tcpPort}`)), 'the ready line names the TCP endpoint');
  });
  after(async () => {
    for (const c of closers) c();
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  /** A registered user with a WebSocket SDK client (not yet connected) and its token. */
  const user = async (prefix: string) => {
    const u = await newUser(server.url, prefix);
    closers.push(() => u.client.close());
    const { token } = await u.client.login(u.username, PASSWORD);
    return { ...u, token };
  };
  const tcp = async (token: string, resume?: Record<string, number>) => {
    const c = await RawTcpClient.connect(tcpPort);
    closers.push(() => c.close());
    const ready = await c.auth(token, resume);
    assert.equal(ready.type, 'ready', JSON.stringify(ready));
    return c;
  };

  it('1:1 between a TCP user and a WebSocket user, both ways: the same messages, seqs and order on both', async () => {
    const a = await user('tcpann');
    const b = await user('wsbob');
    const bGot = inbox(b.client);
    await b.client.connect();
    const conv = await b.client.openDirect(a.username);
    const ta = await tcp(a.token);
    const mine = new Map<number, string>();
    const sends = [];
    for (let i = 0; i < 5; i++) {
      sends.push(ta.send(conv.id, `from tcp ${i}`).then((ack) => mine.set(ack.seq as number, `from tcp ${i}`)));
      sends.push(b.client.send(conv.id, `from ws ${i}`));
    }
    await Promise.all(sends);
    const all = Array.from({ length: 10 }, (_, i) => i + 1);
    await eventually(() => {
      assert.equal(ta.seen(conv.id, mine), 10);
      assert.equal(bGot.filter((m) => m.conversation === conv.id).length, 10);
    });
    const wsView = bGot.filter((m) => m.conversation === conv.id).map((m) => `${m.seq}:${m.content}`);
    assert.deepEqual(ta.view(conv.id, mine), wsView);
    assert.deepEqual(wsView.map((v) => Number(v.split(':')[0])), all);
    const received = ta.messageSeqs(conv.id);
    assert.deepEqual(received, [...received].sort((x, y) => x - y), 'the TCP client receives in seq order');
    const history = await a.client.history(conv.id, { after: 0 });
    assert.deepEqual(history.messages.map((m) => `${m.seq}:${m.content}`), wsView);
  });

  it('a group of two TCP users and a WebSocket user, concurrent senders: one order, dense seqs, everyone sees everything', async () => {
    const [a, b, c] = await Promise.all([user('tcpcat'), user('tcpdan'), user('wseve')]);
    const cGot = inbox(c.client);
    await c.client.connect();
    const group = await c.client.createGroup('Mixed', [a.username, b.username]);
    const [ta, tb] = await Promise.all([tcp(a.token), tcp(b.token)]);
    const mineA = new Map<number, string>();
    const mineB = new Map<number, string>();
    const sends = [];
    for (let i = 0; i < 10; i++) {
      sends.push(ta.send(group.id, `a${i}`).then((ack) => mineA.set(ack.seq as number, `a${i}`)));
      sends.push(tb.send(group.id, `b${i}`).then((ack) => mineB.set(ack.seq as number, `b${i}`)));
      sends.push(c.client.send(group.id, `c${i}`));
    }
    await Promise.all(sends);
    await eventually(() => {
      assert.equal(cGot.filter((m) => m.conversation === group.id).length, 30);
      assert.equal(ta.seen(group.id, mineA), 30);
      assert.equal(tb.seen(group.id, mineB), 30);
    });
    const wsView = cGot.filter((m) => m.conversation === group.id).map((m) => `${m.seq}:${m.content}`);
    assert.deepEqual(wsView.map((v) => Number(v.split(':')[0])), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.deepEqual(ta.view(group.id, mineA), wsView);
    assert.deepEqual(tb.view(group.id, mineB), wsView);
    for (const t of [ta, tb]) {
      const seqs = t.messageSeqs(group.id);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    }
  });

  it('one user with a WebSocket device and a TCP device receives on both, and each device sees what the other sent', async () => {
    const a = await user('twodev');
    const b = await user('friend');
    const aWsGot = inbox(a.client);
    const bGot = inbox(b.client);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const conv = await b.client.openDirect(a.username);
    const ta = await tcp(a.token);
    const fromFriend = await b.client.send(conv.id, 'to both devices');
    await eventually(() => {
      assert.deepEqual(ta.frames.filter((f) => f.type === 'message').map((f) => [f.seq, f.content]), [[fromFriend.seq, 'to both devices']]);
      assert.deepEqual(aWsGot.filter((m) => m.conversation === conv.id).map((m) => [m.seq, m.content]), [[fromFriend.seq, 'to both devices']]);
    });
    const fromTcp = await ta.send(conv.id, 'sent from the TCP device');
    const fromWs = await a.client.send(conv.id, 'sent from the WebSocket device');
    await eventually(() => {
      assert.deepEqual(aWsGot.filter((m) => m.conversation === conv.id).map((m) => m.seq), [1, 2, 3], 'the WebSocket device gets the TCP device message');
      assert.deepEqual(ta.messageSeqs(conv.id), [1, fromWs.seq], 'the TCP device gets the WebSocket device message');
      assert.deepEqual(bGot.filter((m) => m.conversation === conv.id).map((m) => m.content), ['to both devices', 'sent from the TCP device', 'sent from the WebSocket device']);
    });
    assert.equal(fromTcp.seq, 2);
    const own = aWsGot.find((m) => m.seq === 2);
    assert.equal(own?.sender.username, a.username);
  });

  it('resume over TCP: auth.resume delivers exactly the missed messages, then resumed, then live ones', async () => {
    const a = await user('tcpres');
    const b = await user('sender');
    await b.client.connect();
    const conv = await b.client.openDirect(a.username);
    const first = await tcp(a.token);
    for (let i = 1; i <= 3; i++) await b.client.send(conv.id, `before ${i}`);
    await eventually(() => assert.deepEqual(first.messageSeqs(conv.id), [1, 2, 3]));
    first.close();
    await within(first.closed, 5000, 'TCP close');
    for (let i = 4; i <= 8; i++) await b.client.send(conv.id, `while away ${i}`);
    const back = await tcp(a.token, { [conv.id]: 3 });
    const resumed = await back.next((f) => f.type === 'resumed', 0, 'resumed');
    assert.deepEqual(resumed.conversations, { [conv.id]: 8 });
    const i = back.frames.indexOf(resumed);
    // Receipts and presence may come in between (b's contact a, the marks of earlier messages): not part of the catch-up.
    const catchUp = back.frames.slice(0, i + 1).filter((f) => f.type !== 'receipts' && f.type !== 'presence');
    assert.deepEqual(catchUp.map((f) => (f.type === 'message' ? f.seq : f.type)), ['ready', 4, 5, 6, 7, 8, 'resumed']);
    await b.client.send(conv.id, 'live again');
    await eventually(() => assert.deepEqual(back.messageSeqs(conv.id), [4, 5, 6, 7, 8, 9]));
  });
});

describe('TCP over TLS with a self-signed certificate', () => {
  let server: RunningServer;
  let certDir: string;
  let ca: Buffer;
  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'parley-tls-'));
    const [cert, key] = [join(certDir, 'cert.pem'), join(certDir, 'key.pem')];
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1', '-keyout', key, '-out', cert]);
    ca = await readFile(cert);
    server = await startServer({ env: { PARLEY_TCP_TLS_CERT: cert, PARLEY_TCP_TLS_KEY: key } });
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await rm(certDir, { recursive: true, force: true });
  });

  it('a TLS client trusting the certificate authenticates and chats; a plain TCP client on that port is dropped without affecting it', async () => {
    assert.ok(server.tcpPort);
    assert.ok(server.logs.some((l) => /"msg":"tcp listening".*"tls":true/.test(l)), 'the listener says it is TLS');
    const ws = newClient(server.url);
    const username = uniqueName('tlsuser');
    await ws.register(username, PASSWORD);
    const { token } = await ws.login(username, PASSWORD);
    const other = await newUser(server.url, 'tlspeer');
    const conv = await other.client.openDirect(username);
    await other.client.connect();
    const secure = await RawTcpClient.connect(server.tcpPort, { ca });
    try {
      const ready = await secure.auth(token);
      assert.equal(ready.type, 'ready');
      const plain = await RawTcpClient.connect(server.tcpPort);
      plain.say({ type: 'auth', token });
      await within(plain.closed, 15_000, 'the plain TCP socket to be dropped');
      assert.deepEqual(plain.frames, [], 'nothing readable goes to a client that did not negotiate TLS');
      const ack = await secure.send(conv.id, 'over tls');
      assert.equal(ack.seq, 1);
      await other.client.send(conv.id, 'back over tls');
      await eventually(() => assert.deepEqual(secure.frames.filter((f) => f.type === 'message').map((f) => f.content), ['back over tls']));
    } finally {
      secure.close();
      other.client.close();
      ws.close();
    }
  });
});
