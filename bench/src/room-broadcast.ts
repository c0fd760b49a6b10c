#!/usr/bin/env node
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { freePort, startNodeProcess } from '@parley/test-infra';
import { sampleProcess } from './process-stats.js';
import { percentiles } from './percentiles.js';

/*
 * Scenarios (single node): `room`: one open room with --members members and --senders of them sending
 * --rate messages/s each; `pairs`: --pairs 1:1 conversations, both ends sending --rate messages/s each.
 * Each run also drives a bare uWebSockets.js server with the same clients and traffic: the ceiling.
 * The send time travels in the content, so latency is end to end (sender's send -> receiver's socket).
 * Loss = acknowledged messages that a member never received (seqs are dense, delivery is in order).
 */
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'room' },
    members: { type: 'string', default: '200' },
    senders: { type: 'string', default: '4' },
    pairs: { type: 'string', default: '50' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    fsync: { type: 'string', default: 'always' },
    target: { type: 'string', default: 'both' },
  },
});
const scenario = args.scenario === 'pairs' ? 'pairs' : 'room';
const rate = Number(args.rate);
const duration = Number(args.duration);
const MAIN = fileURLToPath(new URL('../../apps/gateway/dist/single-node-main.js', import.meta.url));

interface Client {
  ws: WebSocket;
  index: number;
  conversations: string[];
  received: number;
  latencies: number[];
  acked: number;
  sent: number;
}

function connect(url: string, first: unknown, onFrame: (text: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', reject);
    ws.on('message', (d) => onFrame(d.toString()));
    ws.once('open', () => {
      ws.send(JSON.stringify(first));
      const wait = (d: WebSocket.RawData): void => {
        if (d.toString().startsWith('{"type":"ready"')) {
          ws.off('message', wait);
          resolve(ws);
        }
      };
      ws.on('message', wait);
    });
  });
}

function track(c: Client, text: string): void {
  if (text.startsWith('{"type":"message"')) {
    const m = JSON.parse(text) as { content: string };
    c.received++;
    c.latencies.push(Date.now() - Number(m.content));
  } else if (text.startsWith('{"type":"ack"')) c.acked++;
}

async function pool<T>(items: T[], n: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

/** Builds the clients and who sends: room (members, the first `senders` send) or pairs (both ends send). */
async function parleyClients(url: string): Promise<{ clients: Client[]; senders: Client[] }> {
  const n = scenario === 'room' ? Number(args.members) : Number(args.pairs) * 2;
  const suffix = Date.now().toString(36);
  const tokens: string[] = [];
  const names = Array.from({ length: n }, (_, i) => `b${suffix}${i}`);
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  await pool(names, 4, async (name, i) => {
    await post('/v1/auth/register', { username: name, password: 'correct horse battery' });
    tokens[i] = (await post('/v1/auth/login', { username: name, password: 'correct horse battery' }))['token'] as string;
  });
  const conversationOf: string[][] = names.map(() => []);
  if (scenario === 'room') {
    const room = `bench${suffix}`;
    await pool(names, 8, async (_, i) => void (await post(`/v1/rooms/${room}/join`, {}, tokens[i])));
    for (const c of conversationOf) c.push(`r.${room}`);
  } else {
    for (let p = 0; p < n / 2; p++) {
      const conv = (await post('/v1/conversations/direct', { username: names[2 * p + 1] }, tokens[2 * p]))['conversation'] as { id: string };
      conversationOf[2 * p]!.push(conv.id);
      conversationOf[2 * p + 1]!.push(conv.id);
    }
  }
  const clients: Client[] = [];
  await pool(names, 16, async (_, i) => {
    const c: Client = { ws: undefined as unknown as WebSocket, index: i, conversations: conversationOf[i]!, received: 0, latencies: [], acked: 0, sent: 0 };
    c.ws = await connect(`${url.replace('http', 'ws')}/v1/ws`, { type: 'auth', token: tokens[i] }, (t) => track(c, t));
    clients[i] = c;
  });
  const senders = scenario === 'room' ? clients.slice(0, Number(args.senders)) : clients;
  return { clients, senders };
}

async function bareClients(url: string): Promise<{ clients: Client[]; senders: Client[] }> {
  const n = scenario === 'room' ? Number(args.members) : Number(args.pairs) * 2;
  const clients: Client[] = [];
  await pool(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
    const conversation = scenario === 'room' ? 'room' : `pair${Math.floor(i / 2)}`;
    const c: Client = { ws: undefined as unknown as WebSocket, index: i, conversations: [conversation], received: 0, latencies: [], acked: 0, sent: 0 };
    c.ws = await connect(`${url.replace('http', 'ws')}/v1/ws`, { room: conversation }, (t) => track(c, t));
    clients[i] = c;
  });
  return { clients, senders: scenario === 'room' ? clients.slice(0, Number(args.senders)) : clients };
}

