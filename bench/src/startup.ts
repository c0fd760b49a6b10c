#!/usr/bin/env node
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { cliArgs } from './cli-args.js';
import { openSocket, runPlanWithNode } from './drive.js';
import { provisionParley } from './provision.js';
import { rssMb } from './process-stats.js';
import { pairsWorkload } from './scenarios.js';
import { startSingle } from './targets.js';

/*
 * Start-up with history (issue 14): fill a single node's log with --messages 1:1 messages through its
 * WebSocket API, let the projector catch up, stop it (SIGTERM), start it again on the same data and report
 * the time to "Parley is ready", to /healthz 200, and to the first acknowledged send in the oldest
 * conversation; the journal's size and the resident memory at rest after the restart.
 *   node bench/dist/startup.js [--messages 1000000] [--pairs 100] [--rate 40] [--fsync always]
 */
const USAGE = `usage: node bench/dist/startup.js [--messages 1000000] [--pairs 100] [--rate 40] [--fsync always|interval|never]
  fills a single node with 1:1 messages (pairs x 2 connections, each sending --rate msg/s), restarts it,
  and reports time to ready, to /healthz 200, to the first acknowledged send, journal size and RSS at rest`;
const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    pairs: { type: 'string', default: '100' },
    rate: { type: 'string', default: '40' },
    fsync: { type: 'string', default: 'always' },
    help: { type: 'boolean', default: false },
  },
});
const { num, oneOf } = cliArgs(USAGE);
if (a.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const messages = num('messages', a.messages, 1_000_000, 1, true);
const pairs = num('pairs', a.pairs, 100, 1, true);
const rate = num('rate', a.rate, 40, 1);
const fsync = oneOf('fsync', a.fsync, ['always', 'interval', 'never'] as const);
const say = (line: string): void => void process.stderr.write(`${line}\n`);

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'parley-startup-'));
const report: Record<string, unknown> = { date: new Date().toISOString(), messages, pairs, rate, fsync };
try {
  const workload = pairsWorkload(pairs, rate);
  let target = await startSingle({ fsync, tcp: false, dataDir });
  say(`filling: provisioning ${pairs * 2} users...`);
  const provisioned = await provisionParley(target, workload.topology);
  const entries = Array.from({ length: workload.connections }, (_, i) => ({
    wsUrl: target.wsUrls[0]!,
    token: provisioned.tokens[i]!,
    conversations: [{ id: provisioned.conversationIds[Math.floor(i / 2)]!, members: 2 }],
    rate,
    reconnectEverySeconds: 0,
  }));
  let acked = 0;
  const fillStarted = Date.now();
  while (acked < messages) {
    const seconds = Math.max(5, Math.min(120, Math.ceil((messages - acked) / (pairs * 2 * rate))));
    say(`filling: ${acked} of ${messages} acknowledged; sending for ${seconds} s...`);
    const result = await runPlanWithNode({ scenario: 'pairs', entries: entries.map((e) => ({ ...e, wsUrl: target.wsUrls[0]! })), startAt: 0, durationSeconds: seconds, drainSeconds: 30 });
    acked += Math.round((result.acceptedPerSecond ?? 0) * (result.acceptedOverSeconds ?? seconds));
  }
  report['filled'] = { acked, seconds: Math.round((Date.now() - fillStarted) / 1000) };
  say('filling: waiting for the projector to catch up (/healthz 200)...');
  while (!(await healthy(target.httpUrl))) await sleep(1000);
  await sleep(2000);
  say('stopping...');
  await target.stop();
  const journal = await stat(join(dataDir, 'log', 'journal.log')).catch(() => undefined);
  report['journalBytes'] = journal?.size;
  report['journalBytesPerMessage'] = journal ? Math.round(journal.size / acked) : undefined;

  say('starting again on the same data...');
  const started = Date.now();
  target = await startSingle({ fsync, tcp: false, dataDir, timeoutMs: 30 * 60_000 });
  const ready = Date.now() - started;
  while (!(await healthy(target.httpUrl))) await sleep(50);
  const healthz = Date.now() - started;
  // The first acknowledged send in the oldest conversation, over a fresh connection.
  const conversation = provisioned.conversationIds[0]!;
  const acknowledged = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ack in 60 s')), 60_000);
    void openSocket(target.wsUrls[0]!, { type: 'auth', token: provisioned.tokens[0] }, (text) => {
      const frame = JSON.parse(text) as { type: string; clientMsgId?: string };
      if (frame.type === 'ack' && frame.clientMsgId === 'startup-probe') {
        clearTimeout(timer);
        resolve(Date.now() - started);
      }
    }).then((ws) => ws.send(JSON.stringify({ type: 'send', conversation, clientMsgId: 'startup-probe', content: 'after the restart' })), reject);
  });
  await sleep(5000);
  report['restart'] = { readyMs: ready, healthzMs: healthz, firstAckMs: acknowledged, rssAtRestMb: Math.round(rssMb(target.processes[0]!.pid)) };
  await target.stop();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
