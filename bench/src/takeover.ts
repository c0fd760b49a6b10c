#!/usr/bin/env node
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Cluster, type AppName } from '@parley/test-infra';
import type WebSocket from 'ws';
import { cliArgs } from './cli-args.js';
import { openSocket } from './drive.js';
import { fillPairs } from './fill.js';
import { provisionParley } from './provision.js';
import { pairsWorkload } from './scenarios.js';
import { BENCH_ENV, healthy, type Target } from './targets.js';

/*
 * Distributed takeover (issue 15; `npm run bench -- takeover`): two ingest instances on a real Kafka
 * broker, --messages 1:1 messages sent through the API, then ingest-1 is killed (SIGKILL) and a probe
 * sends one message to every conversation at once, re-sending any that fails; the report gives, per run,
 * the time from the kill until every conversation had an acknowledged send (so also those whose
 * partitions the dead instance held), and the rebuild time the surviving instance logged. Runs once with
 * snapshots (the default) and once with PARLEY_SNAPSHOT_EVERY=0 (every partition folded from offset 0).
 * `--runs restart` (issue 14's distributed start-up): one instance of each app, filled the same way, then
 * every app stopped (SIGTERM) and started again on the same Kafka, PostgreSQL and Redis, in the order the
 * cluster first started them (query, then the rest at once); the report gives each instance's time from
 * the restart to its "ready" line, to each ingest partition rebuild it logged, and, as for a takeover, the
 * time until every conversation had an acknowledged send, and to a random conversation's history.
 */
const USAGE = `usage: npm run bench -- takeover [--messages 200000] [--pairs 100] [--rate 20] [--partitions 4] [--runs snapshots,none,restart]
  (or node bench/dist/takeover.js ...) fills a distributed Parley with 2 ingest instances, SIGKILLs one,
  and reports how long until every conversation accepts a send again, with and without snapshots;
  the run "restart" fills one instance of each app instead, stops them all (SIGTERM), starts them again
  and reports the time to each "ready", to every conversation's first acknowledged send and to a history read`;
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
const runs = (a.runs ?? '').split(',').map((r) => oneOf('runs', r.trim(), ['snapshots', 'none', 'restart'] as const));
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

/** The `restart` run: waits for the projector, stops every app (SIGTERM), starts them all again and times it. */
async function restartAll(cluster: Cluster, target: Target, tokens: readonly string[], conversations: readonly string[], acked: number): Promise<Record<string, unknown>> {
  say('restart: waiting for the projector to catch up (query /healthz 200) and the periodic snapshots...');
  while (!(await healthy(target.httpUrl))) await sleep(1000);
  await sleep(5_000);
  say(`restart: ${acked} messages acknowledged; stopping every app (SIGTERM)...`);
  for (const i of cluster.instances) await cluster.terminate(i.app, i.index);
  const marks = new Map(cluster.instances.map((i) => [`${i.app}-${i.index}`, i.logs.length]));
  const started = Date.now();
  const readyMs: Record<string, number> = {};
  const launch = async (app: AppName, index: number): Promise<void> => {
    await cluster.restart(app, index);
    readyMs[`${app}-${index}`] = Date.now() - started;
  };
  // The order Cluster.start uses: query (it migrates) first, then the rest at once.
  for (const i of cluster.instances.filter((x) => x.app === 'query')) await launch(i.app, i.index);
  await Promise.all(cluster.instances.filter((x) => x.app !== 'query').map((i) => launch(i.app, i.index)));
  say(`restart: every app ready after ${Math.max(...Object.values(readyMs))} ms; a send to every conversation...`);
  const acks = await probe(target, tokens, conversations, started);
  const pick = Math.floor(Math.random() * conversations.length);
  const history = await fetch(`${target.httpUrl}/v1/conversations/${encodeURIComponent(conversations[pick]!)}/messages?limit=50`, { headers: { authorization: `Bearer ${tokens[pick * 2]}` } });
  const historyMs = Date.now() - started;
  if (history.status !== 200) throw new Error(`history answered ${history.status}: ${await history.text()}`);
  const rebuilds = cluster.instances
    .filter((i) => i.app === 'ingest')
    .flatMap((i) => i.logs.slice(marks.get(`${i.app}-${i.index}`)).filter((l) => l.includes('"ingest partitions rebuilt"')))
    .map((l) => JSON.parse(l) as { time: string; ms: number; partitions: number; fromSnapshots: number; eventsFolded: number })
    .map(({ time, ms, partitions: count, fromSnapshots, eventsFolded }) => ({ atMs: Date.parse(time) - started, ms, partitions: count, fromSnapshots, eventsFolded }));
  const sorted = [...acks].sort((x, y) => x - y);
  const result = { acked, readyMs, ingestRebuilt: rebuilds, everyConversationAckedMs: sorted.at(-1), medianConversationAckedMs: sorted[sorted.length >> 1], historyMs };
  say(`restart: ${JSON.stringify(result)}; every app's log lines: ${cluster.dumpLogs()}`);
  return result;
}

const report: Record<string, unknown> = { date: new Date().toISOString(), messages, pairs, rate, partitions };
for (const run of runs) {
  const ingests = run === 'restart' ? 1 : 2;
  say(`${run}: starting Kafka, PostgreSQL, Redis and the apps (${ingests} ingest instance${ingests > 1 ? 's' : ''})...`);
  const cluster = await Cluster.start({ gateway: 1, ingest: ingests, fanout: 1, query: 1 }, { ...BENCH_ENV, PARLEY_PARTITIONS: String(partitions), ...(run === 'none' ? { PARLEY_SNAPSHOT_EVERY: '0' } : {}) });
  try {
    const target: Target = { name: 'parley distributed', httpUrl: cluster.urls('query')[0]!, wsUrls: cluster.urls('gateway').map((u) => `${u.replace('http', 'ws')}/v1/ws`), tcpUrls: [], processes: [], stop: async () => undefined };
    const provisioned = await provisionParley(target, pairsWorkload(pairs, rate).topology);
    const acked = await fillPairs(target, provisioned, pairs, rate, messages, say);
    if (run === 'restart') {
      report[run] = await restartAll(cluster, target, provisioned.tokens, provisioned.conversationIds, acked);
      continue;
    }
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
