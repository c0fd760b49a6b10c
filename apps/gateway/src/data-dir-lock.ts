import { link, mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ParleyError, isParleyError, silentLogger, type Logger } from '@parley/core';
import { decodeLockRecord, encodeLockRecord, pidExists, pidScope, processStartTime, type LockRecord } from './data-dir-lock-record.js';

export interface DataDirLockOptions {
  readonly logger?: Logger;
  /** How often the holder refreshes the lock file's mtime (for starters that cannot check its pid). Default 5 s. */
  readonly heartbeatMs?: number;
  /** A lock whose holder cannot be checked by pid is stale once its mtime is this old. Default 30 s. */
  readonly staleAfterMs?: number;
  /** Called once if the lock file stops being this holder's (deleted or taken over): two writers may now share the directory. */
  readonly onLost?: (current: LockRecord | undefined) => void;
}

const LOCK_FILE = 'LOCK';
const CLAIM_FILE = 'LOCK.takeover';
/** A takeover holds its claim for a few system calls; a claim this old was abandoned by a crash. */
const CLAIM_STALE_MS = 10_000;
const MAX_ATTEMPTS = 100;

type Verdict = { held: true; record: LockRecord; sameScope: boolean; ageMs: number } | { held: false; why: string };

/**
 * Exclusive use of a data directory by one process, through `<dir>/LOCK` (format: data-dir-lock-record.ts).
 *
 * Invariants: LOCK is only ever created whole (a fsynced temp file hard-linked into place, so a reader
 * never sees a half-written lock of a live holder); it is created only where none exists (link fails on
 * EEXIST); an existing LOCK is replaced only by the one starter holding the takeover claim
 * (LOCK.takeover, also created by link), and only if it still has the content that starter judged
 * stale; it is removed only by its holder (release checks the nonce). So two starters that both find a
 * stale lock cannot both take it over.
 *
 * A holder is stale when its process is gone or its pid now names another process (start time in
 * /proc/<pid>/stat), as after a SIGKILL; a holder in another pid namespace or host cannot be checked by
 * pid and is stale once it stopped refreshing the lock's mtime for `staleAfterMs`. An empty or unreadable
 * LOCK cannot come from a live holder (see above) and is taken over, with a warning.
 */
export class DataDirLock {
  private heartbeat: NodeJS.Timeout | undefined;
  private releasing: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    readonly record: LockRecord,
    private readonly logger: Logger,
  ) {}

  /** Takes `<dir>/LOCK` (creating `dir`), or throws a ParleyError ('conflict') that names the holder. */
  static async acquire(dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
    const logger = options.logger ?? silentLogger;
    const staleAfterMs = options.staleAfterMs ?? 30_000;
    await mkdir(dir, { recursive: true });
    const path = join(dir, LOCK_FILE);
    const me: LockRecord = {
      pid: process.pid,
      hostname: hostname(),
      startedAt: new Date().toISOString(),
      procStart: processStartTime(process.pid),
      scope: pidScope(),
      nonce: randomBytes(8).toString('hex'),
    };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const temp = join(dir, `${LOCK_FILE}.${me.pid}.${me.nonce}.${attempt}.tmp`);
      await writeWhole(temp, encodeLockRecord(me));
      try {
        if (await linkIfAbsent(temp, path)) return DataDirLock.held(path, me, logger, options);
        const seen = await readLock(path);
        if (!seen) continue; // released meanwhile: try again
        const verdict = judge(seen, me, staleAfterMs);
        if (verdict.held) throw refusal(dir, path, verdict, staleAfterMs);
        if (await takeOver(dir, path, temp, seen.raw, me, staleAfterMs)) {
          logger.warn('took over the data directory lock', { lockFile: path, why: verdict.why });
          return DataDirLock.held(path, me, logger, options);
        }
      } finally {
        await rm(temp, { force: true });
      }
      await sleep(10 + Math.random() * 40); // another starter is taking it over: look again
    }
    throw new ParleyError('unavailable', `Could not take the lock ${path}: it kept changing (other processes starting on ${dir}?)`);
  }

  private static held(path: string, record: LockRecord, logger: Logger, options: DataDirLockOptions): DataDirLock {
    const lock = new DataDirLock(path, record, logger);
    lock.startHeartbeat(options.heartbeatMs ?? 5_000, options.onLost);
    logger.info('data directory locked', { lockFile: path });
    return lock;
  }

  /** Removes LOCK if it is still this holder's. Idempotent. */
  release(): Promise<void> {
    return (this.releasing ??= (async () => {
      clearInterval(this.heartbeat);
      const seen = await readLock(this.path);
      if (seen && decodeLockRecord(seen.raw)?.nonce === this.record.nonce) await rm(this.path, { force: true });
    })());
  }

  private startHeartbeat(everyMs: number, onLost: DataDirLockOptions['onLost']): void {
    let busy = false;
    this.heartbeat = setInterval(() => {
      if (busy || this.releasing) return;
      busy = true;
      void (async () => {
        const seen = await readLock(this.path);
        const current = seen ? decodeLockRecord(seen.raw) : undefined;
        if (current?.nonce !== this.record.nonce) {
          clearInterval(this.heartbeat);
          this.logger.error('the data directory lock is no longer ours', { lockFile: this.path, holder: current });
          onLost?.(current);
          return;
        }
        const now = new Date();
        await utimes(this.path, now, now);
      })()
        .catch((error: unknown) => this.logger.warn('could not refresh the data directory lock', { lockFile: this.path, error }))
        .finally(() => (busy = false));
    }, everyMs);
    this.heartbeat.unref();
  }
}

