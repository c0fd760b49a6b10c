import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Cluster, freePort, startNodeProcess, type AppName } from '@parley/test-infra';

/** A running system under test: where clients go, and which processes to measure. */
export interface Target {
  name: string;
  /** HTTP API (register, login, conversations). */
  httpUrl: string;
  /** Gateway WebSocket URLs (ws://.../v1/ws); connections are spread over them. */
  wsUrls: string[];
  /** The same gateways' raw TCP addresses (tcp://host:port), in the same order; empty when none serves TCP. */
  tcpUrls: string[];
  /** The processes whose CPU and memory a run reports. */
  processes: { name: string; pid: number }[];
  /** Distributed: the Kafka broker Parley runs on (the log path's ceiling runs on it too). */
  kafkaBrokers?: string[];
  /** Single node: its newest log lines (JSON). */
  logs?: readonly string[];
  stop(): Promise<void>;
}

const SINGLE_MAIN = fileURLToPath(new URL('../../apps/gateway/dist/single-node-main.js', import.meta.url));
const BARE_MAIN = fileURLToPath(new URL('./bare-uws-main.js', import.meta.url));

/**
 * Limits raised so that the load generator, not a per-client rate limit, decides the load; and what
 * `npm start` and the image set for every app (scripts/build-then-run.mjs, Dockerfile), so that a bench
 * started any way measures the same processes (a MALLOC_MMAP_THRESHOLD_ in the environment wins).
 */
export const BENCH_ENV = {
  MALLOC_MMAP_THRESHOLD_: process.env['MALLOC_MMAP_THRESHOLD_'] ?? '131072',
  PARLEY_AUTH_RATE_PER_MIN: '1000000',
  PARLEY_API_RATE_PER_MIN: '10000000',
  PARLEY_FRAMES_PER_SECOND: '1000000',
  PARLEY_MAX_PENDING_SENDS: '65536',
};

const ws = (http: string) => `${http.replace('http', 'ws')}/v1/ws`;

/** Whether `url`'s /healthz answers 200 (the single node, or query: the projector caught up). */
export async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

/** The port of a `{"msg":"tcp listening","port":N}` log line (PARLEY_TCP_PORT=0 binds any free port). */
export function tcpPortFromLogs(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    if (!line.includes('"tcp listening"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; port?: unknown };
      if (entry.msg === 'tcp listening' && typeof entry.port === 'number') return entry.port;
    } catch {
      /* not a log line */
    }
  }
  return undefined;
}

/** The raw TCP URL a started process logged (it may log it a moment after it said it was ready). */
async function tcpUrl(lines: readonly string[], who: string): Promise<string> {
  for (let waited = 0; waited < 5000; waited += 100) {
    const port = tcpPortFromLogs(lines);
    if (port !== undefined) return `tcp://127.0.0.1:${port}`;
    await sleep(100);
  }
  throw new Error(`${who} logged no "tcp listening" line in 5 s (PARLEY_TCP_PORT=0 was set)`);
}

/**
 * `PARLEY_BENCH_PROFILE=<dir>`: every Parley process writes a V8 CPU profile there when it stops.
 * `PARLEY_BENCH_NODE_ARGS="--flag ..."`: node flags for every Parley process (not the load generator).
 */
function profileArgs(): string[] {
  const dir = process.env['PARLEY_BENCH_PROFILE'];
  const extra = (process.env['PARLEY_BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
  return [...extra, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])];
}

/**
 * The single-node server (`npm start`'s process) on a free port with fresh data; raw TCP too with `tcp`.
 * With `dataDir` it runs on that directory and leaves it in place when stopped (a restart measures it).
 */
export async function startSingle(options: { fsync: string; tcp: boolean; env?: Record<string, string>; dataDir?: string; timeoutMs?: number }): Promise<Target> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-bench-')));
  const keep = options.dataDir !== undefined;
  const port = await freePort();
  const node = await startNodeProcess({
    main: SINGLE_MAIN,
    readyMessage: 'Parley is ready',
    nodeArgs: profileArgs(),
    env: { PORT: String(port), PARLEY_TCP_PORT: options.tcp ? '0' : 'off', PARLEY_DATA_DIR: dataDir, PARLEY_LOG_FSYNC: options.fsync, ...BENCH_ENV, ...options.env },
    keepLines: 1000,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  const tcpUrls = options.tcp
    ? [await tcpUrl(node.logs, 'the single node').catch(async (error: unknown) => {
        await node.kill();
        if (!keep) await rm(dataDir, { recursive: true, force: true });
        throw error;
      })]
    : [];
  return {
    name: 'parley single node',
    logs: node.logs,
    httpUrl: url,
    wsUrls: [ws(url)],
    tcpUrls,
    processes: [{ name: 'parley', pid: node.process.pid! }],
    async stop() {
      await node.stop();
      if (!keep) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The distributed stack on this machine: a real Kafka broker, PostgreSQL and Redis, and each app as its
 * own process (`counts` of each); the gateways serve raw TCP too with `tcp`.
 */
export async function startDistributed(counts: Record<AppName, number>, partitions: number, tcp: boolean, env: Record<string, string> = {}): Promise<Target> {
  process.stderr.write('starting Kafka, PostgreSQL and Redis, then the apps (about 30 s)...\n');
  // PARLEY_TCP_PORT: a distributed gateway serves raw TCP only when it is set (the other apps ignore it).
  const cluster = await Cluster.start(counts, { ...BENCH_ENV, PARLEY_PARTITIONS: String(partitions), PARLEY_TCP_PORT: tcp ? '0' : 'off', ...env }, { nodeArgs: () => profileArgs() });
  const gateways = cluster.instances.filter((i) => i.app === 'gateway');
  const tcpUrls = tcp
    ? await Promise.all(gateways.map((g) => tcpUrl(g.logs, `gateway-${g.index}`))).catch(async (error: unknown) => {
        await cluster.stop();
        throw error;
      })
    : [];
  return {
    name: 'parley distributed',
    httpUrl: cluster.urls('query')[0]!,
    wsUrls: cluster.urls('gateway').map(ws),
    tcpUrls,
    processes: cluster.instances.map((i) => ({ name: `${i.app}-${i.index}`, pid: cluster.pid(i.app, i.index) })),
    kafkaBrokers: [...cluster.kafka.brokers],
    stop: () => cluster.stop(true),
  };
}

/** The ceiling: a bare uWebSockets.js server (bare-uws.ts) in its own process. */
export async function startBare(): Promise<Target> {
  const bare = await startNodeProcess({ main: BARE_MAIN, env: {}, readyMessage: 'bare ready', timeoutMs: 10_000 });
  const url = `http://127.0.0.1:${bare.ready['port'] as number}`;
  return {
    name: 'bare uWS',
    httpUrl: url,
    wsUrls: [ws(url)],
    tcpUrls: [],
    processes: [{ name: 'bare', pid: bare.process.pid! }],
    async stop() {
      await bare.stop();
    },
  };
}
