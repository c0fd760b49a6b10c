import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { startNodeProcess } from '@parley/test-infra';

const MAIN = fileURLToPath(new URL('../../../apps/gateway/dist/single-node-main.js', import.meta.url));

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** The raw TCP port (from the "tcp listening" log line); undefined when PARLEY_TCP_PORT is off. */
  readonly tcpPort: number | undefined;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Log lines (JSON) the server printed so far. */
  readonly logs: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit: a crash. */
  kill(): Promise<void>;
}

/**
 * Starts `npm start`'s entry point as a real child process on free ports (PORT=0, PARLEY_TCP_PORT=0) and resolves once it
 * logged "Parley is ready". Reuse `dataDir` to restart on the same data.
 */
export async function startServer(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-e2e-')));
  const node = await startNodeProcess({
    main: MAIN,
    readyMessage: 'Parley is ready',
    env: {
      PORT: '0',
      PARLEY_TCP_PORT: '0',
      HOST: '127.0.0.1',
      PARLEY_DATA_DIR: dataDir,
      PARLEY_AUTH_RATE_PER_MIN: '100000',
      PARLEY_API_RATE_PER_MIN: '1000000',
      PARLEY_FRAMES_PER_SECOND: '100000',
      ...options.env,
    },
  });
  // The gateway logs its bound port before "ready"; the ready fields carry the last one seen.
  const port = Number(node.logs.map((l) => /"msg":"gateway listening".*"port":(\d+)/.exec(l)?.[1]).find(Boolean));
  const tcp = node.logs.map((l) => /"msg":"tcp listening".*"port":(\d+)/.exec(l)?.[1]).find(Boolean);
  const tcpPort = tcp === undefined ? undefined : Number(tcp);
  return { url: `http://127.0.0.1:${port}`, port, tcpPort, dataDir, process: node.process, logs: node.logs, stop: node.stop, kill: node.kill };
}

export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** `promise`, or a failure naming `what` after `ms`: a test waits for an event, never forever. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
