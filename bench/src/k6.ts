import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { homedir, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DriveResult, type LatencySummary, type Plan } from './plan.js';

/*
 * The k6 driver: runs bench/k6/chat.js (one VU per plan entry) with a k6 binary and turns k6's summary
 * export into a DriveResult. k6 is found on PATH, or in the user's cache, or built there with `go install`.
 */

const K6_MODULE = 'go.k6.io/k6@v1.8.1';
const SCRIPT = fileURLToPath(new URL('../k6/chat.js', import.meta.url));
const BUILD_LOCK_STALE_MS = 20 * 60_000;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function cacheBinDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parley', 'bin');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs a command to completion; output goes to our stderr. Rejects if it cannot be started. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function goVersion(): Promise<string> {
  const missing = new Error(`k6 is not on PATH and Go is missing to build it: install Go 1.22+ (https://go.dev/dl) or put k6 on PATH`);
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['env', 'GOVERSION'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', () => reject(missing));
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(missing)));
  });
}

/**
 * A k6 binary: `k6` on PATH, else `$XDG_CACHE_HOME/parley/bin/k6` (~/.cache by default), built there with
 * `go install go.k6.io/k6@v1.8.1` if missing (takes minutes; one build at a time, others wait for it).
 */
export async function ensureK6(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, 'k6')))) return join(dir, 'k6');
  }
  const dir = cacheBinDir();
  const binary = join(dir, 'k6');
  if (await isExecutable(binary)) return binary;

  await mkdir(dir, { recursive: true });
  // One build at a time: the lock file holds the building process's pid; others wait for the binary.
  const lock = join(dir, '.k6-build.lock');
  let announced = false;
  for (;;) {
    if (await isExecutable(binary)) return binary;
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
    if ((holder > 0 && !pidAlive(holder)) || age > BUILD_LOCK_STALE_MS) {
      await rm(lock, { force: true });
      continue;
    }
    if (!announced) process.stderr.write(`waiting for process ${holder || '?'} to finish building k6 into ${dir} ...\n`);
    announced = true;
    await sleep(2000);
  }
  try {
    if (await isExecutable(binary)) return binary;
    const version = await goVersion();
    const [major = 0, minor = 0] = /^go(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number) ?? [];
    if (major < 1 || (major === 1 && minor < 22)) {
      throw new Error(`k6 is not on PATH and ${version || 'this Go'} is too old to build it: install Go 1.22+ (https://go.dev/dl) or put k6 on PATH`);
    }
    process.stderr.write(`k6 not found: building ${K6_MODULE} with ${version} into ${dir} (takes a few minutes, once) ...\n`);
    const code = await run('go', ['install', K6_MODULE], { ...process.env, GOBIN: dir, CGO_ENABLED: '0' }, tmpdir());
    if (code !== 0 || !(await isExecutable(binary))) throw new Error(`go install ${K6_MODULE} failed (exit ${code}); see the output above`);
    process.stderr.write(`built ${binary}\n`);
    return binary;
  } finally {
    await rm(lock, { force: true });
  }
}

/** What `k6 run --summary-export` writes (k6 v1.x): metrics by name, counters and trends flattened. */
interface K6Summary {
  metrics: Record<string, Record<string, number> | undefined>;
}

const round1 = (n: number | undefined): number => Math.round((n ?? 0) * 10) / 10;

/** Runs `plan` with k6 and bench/k6/chat.js. k6's output goes to stderr (unless `quiet`). */
export async function runK6(plan: Plan, options: { quiet?: boolean } = {}): Promise<DriveResult> {
  if (plan.entries.length === 0) throw new Error('runK6: the plan has no entries');
  const k6 = await ensureK6();
  const dir = await mkdtemp(join(tmpdir(), 'parley-k6-'));
  try {
    const planPath = join(dir, 'plan.json');
    const summaryPath = join(dir, 'summary.json');
    await writeFile(planPath, JSON.stringify(plan));
    const args = [
      'run', '--quiet', '--no-usage-report',
      '--summary-export', summaryPath,
      '--summary-trend-stats', 'p(50),p(95),p(99),max,count',
      SCRIPT,
    ];
    const tail: string[] = [];
    const keep = (chunk: Buffer): void => {
      if (!options.quiet) process.stderr.write(chunk);
      tail.push(chunk.toString());
      while (tail.length > 40) tail.shift();
    };
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(k6, args, { env: { ...process.env, PARLEY_PLAN: planPath }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', reject);
      child.once('close', (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
    });
    if (code !== 0) {
      const text = tail.join('').split('\n').slice(-30).join('\n');
      throw new Error(`k6 exited with ${code}:\n${text}`);
    }
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as K6Summary;
    const metric = (name: string, field: string): number => summary.metrics[name]?.[field] ?? 0;
    const count = (name: string): number => metric(name, 'count');

    const connectFailures = count('parley_connect_failures');
    if (connectFailures > 0) {
      process.stderr.write(`k6: ${connectFailures} connection attempt(s) closed before \`ready\` (see the k6 warnings)\n`);
    }
    const sent = count('parley_sent');
    const acked = count('parley_acked');
    const received = count('parley_received');
    const latencyMs: LatencySummary = {
      count: metric('parley_latency', 'count'),
      p50: round1(metric('parley_latency', 'p(50)')),
      p95: round1(metric('parley_latency', 'p(95)')),
      p99: round1(metric('parley_latency', 'p(99)')),
      max: round1(metric('parley_latency', 'max')),
    };
    const perSecond = (n: number): number => Math.round((n / plan.durationSeconds) * 10) / 10;
    const result: DriveResult = {
      driver: 'k6',
      connections: plan.entries.length,
      offeredPerSecond: perSecond(sent),
      acceptedPerSecond: perSecond(acked),
      deliveredPerSecond: perSecond(received),
      latencyMs,
      errors: Math.max(0, sent - acked),
      loss: Math.max(0, count('parley_expected') - received),
      duplicates: count('parley_duplicates'),
    };
    if (plan.entries.some((e) => e.reconnectEverySeconds > 0)) {
      result.resumed = count('parley_resumed');
      result.reconnects = count('parley_reconnects');
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
