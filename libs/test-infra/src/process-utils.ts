import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Installs Debian packages when `probe` is missing; says what to do when it cannot (not root, no apt). */
export function ensureDebianPackages(probe: string, packages: readonly string[], log: (line: string) => void): void {
  if (existsSync(probe)) return;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`${probe} is missing. Install ${packages.join(' ')} (Debian: sudo apt-get install -y ${packages.join(' ')}), or run where a Docker engine answers.`);
  }
  log(`installing ${packages.join(', ')} with apt-get (once per machine)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-q'], ['install', '-y', '-q', '--no-install-recommends', ...packages]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status}); see above`);
  }
  if (!existsSync(probe)) throw new Error(`${probe} is still missing after installing ${packages.join(' ')}`);
}

/** A child process whose output is kept (the last lines go into error messages) and which is killed with the test run. */
export interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export function startDaemon(command: string, args: readonly string[], options: SpawnOptions = {}): Daemon {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  process.once('exit', () => {
    if (alive()) child.kill('SIGKILL');
  });
  return {
    child,
    output: () => out,
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `ready` until it resolves true; fails with the daemon's output after `timeoutMs`. */
export async function waitUntil(what: string, daemon: Daemon, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.child.exitCode !== null) throw new Error(`${what} exited with ${daemon.child.exitCode} before it was ready:\n${daemon.output()}`);
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms:\n${daemon.output()}`);
}
