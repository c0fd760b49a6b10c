#!/usr/bin/env node
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Cluster } from '@parley/test-infra';
import type WebSocket from 'ws';
import { cliArgs } from './cli-args.js';
import { openSocket } from './drive.js';
import { fillPairs } from './fill.js';
import { provisionParley } from './provision.js';
import { pairsWorkload } from './scenarios.js';
import { BENCH_ENV, type Target } from './targets.js';

/*
 * Distributed takeover (issue 15; `npm run bench -- takeover`): two ingest instances on a real Kafka
 * broker, --messages 1:1 messages sent through the API, then ingest-1 is killed (SIGKILL) and a probe
 * sends one message to every conversation at once, re-sending any that fails; the report gives, per run,
 * the time from the kill until every conversation had an acknowledged send (so also those whose
 * partitions the dead instance held), and the rebuild time the surviving instance logged. Runs once with
 * snapshots (the default) and once with PARLEY_SNAPSHOT_EVERY=0 (every partition folded from offset 0).
 */
const USAGE = `usage: npm run bench -- takeover [--messages 200000] [--pairs 100] [--rate 20] [--partitions 4] [--runs snapshots,none]
  (or node bench/dist/takeover.js ...) fills a distributed Parley with 2 ingest instances, SIGKILLs one,
  and reports how long until every conversation accepts a send again, with and without snapshots`;
const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    pairs: { type: 'string', default: '100' },
    rate: { type: 'string', default: '20' },
    partitions: { type: 'string', default: '4' },
    runs: { type: 'string', default: 'snapshots,none' },
    help: { type: 'boolean', default: false },
  },
});
const { num, oneOf, fail } = cliArgs(USAGE);
if (a.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const messages = num('messages', a.messages, 200_000, 1, true);
const pairs = num('pairs', a.pairs, 100, 1, true);
const rate = num('rate', a.rate, 20, 1);
const partitions = num('partitions', a.partitions, 4, 1, true);
const runs = (a.runs ?? '').split(',').map((r) => oneOf('runs', r.trim(), ['snapshots', 'none'] as const));
if (runs.length === 0) fail('--runs names no run');
const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Sends one message to each conversation (re-sending on an error frame) and resolves with each first ack's time (ms since `since`). */
async function probe(target: Target, tokens: readonly string[], conversations: readonly string[], since: number): Promise<number[]> {
  const sockets: WebSocket[] = [];
  try {
    return await Promise.all(
      conversations.map(
        (conversation, i) =>
          new Promise<number>((resolve, reject) => {
            let attempt = 0;
            const timer = setTimeout(() => reject(new Error(`no ack in ${conversation} within 5 minutes`)), 300_000);
            let socket: WebSocket | undefined;
            const send = (): void => socket?.send(JSON.stringify({ type: 'send', conversation, clientMsgId: `takeover-${i}-${++attempt}`, content: 'after the kill' }));
            void openSocket(target.wsUrls[0]!, { type: 'auth', token: tokens[i * 2] }, (text) => {
              const frame = JSON.parse(text) as { type: string; clientMsgId?: string };
              if (!frame.clientMsgId?.startsWith(`takeover-${i}-`)) return;
              if (frame.type === 'ack') {
                clearTimeout(timer);
                resolve(Date.now() - since);
              } else if (frame.type === 'error') setTimeout(send, 100);
            }).then((ws) => {
              socket = ws;
              sockets.push(ws);
              send();
            }, reject);
          }),
      ),
    );
  } finally {
    for (const s of sockets) s.close();
  }
}

const report: Record<string, unknown> = { date: new Date().toISOString(), messages, pairs, rate, partitions };
for (const run of runs) {
  say(`${run}: starting Kafka, PostgreSQL, Redis and the apps (2 ingest instances)...`);
  const cluster = await Cluster.start({ gateway: 1, ingest: 2, fanout: 1, query: 1 }, { ...BENCH_ENV, PARLEY_PARTITIONS: String(partitions), ...(run === 'none' ? { PARLEY_SNAPSHOT_EVERY: '0' } : {}) });
  try {
    const target: Target = { name: 'parley distributed', httpUrl: cluster.urls('query')[0]!, wsUrls: cluster.urls('gateway').map((u) => `${u.replace('http', 'ws')}/v1/ws`), tcpUrls: [], processes: [], stop: async () => undefined };
    const provisioned = await provisionParley(target, pairsWorkload(pairs, rate).topology);
    const acked = await fillPairs(target, provisioned, pairs, rate, messages, say);
    // Let the periodic snapshots (PARLEY_SNAPSHOT_INTERVAL_MS) and fanout catch up before the kill.
    await sleep(5_000);
    const survivor = cluster.instances.find((i) => i.app === 'ingest' && i.index === 0)!;
    const logged = survivor.logs.length;
    say(`${run}: ${acked} messages acknowledged; killing ingest-1 (SIGKILL)...`);
    const killedAt = Date.now();
    await cluster.kill('ingest', 1);
    const acks = await probe(target, provisioned.tokens, provisioned.conversationIds, killedAt);
    const rebuilt = survivor.logs
      .slice(logged)
      .filter((l) => l.includes('"ingest partitions rebuilt"'))
      .map((l) => JSON.parse(l) as { ms: number; partitions: number; fromSnapshots: number; eventsFolded: number })
      .map(({ ms, partitions: count, fromSnapshots, eventsFolded }) => ({ ms, partitions: count, fromSnapshots, eventsFolded }));
    const sorted = [...acks].sort((x, y) => x - y);
    report[run] = { acked, everyConversationAckedMs: sorted.at(-1), medianConversationAckedMs: sorted[sorted.length >> 1], survivorRebuilt: rebuilt };
    say(`${run}: every conversation accepted a send ${sorted.at(-1)} ms after the kill; survivor rebuilt ${JSON.stringify(rebuilt)}`);
  } finally {
    await cluster.stop();
  }
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
