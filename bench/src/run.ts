#!/usr/bin/env node
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Plan, PlanEntry } from './plan.js';
import { provisionBare, provisionParley, type Provisioned } from './provision.js';
import { idleWorkload, mixedWorkload, pairsWorkload, roomWorkload, type Workload } from './scenarios.js';
import { startBare, startDistributed, startSingle, type Target } from './targets.js';
import { runPlanWithNode } from './drive.js';
import { findK6, runK6 } from './k6.js';
import { measureIdle, openFileLimit } from './idle.js';
import { mainThreadCpuSeconds, pidsNamed, rssMb, sampleProcesses, type ProcessStats } from './process-stats.js';
import { summarize } from './rounds.js';
import { runLogCeiling } from './log-ceiling.js';
import { cliArgs } from './cli-args.js';

const USAGE = `usage: node bench/dist/run.js <room|pairs|mixed|idle> [options]
  --mode single|distributed   single node (one process, embedded log, PGlite) or every app as its own
                              process on real Kafka, PostgreSQL and Redis (default single)
  --driver node|k6            load generator (default node, which measures; k6 runs bench/k6/chat.js with a
                              k6 you installed: on PATH or PARLEY_K6; idle is node only)
  --transport ws|tcp|ws,tcp   WebSocket, raw TCP (length-prefixed frames, node driver only), or each in
                              turn against the same server, in the order given (default ws)
  --ceiling yes|no            also run the ceilings with the same load (default yes): the bare
                              uWebSockets.js server (over WebSocket, whatever --transport says); in
                              distributed mode instead the log path's, a bare kafkajs produce ->
                              consume -> produce -> consume loop on Parley's broker, with an exactly-once
                              middle stage and a plain one (bench/src/log-ceiling.ts)
  --ceiling-in-flight N       records the kafkajs loop keeps unacknowledged (default 2000)
  --duration S --drain S      seconds of sending (20), most seconds to wait for the rest (30)
  --rounds N                  run everything N times, each on fresh servers, and report the median
                              and spread of every figure (default 3); the load average is recorded
                              at the start of each round
  room:   --members 500 --senders 4 --rate 25        (rate: messages/s per sender)
  pairs:  --pairs 100 --rate 10                      (both ends send)
  mixed:  --users 300 --groups 3x30,10x10,50x3,150x1 --pairs 100 --rate 0.5
          --reconnect-share 0.2 --reconnect-every 8
  idle:   --connections 19000 --users 500 --steps 4 --hold 10
  distributed: --gateways 1 --ingest 1 --fanout 1 --query 1 --partitions 4
  single: --fsync always|interval|never
PARLEY_BENCH_PROFILE=<dir> makes every Parley process write a V8 CPU profile there.`;

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: 'string', default: 'single' },
    driver: { type: 'string', default: 'node' },
    transport: { type: 'string', default: 'ws' },
    ceiling: { type: 'string', default: 'yes' },
    duration: { type: 'string', default: '20' },
    drain: { type: 'string', default: '30' },
    members: { type: 'string', default: '500' },
    senders: { type: 'string', default: '4' },
    rate: { type: 'string' },
    pairs: { type: 'string' },
    users: { type: 'string' },
    groups: { type: 'string', default: '3x30,10x10,50x3,150x1' },
    'reconnect-share': { type: 'string', default: '0.2' },
    'reconnect-every': { type: 'string', default: '8' },
    connections: { type: 'string', default: '19000' },
    steps: { type: 'string', default: '4' },
    hold: { type: 'string', default: '10' },
    gateways: { type: 'string', default: '1' },
    ingest: { type: 'string', default: '1' },
    fanout: { type: 'string', default: '1' },
    query: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '4' },
    fsync: { type: 'string', default: 'always' },
    rounds: { type: 'string', default: '3' },
    'ceiling-in-flight': { type: 'string', default: '2000' },
    help: { type: 'boolean', default: false },
  },
});

const { fail, num, oneOf } = cliArgs(USAGE);

if (a.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const scenario = oneOf('scenario', positionals[0], ['room', 'pairs', 'mixed', 'idle'] as const);
const mode = oneOf('mode', a.mode, ['single', 'distributed'] as const);
const driver = oneOf('driver', a.driver, ['node', 'k6'] as const);
const ceiling = oneOf('ceiling', a.ceiling, ['yes', 'no'] as const) === 'yes';
const fsync = oneOf('fsync', a.fsync, ['always', 'interval', 'never'] as const);
const transports = [...new Set(a.transport!.split(',').map((t) => oneOf('transport', t.trim(), ['ws', 'tcp'] as const)))];
if (transports.includes('tcp') && driver === 'k6') fail('--transport tcp runs on the node driver only: k6 speaks WebSocket here');
if (transports.includes('tcp') && scenario === 'idle') fail('the idle scenario measures WebSockets only');
if (scenario === 'idle' && driver === 'k6') fail('the idle scenario runs on the node driver only: a k6 VU is a JavaScript runtime of its own, too heavy to hold thousands of idle sockets here');
if (driver === 'k6') {
  // Before minutes of start-up and provisioning: the project does not install k6, the user brings it.
  await findK6().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  });
}
const duration = num('duration', a.duration, 20, 1);
const drain = num('drain', a.drain, 30, 0);

