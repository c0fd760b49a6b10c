#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startDistributed, startSingle, type Target } from './targets.js';
import { httpSteps } from './http-steps.js';

// `node bench/dist/receipts.js [--mode single|distributed] [--members 500] [--messages 20] [--interval-ms 250]`:
// the write load of read receipts in a big group where everyone reads everything. Every member holds a
// WebSocket and answers each message with a `read` for its seq at once; the owner sends `--messages`
// messages, one per `--interval-ms`. Each ReceiptsMarked event reaches the owner as one `receipts` frame,
// so the owner's frames count the events. Reported: reads sent, events written, events per message and
// per message read (one event per read, uncoalesced, would be 1), and receipts frames delivered. One JSON
// report on stdout; progress on stderr.

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'single' },
    members: { type: 'string', default: '500' },
    messages: { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '250' },
  },
});
const members = Number(values.members);
const messages = Number(values.messages);
const intervalMs = Number(values['interval-ms']);
if (!Number.isInteger(members) || members < 2 || members > 5000) throw new Error('--members must be an integer from 2 to 5000');
if (!Number.isInteger(messages) || messages < 1 || messages > 10_000) throw new Error('--messages must be an integer from 1 to 10000');
if (!Number.isInteger(intervalMs) || intervalMs < 0) throw new Error('--interval-ms must be a non-negative integer');
if (values.mode !== 'single' && values.mode !== 'distributed') throw new Error('--mode is single or distributed');

const FLUSH_MS = 1000;
const target: Target =
  values.mode === 'single'
    ? await startSingle({ fsync: 'always', tcp: false, env: { PARLEY_RECEIPT_FLUSH_MS: String(FLUSH_MS) } })
    : await startDistributed({ gateway: 2, ingest: 1, fanout: 1, query: 1 }, 4, false, { PARLEY_RECEIPT_FLUSH_MS: String(FLUSH_MS) });
const { call, signUp } = httpSteps(target);
const sockets: WebSocket[] = [];

/** A signed-in WebSocket; `onFrame` sees every frame after `ready`. */
async function connect(url: string, token: string, onFrame: (f: Record<string, unknown>, ws: WebSocket) => void): Promise<WebSocket> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const ready = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Record<string, unknown>;
      if (f['type'] === 'ready') resolve();
      else onFrame(f, ws);
    });
  });
  ws.send(JSON.stringify({ type: 'auth', token }));
  await ready;
  return ws;
}

try {
  const suffix = Date.now().toString(36);
  process.stderr.write(`signing up ${members} users...\n`);
  const owner = await signUp(`rc${suffix}`);
  const others: Array<{ token: string; id: string; name: string }> = [];
  for (let i = 1; i < members; i++) {
    others.push(await signUp(`rc${suffix}m${i}`));
    if (i % 100 === 0) process.stderr.write(`  ${i}/${members - 1}\n`);
  }
  const created = await call('POST', '/groups', owner.token, { name: 'Receipts bench', members: others.map((o) => o.name) });
  const group = (created['conversation'] as { id: string }).id;
  process.stderr.write(`connecting ${members} WebSockets...\n`);
  let readsSent = 0;
  let receiptFramesDelivered = 0;
  let ownerEvents = 0;
  let ownerMarks = 0;
  let lastRead = 0;
  for (const [i, member] of others.entries()) {
    await connect(target.wsUrls[i % target.wsUrls.length]!, member.token, (f, ws) => {
      if (f['type'] === 'message' && f['conversation'] === group && (f['sender'] as { id: string }).id === owner.id) {
        ws.send(JSON.stringify({ type: 'read', conversation: group, seq: f['seq'] }));
        readsSent++;
      } else if (f['type'] === 'receipts') receiptFramesDelivered++;
    });
  }
  const ownerWs = await connect(target.wsUrls[0]!, owner.token, (f) => {
    if (f['type'] !== 'receipts' || f['conversation'] !== group) return;
    ownerEvents++;
    for (const m of f['marks'] as Array<{ readSeq: number }>) {
      ownerMarks++;
      lastRead = Math.max(lastRead, m.readSeq);
    }
  });
  process.stderr.write(`sending ${messages} messages...\n`);
  let lastSeq = 0;
  const acked = new Map<string, (seq: number) => void>();
  ownerWs.on('message', (data) => {
    const f = JSON.parse(data.toString()) as Record<string, unknown>;
    if (f['type'] === 'ack') acked.get(f['clientMsgId'] as string)?.(f['seq'] as number);
  });
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    const clientMsgId = `m${i}`;
    const seq = new Promise<number>((resolve) => acked.set(clientMsgId, resolve));
    ownerWs.send(JSON.stringify({ type: 'send', conversation: group, clientMsgId, content: `message ${i}` }));
    lastSeq = await seq;
    await sleep(intervalMs);
  }
  // Every member has read the last message once the owner sees it in a receipt; then one more flush.
  const deadline = Date.now() + 120_000;
  while (readsSent < messages * (members - 1) && Date.now() < deadline) await sleep(100);
  await sleep(FLUSH_MS * 3);
  const seconds = (performance.now() - started) / 1000;
  const reads = messages * (members - 1);
  const marks = await call('GET', `/conversations/${group}/receipts`, owner.token);
  const allRead = (marks['marks'] as Array<{ readSeq: number }>).filter((m) => m.readSeq >= lastSeq).length;
  console.log(
    JSON.stringify(
      {
        scenario: 'receipts',
        mode: values.mode,
        members,
        messages,
        intervalMs,
        flushMs: FLUSH_MS,
        seconds: Number(seconds.toFixed(1)),
        readsSent,
        membersAtLastSeq: allRead,
        events: ownerEvents,
        marksInEvents: ownerMarks,
        eventsPerMessage: Number((ownerEvents / messages).toFixed(2)),
        eventsPerMessageRead: Number((ownerEvents / reads).toFixed(5)),
        receiptFramesDelivered,
        lastReadSeen: lastRead,
      },
      null,
      2,
    ),
  );
} finally {
  for (const ws of sockets) ws.terminate();
  await target.stop();
}