async function drive(clients: Client[], senders: Client[], pid: number) {
  const stats = sampleProcess(pid);
  const started = Date.now();
  let seq = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (Date.now() - started) / 1000;
      if (elapsed >= duration) {
        clearInterval(timer);
        return resolve();
      }
      const due = Math.floor(elapsed * rate);
      for (const s of senders) {
        while (s.sent < due) {
          s.sent++;
          s.ws.send(JSON.stringify({ type: 'send', conversation: s.conversations[0], clientMsgId: `m${s.index}-${++seq}`, content: String(Date.now()) }));
        }
      }
    }, 5);
  });
  // Drain: wait until deliveries stop growing.
  let before = -1;
  for (let i = 0; i < 40; i++) {
    const now = clients.reduce((n, c) => n + c.received, 0);
    if (now === before) break;
    before = now;
    await sleep(500);
  }
  const server = stats.stop();
  const offered = senders.reduce((n, s) => n + s.sent, 0);
  const acked = senders.reduce((n, s) => n + s.acked, 0);
  const delivered = clients.reduce((n, c) => n + c.received, 0);
  // Every member should have every acked message of its conversations that others sent.
  const ackedByConv = new Map<string, number>();
  for (const s of senders) ackedByConv.set(s.conversations[0]!, (ackedByConv.get(s.conversations[0]!) ?? 0) + s.acked);
  let loss = 0;
  for (const c of clients) {
    const expected = (ackedByConv.get(c.conversations[0]!) ?? 0) - (senders.includes(c) ? c.acked : 0);
    loss += Math.max(0, expected - c.received);
  }
  const latency = percentiles(clients.flatMap((c) => c.latencies));
  return {
    offeredPerSecond: Math.round(offered / duration),
    acceptedPerSecond: Math.round(acked / duration),
    deliveredPerSecond: Math.round(delivered / duration),
    latencyMs: latency,
    errors: offered - acked,
    loss,
    server,
    loadGeneratorCpuSeconds: Math.round(process.cpuUsage().user / 1e5) / 10,
  };
}

const results: Record<string, unknown> = { scenario, members: args.members, senders: args.senders, pairs: args.pairs, ratePerSender: rate, seconds: duration, fsync: args.fsync, date: new Date().toISOString() };
if (args.target !== 'bare') {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  const port = await freePort();
  const node = await startNodeProcess({
    main: MAIN,
    readyMessage: 'Parley is ready',
    // PARLEY_BENCH_PROFILE=<dir>: the server writes a V8 CPU profile there when it stops.
    nodeArgs: process.env['PARLEY_BENCH_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['PARLEY_BENCH_PROFILE']}`] : [],
    env: { PORT: String(port), PARLEY_DATA_DIR: dataDir, PARLEY_LOG_FSYNC: args.fsync!, PARLEY_AUTH_RATE_PER_MIN: '1000000', PARLEY_API_RATE_PER_MIN: '10000000', PARLEY_FRAMES_PER_SECOND: '1000000', PARLEY_MAX_PENDING_SENDS: '65536' },
    keepLines: 1000,
  });
  try {
    const { clients, senders } = await parleyClients(`http://127.0.0.1:${port}`);
    results['parley'] = await drive(clients, senders, node.process.pid!);
    for (const c of clients) c.ws.close();
  } finally {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
if (args.target !== 'parley') {
  const bare = await startNodeProcess({ main: fileURLToPath(new URL('./bare-uws-main.js', import.meta.url)), env: {}, readyMessage: 'bare ready', timeoutMs: 10_000 });
  const { clients, senders } = await bareClients(`http://127.0.0.1:${bare.ready['port'] as number}`);
  results['bareUws'] = await drive(clients, senders, bare.process.pid!);
  for (const c of clients) c.ws.close();
  await bare.stop();
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