let workload: Workload;
if (scenario === 'room') workload = roomWorkload(num('members', a.members, 500, 2), num('senders', a.senders, 4, 1), num('rate', a.rate, 25));
else if (scenario === 'pairs') workload = pairsWorkload(num('pairs', a.pairs, 100, 1), num('rate', a.rate, 10));
else if (scenario === 'mixed') workload = mixedWorkload(num('users', a.users, 300, 2), a.groups!, num('pairs', a.pairs, 100), num('rate', a.rate, 0.5), num('reconnect-share', a['reconnect-share'], 0.2), num('reconnect-every', a['reconnect-every'], 8, 2));
else {
  const limit = openFileLimit();
  let connections = num('connections', a.connections, 19000, 1);
  if (connections > limit - 500) {
    process.stderr.write(`note: ${connections} connections need as many file descriptors in this process and in the server, but the open-file limit here is ${limit} (raise it with \`ulimit -n\`, which needs CAP_SYS_RESOURCE above the hard limit); measuring ${limit - 500}.\n`);
    connections = limit - 500;
  }
  workload = idleWorkload(num('users', a.users, 500, 1), connections);
}

/** The plan entries: connection i belongs to user i mod users; only a user's first connection sends. */
function entries(target: Target, p: Provisioned, bare: boolean): PlanEntry[] {
  const tcpUrl = (i: number): string | undefined => target.tcpUrls[i % Math.max(1, target.tcpUrls.length)];
  const { topology } = workload;
  const of: { id: string; members: number }[][] = Array.from({ length: topology.users }, () => []);
  topology.conversations.forEach((c, i) => c.members.forEach((m) => of[m]!.push({ id: p.conversationIds[i]!, members: c.members.length })));
  return Array.from({ length: workload.connections }, (_, i) => {
    const u = i % topology.users;
    return {
      wsUrl: target.wsUrls[i % target.wsUrls.length]!,
      ...(tcpUrl(i) ? { tcpUrl: tcpUrl(i) } : {}),
      token: p.tokens[u]!,
      conversations: of[u]!,
      rate: i < topology.users && of[u]!.length > 0 ? workload.rates[u]! : 0,
      // The bare server keeps no history, so nothing could be resumed: its connections stay up.
      reconnectEverySeconds: i < topology.users && !bare ? workload.reconnectEvery[u]! : 0,
    };
  });
}

async function measure(target: Target, bare: boolean, transport: 'ws' | 'tcp' = 'ws'): Promise<Record<string, unknown>> {
  process.stderr.write(`${target.name}: provisioning ${workload.topology.users} users and ${workload.topology.conversations.length} conversations...\n`);
  const provisioned = bare ? provisionBare(workload.topology) : await provisionParley(target, workload.topology);
  const planEntries = entries(target, provisioned, bare);
  if (scenario === 'idle') {
    process.stderr.write(`${target.name}: opening ${planEntries.length} idle connections...\n`);
    return { idle: await measureIdle(planEntries, target.processes, num('steps', a.steps, 4, 1), num('hold', a.hold, 10)) };
  }
  // Processes are measured over the sending phase and the drain (not the connecting before it).
  let samplers: { name: string; sampler: { stop(): ProcessStats } }[] = [];
  let self = process.cpuUsage();
  let mainThreadsAtStart = 0;
  const mainThreads = (): number => target.processes.reduce((sum, p) => sum + mainThreadCpuSeconds(p.pid), 0);
  const startSampling = (): void => {
    self = process.cpuUsage();
    mainThreadsAtStart = mainThreads();
    samplers = [
      ...target.processes.map((p) => ({ name: p.name, sampler: sampleProcesses(() => [p.pid]) })),
      ...(mode === 'distributed' && !bare
        ? [
            { name: 'kafka (java)', sampler: sampleProcesses(() => pidsNamed(['java'])) },
            { name: 'postgres (all backends)', sampler: sampleProcesses(() => pidsNamed(['postgres'])) },
            { name: 'redis', sampler: sampleProcesses(() => pidsNamed(['redis-server'])) },
          ]
        : []),
    ];
  };
  const plan: Plan = {
    scenario,
    transport,
    entries: planEntries,
    startAt: driver === 'k6' ? Date.now() + 10_000 + planEntries.length * 20 : 0,
    durationSeconds: duration,
    drainSeconds: drain,
  };
  process.stderr.write(`${target.name}: driving ${scenario} over ${transport === 'tcp' ? 'raw TCP' : 'WebSocket'} with ${driver} for ${duration} s...\n`);
  let result;
  if (driver === 'k6') {
    const timer = setTimeout(startSampling, plan.startAt - Date.now());
    result = await runK6(plan);
    clearTimeout(timer);
  } else {
    result = await runPlanWithNode(plan, startSampling);
  }
  const mainThreadSeconds = mainThreads() - mainThreadsAtStart;
  const processes: Record<string, ProcessStats> = {};
  for (const s of samplers) processes[s.name] = s.sampler.stop();
  const used = process.cpuUsage(self);
  // The issue-9 comparison: deliveries per CPU-second of the server's own processes (not Kafka, PostgreSQL
  // or Redis), over the sending phase and the drain.
  const serverCpuSeconds = target.processes.reduce((sum, p) => sum + (processes[p.name]?.cpuSeconds ?? 0), 0);
  const perSecond = (seconds: number) => (result.delivered !== undefined && seconds > 0 ? Math.round(result.delivered / seconds) : undefined);
  // The same over the main threads only: the event loops that do the transport work (a single node's PGlite
  // worker, which does not depend on the transport, left out).
  return {
    ...result,
    processes,
    serverCpuSeconds: Math.round(serverCpuSeconds * 10) / 10,
    deliveredPerCpuSecond: perSecond(serverCpuSeconds),
    mainThreadCpuSeconds: Math.round(mainThreadSeconds * 10) / 10,
    deliveredPerMainThreadCpuSecond: perSecond(mainThreadSeconds),
    loadGeneratorCpuSeconds: driver === 'node' ? Math.round((used.user + used.system) / 1e5) / 10 : undefined,
  };
}

