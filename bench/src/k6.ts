import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type DriveResult, type LatencySummary, type Plan } from './plan.js';

/*
 * The k6 driver: runs bench/k6/chat.js (one VU per plan entry) with a k6 the user installed and turns
 * k6's summary export into a DriveResult. The project does not install k6 (docs/BENCHMARKS.md says how
 * to get it); the numbers in docs/BENCHMARKS.md come from the Node driver (drive.ts).
 */

const SCRIPT = fileURLToPath(new URL('../k6/chat.js', import.meta.url));
/** k6's exit code when the run completed but a threshold of bench/k6/chat.js was crossed. */
const K6_THRESHOLDS_CROSSED = 99;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const K6_MISSING =
  'The k6 driver needs k6, which Parley does not install. Get it from its official releases ' +
  '(https://github.com/grafana/k6/releases) or a package manager (https://grafana.com/docs/k6/latest/set-up/install-k6/), ' +
  'then put `k6` on PATH or set PARLEY_K6 to its path. Without k6, leave out --driver k6: the Node driver (the default) runs every scenario.';

/** The k6 binary: PARLEY_K6 if set (it must be executable), else `k6` on PATH; otherwise it says how to get k6. */
export async function findK6(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const configured = env['PARLEY_K6'];
  if (configured) {
    if (await isExecutable(configured)) return configured;
    throw new Error(`PARLEY_K6=${configured} is not an executable file. ${K6_MISSING}`);
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, 'k6')))) return join(dir, 'k6');
  }
  throw new Error(`k6 is not on PATH. ${K6_MISSING}`);
}

/** What `k6 run --summary-export` writes (k6 v1.x): metrics by name, counters and trends flattened. */
interface K6Summary {
  metrics: Record<string, Record<string, number> | undefined>;
}

const round1 = (n: number | undefined): number => Math.round((n ?? 0) * 10) / 10;

/** Runs `plan` with k6 and bench/k6/chat.js. k6's output goes to stderr (unless `quiet`). */
export async function runK6(plan: Plan, options: { quiet?: boolean } = {}): Promise<DriveResult> {
  if (plan.entries.length === 0) throw new Error('runK6: the plan has no entries');
  const k6 = await findK6();
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
    if (code === K6_THRESHOLDS_CROSSED) {
      // The run completed and its summary was written; the report below has the numbers that crossed them.
      process.stderr.write('k6: a threshold of bench/k6/chat.js was crossed (loss, or p99 above PARLEY_K6_P99_MS); see k6\'s output above\n');
    } else if (code !== 0) {
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
