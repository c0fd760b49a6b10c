import { readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** Samples a process's CPU (percent of one core) and resident memory from /proc once a second. */
export function sampleProcess(pid: number): { stop(): { cpuPercentAvg: number; cpuPercentMax: number; rssMbMax: number } } {
  const read = (): { cpu: number; rss: number } | undefined => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      return { cpu, rss };
    } catch {
      return undefined;
    }
  };
  const first = read();
  let last = first;
  let lastAt = Date.now();
  const startedAt = lastAt;
  let cpuMax = 0;
  let rssMax = first?.rss ?? 0;
  const timer = setInterval(() => {
    const now = read();
    const at = Date.now();
    if (now && last) cpuMax = Math.max(cpuMax, ((now.cpu - last.cpu) / ((at - lastAt) / 1000)) * 100);
    if (now) rssMax = Math.max(rssMax, now.rss);
    last = now ?? last;
    lastAt = at;
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      const end = read() ?? last;
      const seconds = (Date.now() - startedAt) / 1000;
      return {
        cpuPercentAvg: first && end ? Math.round(((end.cpu - first.cpu) / seconds) * 100) : 0,
        cpuPercentMax: Math.round(cpuMax),
        rssMbMax: Math.round(Math.max(rssMax, end?.rss ?? 0)),
      };
    },
  };
}