/** Resident memory of a server at rest: read `settleMs` after it said it was ready, before any client. */
async function restRss(target: Target, settleMs = 3000): Promise<Record<string, number>> {
  await sleep(settleMs);
  return Object.fromEntries(target.processes.map((p) => [p.name, Math.round(rssMb(p.pid))]));
}

/** One round: a fresh Parley (and a fresh bare server for the ceiling), each driven with the same load. */
async function round(index: number, of: number): Promise<Record<string, unknown>> {
  const loadAverage = loadavg().map((l) => Math.round(l * 100) / 100);
  process.stderr.write(`round ${index + 1} of ${of} (load average ${loadAverage.join(' ')})\n`);
  const out: Record<string, unknown> = { loadAverage };
  const parley = mode === 'single'
    ? await startSingle({ fsync, tcp })
    : await startDistributed({ gateway: num('gateways', a.gateways, 1, 1), ingest: num('ingest', a.ingest, 1, 1), fanout: num('fanout', a.fanout, 1, 1), query: num('query', a.query, 1, 1) }, num('partitions', a.partitions, 4, 1), tcp);
  try {
    out['restRssMb'] = await restRss(parley);
    // One server for every transport asked for, each with users of its own, in the order given.
    for (const transport of transports) out[transport === 'ws' ? 'parley' : 'parleyTcp'] = await measure(parley, false, transport);
    if (ceiling && parley.kafkaBrokers) {
      // The log path's ceiling on the same broker, right after Parley's run (its apps idle meanwhile).
      for (const transactional of [true, false]) {
        process.stderr.write(`log ceiling (${transactional ? 'exactly-once' : 'plain'} middle stage) for ${duration} s...\n`);
        out[transactional ? 'logCeilingExactlyOnce' : 'logCeilingPlain'] = await runLogCeiling({
          brokers: parley.kafkaBrokers,
          partitions: num('partitions', a.partitions, 4, 1),
          durationSeconds: duration,
          inFlight: num('ceiling-in-flight', a['ceiling-in-flight'], 2000, 1),
          transactional,
        });
      }
    }
  } finally {
    process.stderr.write('stopping Parley...\n');
    await parley.stop();
  }
  if (ceiling && mode === 'single') {
    const bare = await startBare();
    try {
      out['bareRestRssMb'] = await restRss(bare, 1000);
      out['bareUws'] = await measure(bare, true);
    } finally {
      await bare.stop();
    }
  }
  return out;
}

const rounds = num('rounds', a.rounds, 3, 1);
const tcp = transports.includes('tcp');
const report: Record<string, unknown> = { scenario, mode, driver, options: { ...a }, workload: { users: workload.topology.users, conversations: workload.topology.conversations.length, connections: workload.connections }, date: new Date().toISOString() };
const results: Record<string, unknown>[] = [];
for (let i = 0; i < rounds; i++) results.push(await round(i, rounds));
report['summary'] = summarize(results);
report['rounds'] = results;
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
