import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import type { PlanEntry } from './plan.js';
import { openSocket, pool } from './drive.js';
import { rssMb } from './process-stats.js';

/** This process's open-file limit (each WebSocket is a file descriptor, here and in the server). */
export function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

export interface IdleResult {
  requested: number;
  held: number;
  failed: number;
  firstError?: string;
  /** Resident memory of each measured process after each step: [connections, MB]. */
  steps: { connections: number; rssMb: Record<string, number> }[];
  /** (RSS at the last step - RSS before any connection) / connections, per process, in KB. */
  perConnectionKb: Record<string, number>;
  /** Connections that closed during the hold at the end (must be 0). */
  closedDuringHold: number;
  connectPerSecond: number;
}

/**
 * Opens the entries' WebSockets (each authenticated) in `steps` steps, waits for memory to settle after
 * each, and reads every measured process's RSS; then holds them all for `holdSeconds`.
 */
export async function measureIdle(entries: PlanEntry[], processes: { name: string; pid: number }[], steps: number, holdSeconds: number): Promise<IdleResult> {
  const rss = (): Record<string, number> => Object.fromEntries(processes.map((p) => [p.name, Math.round(rssMb(p.pid))]));
  await sleep(2000);
  const baseline = rss();
  const result: IdleResult = { requested: entries.length, held: 0, failed: 0, steps: [{ connections: 0, rssMb: baseline }], perConnectionKb: {}, closedDuringHold: 0, connectPerSecond: 0 };
  const sockets: WebSocket[] = [];
  let connectMs = 0;
  for (let s = 1; s <= steps; s++) {
    const slice = entries.slice(Math.floor(((s - 1) * entries.length) / steps), Math.floor((s * entries.length) / steps));
    const started = Date.now();
    await pool(slice, 64, async (e) => {
      try {
        sockets.push(await openSocket(e.wsUrl, { type: 'auth', token: e.token }, () => undefined));
      } catch (error) {
        result.failed++;
        result.firstError ??= (error as Error).message;
      }
    });
    connectMs += Date.now() - started;
    process.stderr.write(`  ${sockets.length} connections open (${result.failed} failed)\n`);
    await sleep(3000);
    result.steps.push({ connections: sockets.length, rssMb: rss() });
  }
  let closed = 0;
  for (const ws of sockets) ws.on('close', () => closed++);
  await sleep(holdSeconds * 1000);
  const last = result.steps[result.steps.length - 1]!;
  result.held = sockets.length - closed;
  result.closedDuringHold = closed;
  result.connectPerSecond = Math.round(sockets.length / (connectMs / 1000));
  for (const p of processes) {
    result.perConnectionKb[p.name] = sockets.length === 0 ? 0 : Math.round((((last.rssMb[p.name] ?? 0) - (baseline[p.name] ?? 0)) * 1024) / sockets.length * 10) / 10;
  }
  for (const ws of sockets) ws.terminate();
  return result;
}
