import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a data directory: the content of `<dataDir>/LOCK`.
 *
 * Wire format: one line of JSON, UTF-8, newline-terminated:
 *   {"pid":1234,"hostname":"box","startedAt":"2026-11-22T10:00:00.000Z","procStart":"81234567",
 *    "scope":"<boot id>/pid:[4026531836]","nonce":"<16 hex>"}
 * - `procStart`: field 22 of /proc/<pid>/stat (start time in clock ticks since boot), so that a pid the
 *   kernel reused for another process is not taken for the holder. Absent where /proc is not readable.
 * - `scope`: the kernel boot and the pid namespace the pid is valid in. Only a starter in the same scope
 *   can check the pid; any other (another host, another container) relies on the lock file's mtime, which
 *   the holder refreshes while it runs.
 * - `nonce`: random, tells this holder's lock from any other's with the same pid.
 */
export interface LockRecord {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  readonly procStart: string | undefined;
  readonly scope: string;
  readonly nonce: string;
}

export function encodeLockRecord(record: LockRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** The record in `text`, or undefined when it is not one (empty, truncated, or not written by Parley). */
export function decodeLockRecord(text: string): LockRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v['pid']) || (v['pid'] as number) <= 0) return undefined;
  if (typeof v['hostname'] !== 'string' || typeof v['startedAt'] !== 'string' || typeof v['scope'] !== 'string' || typeof v['nonce'] !== 'string') return undefined;
  if (v['procStart'] !== undefined && typeof v['procStart'] !== 'string') return undefined;
  return {
    pid: v['pid'] as number,
    hostname: v['hostname'],
    startedAt: v['startedAt'],
    procStart: v['procStart'] as string | undefined,
    scope: v['scope'],
    nonce: v['nonce'],
  };
}

/** Field 22 of /proc/<pid>/stat (the process's start time), or undefined without /proc or that process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces and ')': split after the last ')'.
    // What follows starts at field 3, so field 22 is the 20th of the rest.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Where pids of this process are meaningful: the kernel boot and the pid namespace; the host name without /proc. */
export function pidScope(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return `host:${hostname()}`;
  }
}

/** Whether a process with this pid exists (in this pid namespace). EPERM: it exists but is not ours. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
