import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

export interface ProcessStats {
  cpuPercentAvg: number;
  cpuPercentMax: number;
  /** CPU time used over the sampled window, user + system, in seconds. */
  cpuSeconds: number;
  rssMbMax: number;
}

function readProc(pid: number): { cpu: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    return { cpu, rss };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) its main thread has used so far (/proc/<pid>/task/<pid>/stat): the event
 * loop that does the socket work, without worker threads (a single node's PGlite) or libuv's pool.
 */
export function mainThreadCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** Resident memory of a process now, in MB (0 if it is gone). */
export function rssMb(pid: number): number {
  return readProc(pid)?.rss ?? 0;
}

/** Process ids whose command name (/proc/<pid>/comm) is one of `names`. */
export function pidsNamed(names: readonly string[]): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * Samples the CPU (percent of one core) and resident memory of a group of processes once a second, from
 * /proc: `pids` is asked each time, so a group may gain processes (PostgreSQL's backends).
 */
export function sampleProcesses(pids: () => number[]): { stop(): ProcessStats } {
  let last = new Map<number, number>();
  const startedAt = Date.now();
  let lastAt = startedAt;
  let cpuTotal = 0;
  let cpuMax = 0;
  let rssMax = 0;
  const tick = (): void => {
    const now = new Map<number, number>();
    let delta = 0;
    let rss = 0;
    for (const pid of pids()) {
      const p = readProc(pid);
      if (!p) continue;
      now.set(pid, p.cpu);
      rss += p.rss;
      const before = last.get(pid);
      if (before !== undefined) delta += p.cpu - before;
    }
    const at = Date.now();
    if (last.size > 0) {
      cpuTotal += delta;
      cpuMax = Math.max(cpuMax, (delta / ((at - lastAt) / 1000)) * 100);
    }
    rssMax = Math.max(rssMax, rss);
    last = now;
    lastAt = at;
  };
  tick();
  const timer = setInterval(tick, 1000);
  return {
    stop() {
      clearInterval(timer);
      tick();
      const seconds = (Date.now() - startedAt) / 1000;
      return { cpuPercentAvg: Math.round((cpuTotal / seconds) * 100), cpuPercentMax: Math.round(cpuMax), cpuSeconds: Math.round(cpuTotal * 100) / 100, rssMbMax: Math.round(rssMax) };
    },
  };
}
