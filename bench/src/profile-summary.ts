#!/usr/bin/env node
import { readFileSync } from 'node:fs';

/*
 * Summarises a V8 .cpuprofile (written with PARLEY_BENCH_PROFILE=<dir>): the share of samples by where the
 * code lives (package or Parley workspace) and the top functions by self time.
 *   node bench/dist/profile-summary.js <file.cpuprofile> [--top 15] [--last S | --busiest S]
 * `--last S` counts only the last S seconds of the profile: a process writes it when it stops, so that is
 * the sending phase and the drain of a run, without the start-up and registration before them.
 * `--busiest S` counts the S seconds (whole seconds from the start) with the most busy samples: the load
 * phase of a process that outlives it (a cluster's apps stay up while the bench measures the ceiling).
 */
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/dist/profile-summary.js <file.cpuprofile> [--top N] [--last S | --busiest S]\n');
  process.exit(2);
}
const topIndex = process.argv.indexOf('--top');
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 15;
const lastIndex = process.argv.indexOf('--last');
const lastSeconds = lastIndex > 0 ? Number(process.argv[lastIndex + 1]) : Infinity;
const busiestIndex = process.argv.indexOf('--busiest');
const busiestSeconds = busiestIndex > 0 ? Number(process.argv[busiestIndex + 1]) : 0;
if (!(lastSeconds > 0) || !(busiestSeconds >= 0) || (busiestSeconds > 0 && Number.isFinite(lastSeconds))) {
  process.stderr.write('--last and --busiest take a positive number of seconds, and only one of them\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const span = profile.timeDeltas.reduce((a, b) => a + b, 0);

/** The sampled range [from, to) in µs from the profile's start that the summary counts. */
function window(): { from: number; to: number; label: string } {
  if (busiestSeconds === 0) {
    return Number.isFinite(lastSeconds)
      ? { from: span - lastSeconds * 1e6, to: Infinity, label: `the last ${lastSeconds} s` }
      : { from: -Infinity, to: Infinity, label: "over the process's life, set-up included" };
  }
  const busy: number[] = []; // busy µs per whole second
  let t = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (!idleIds.has(id)) busy[Math.floor(t / 1e6)] = (busy[Math.floor(t / 1e6)] ?? 0) + (profile.timeDeltas[i] ?? 0);
  });
  let best = 0;
  let bestSum = -1;
  for (let s = 0; s + busiestSeconds <= Math.max(busy.length, busiestSeconds); s++) {
    let sum = 0;
    for (let k = s; k < s + busiestSeconds; k++) sum += busy[k] ?? 0;
    if (sum > bestSum) [best, bestSum] = [s, sum];
  }
  return { from: best * 1e6, to: (best + busiestSeconds) * 1e6, label: `the busiest ${busiestSeconds} s: ${best}-${best + busiestSeconds} s from the start` };
}
const range = window();
const selfTime = new Map<number, number>();
let at = 0;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at >= range.from && at < range.to) selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

/** Where a function lives: an npm package, a Parley workspace, node's internals, or V8's own entries. */
function place(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ws = /\/(apps|libs)\/([^/]+)\//.exec(url);
  if (ws) return `parley ${ws[1]}/${ws[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  if (url.startsWith('wasm://')) return 'wasm';
  return url;
}

const byPlace = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, t] of selfTime) {
  const n = byId.get(id)!;
  const p = place(n);
  byPlace.set(p, (byPlace.get(p) ?? 0) + t);
  const name = `${n.callFrame.functionName || '(anonymous)'}  ${p}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + t);
}
const idle = byPlace.get('(idle)') ?? 0;
const pct = (t: number, of: number) => `${((100 * t) / of).toFixed(1)}%`.padStart(6);
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${pct(total - idle, total)} busy (${range.label})\n\nshare of busy time by place:\n`);
for (const [p, t] of [...byPlace].filter(([p]) => p !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(t, total - idle)}  ${p}\n`);
process.stdout.write('\ntop functions by self time (share of busy time):\n');
for (const [f, t] of [...byFunction].filter(([f]) => !f.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(t, total - idle)}  ${f}\n`);