/** Whether `error` is the refusal of DataDirLock.acquire because another process holds the directory. */
export function isDataDirLocked(error: unknown): error is ParleyError {
  return isParleyError(error, 'conflict') && error.details?.['reason'] === 'data_dir_locked';
}

async function writeWhole(path: string, text: string): Promise<void> {
  const file = await open(path, 'wx', 0o644);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function linkIfAbsent(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readLock(path: string): Promise<{ raw: string; mtimeMs: number } | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { raw, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function judge(seen: { raw: string; mtimeMs: number }, me: LockRecord, staleAfterMs: number): Verdict {
  const record = decodeLockRecord(seen.raw);
  if (!record) return { held: false, why: `the lock file is empty or unreadable (${JSON.stringify(seen.raw.slice(0, 80))})` };
  const ageMs = Math.max(0, Date.now() - seen.mtimeMs);
  if (record.scope === me.scope) {
    if (!pidExists(record.pid)) return { held: false, why: `its holder, process ${record.pid}, is gone` };
    const start = record.procStart === undefined ? undefined : processStartTime(record.pid);
    if (start !== undefined && start !== record.procStart) return { held: false, why: `pid ${record.pid} now belongs to another process than its holder` };
    return { held: true, record, sameScope: true, ageMs };
  }
  if (ageMs > staleAfterMs) return { held: false, why: `its holder, process ${record.pid} on ${record.hostname}, last refreshed it ${Math.round(ageMs / 1000)} s ago` };
  return { held: true, record, sameScope: false, ageMs };
}

function refusal(dir: string, path: string, verdict: Extract<Verdict, { held: true }>, staleAfterMs: number): ParleyError {
  const { record } = verdict;
  const holder = `Parley process ${record.pid} on host ${record.hostname}, running since ${record.startedAt}`;
  const message = verdict.sameScope
    ? `Cannot start: the data directory ${dir} is in use by ${holder}. Stop that process first (SIGTERM; it frees the directory when it stops), or give this one another directory (PARLEY_DATA_DIR).`
    : `Cannot start: the data directory ${dir} is in use by ${holder} (another host or container: its pid cannot be checked from here; it refreshed ${path} ${Math.round(verdict.ageMs / 1000)} s ago). Stop that process first; if it is gone, the directory is free once the lock is ${Math.round(staleAfterMs / 1000)} s old, or delete ${path} if you are sure.`;
  return new ParleyError('conflict', message, { details: { reason: 'data_dir_locked', lockFile: path, holder: record } });
}

/**
 * Replaces the stale LOCK (content `staleRaw`) with `temp`, if this starter wins the takeover claim and
 * LOCK still has that content. False: another starter is taking over (or took over, or LOCK changed).
 */
async function takeOver(dir: string, path: string, temp: string, staleRaw: string, me: LockRecord, staleAfterMs: number): Promise<boolean> {
  const claim = join(dir, CLAIM_FILE);
  if (!(await linkIfAbsent(temp, claim))) {
    const other = await readLock(claim);
    if (other && isAbandoned(other, me, staleAfterMs)) await rm(claim, { force: true });
    return false;
  }
  try {
    const now = await readLock(path);
    if (now?.raw !== staleRaw) return false;
    await rename(temp, path);
    return true;
  } finally {
    await rm(claim, { force: true });
  }
}

function isAbandoned(claim: { raw: string; mtimeMs: number }, me: LockRecord, staleAfterMs: number): boolean {
  if (Date.now() - claim.mtimeMs > CLAIM_STALE_MS) return true;
  const verdict = judge(claim, me, staleAfterMs);
  return !verdict.held && decodeLockRecord(claim.raw) !== undefined;
}
