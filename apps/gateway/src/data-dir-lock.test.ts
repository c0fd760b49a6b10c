import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isParleyError, type Logger } from '@parley/core';
import { DataDirLock, isDataDirLocked } from './data-dir-lock.js';
import { decodeLockRecord, encodeLockRecord, pidScope, processStartTime, type LockRecord } from './data-dir-lock-record.js';

async function dataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function recordingLogger(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    lines,
    debug: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'debug', msg, fields }),
    info: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'info', msg, fields }),
    warn: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'warn', msg, fields }),
    error: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'error', msg, fields }),
    child: () => logger,
  };
  return logger;
}

function sleeper(t: TestContext): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => void child.kill('SIGKILL'));
  return child;
}

function recordOf(pid: number, overrides: Partial<LockRecord> = {}): LockRecord {
  return { pid, hostname: hostname(), startedAt: '2026-11-22T10:00:00.000Z', procStart: processStartTime(pid), scope: pidScope(), nonce: 'feedfacefeedface', ...overrides };
}

async function lockFile(dir: string): Promise<LockRecord | undefined> {
  return decodeLockRecord(await readFile(join(dir, 'LOCK'), 'utf8'));
}

test('acquire writes LOCK naming this process; a second acquire is refused; release is idempotent and frees it', async (t) => {
  const dir = await dataDir(t);
  const lock = await DataDirLock.acquire(dir);
  const held = await lockFile(dir);
  assert.equal(held?.pid, process.pid);
  assert.equal(held?.hostname, hostname());
  assert.equal(held?.nonce, lock.record.nonce);
  assert.equal(held?.procStart, processStartTime(process.pid));

  await assert.rejects(DataDirLock.acquire(dir), (error: unknown) => {
    assert.ok(isDataDirLocked(error));
    assert.match(error.message, new RegExp(`process ${process.pid} on host ${hostname()}, running since ${held.startedAt}`));
    return true;
  });
  assert.equal((await lockFile(dir))?.nonce, lock.record.nonce, 'the refused starter left the lock alone');

  await lock.release();
  await lock.release();
  assert.deepEqual(await readdir(dir), [], 'no LOCK, temp or claim file left');
  const again = await DataDirLock.acquire(dir);
  await again.release();
});

test('a lock held by another live process is refused, naming its pid, host and start, and what to do', async (t) => {
  const dir = await dataDir(t);
  const child = sleeper(t);
  await once(child, 'spawn');
  const holder = recordOf(child.pid!);
  await writeFile(join(dir, 'LOCK'), encodeLockRecord(holder));
  await assert.rejects(DataDirLock.acquire(dir), (error: unknown) => {
    assert.ok(isDataDirLocked(error));
    assert.ok(isParleyError(error, 'conflict'));
    assert.match(error.message, new RegExp(`in use by Parley process ${child.pid} on host ${hostname()}, running since 2026-11-22T10:00:00.000Z`));
    assert.match(error.message, /Stop that process first/);
    assert.match(error.message, /PARLEY_DATA_DIR/);
    return true;
  });
  assert.deepEqual(await lockFile(dir), holder);
  assert.deepEqual(await readdir(dir), ['LOCK']);
});

test('a lock left by a process that is gone (SIGKILL) is taken over, with a warning that says why', async (t) => {
  const dir = await dataDir(t);
  const child = sleeper(t);
  await once(child, 'spawn');
  const holder = recordOf(child.pid!);
  child.kill('SIGKILL');
  await once(child, 'exit');
  await writeFile(join(dir, 'LOCK'), encodeLockRecord(holder));
  const logger = recordingLogger();
  const lock = await DataDirLock.acquire(dir, { logger });
  t.after(() => lock.release());
  assert.equal((await lockFile(dir))?.nonce, lock.record.nonce);
  const warning = logger.lines.find((l) => l.level === 'warn');
  assert.equal(warning?.msg, 'took over the data directory lock');
  assert.match(String(warning?.fields?.['why']), new RegExp(`process ${child.pid}, is gone`));
});

test('a lock whose pid now names another process (reused pid: other start time) is taken over', async (t) => {
  const dir = await dataDir(t);
  const child = sleeper(t);
  await once(child, 'spawn');
  await writeFile(join(dir, 'LOCK'), encodeLockRecord(recordOf(child.pid!, { procStart: '1' })));
  const logger = recordingLogger();
  const lock = await DataDirLock.acquire(dir, { logger });
  t.after(() => lock.release());
  assert.equal((await lockFile(dir))?.pid, process.pid);
  assert.match(String(logger.lines.find((l) => l.level === 'warn')?.fields?.['why']), /now belongs to another process/);
});

for (const [name, content] of [
  ['empty', ''],
  ['truncated', '{"pid":12'],
  ['not a lock record', '{"hello":"world"}\n'],
] as const) {
  test(`a lock file that is ${name} (never written by a live holder) is taken over, and the warning says so`, async (t) => {
    const dir = await dataDir(t);
    await writeFile(join(dir, 'LOCK'), content);
    const logger = recordingLogger();
    const lock = await DataDirLock.acquire(dir, { logger });
    t.after(() => lock.release());
    assert.equal((await lockFile(dir))?.nonce, lock.record.nonce);
    assert.match(String(logger.lines.find((l) => l.level === 'warn')?.fields?.['why']), /empty or unreadable/);
  });
}

test('a holder in another pid namespace or host is trusted while it refreshes the lock, and stale once it stopped', async (t) => {
  const dir = await dataDir(t);
  const foreign = recordOf(1, { hostname: 'other-box', scope: 'another-boot/pid:[1]', procStart: '42' });
  await writeFile(join(dir, 'LOCK'), encodeLockRecord(foreign));
  await assert.rejects(DataDirLock.acquire(dir, { staleAfterMs: 30_000 }), (error: unknown) => {
    assert.ok(isDataDirLocked(error));
    assert.match(error.message, /process 1 on host other-box/);
    assert.match(error.message, /another host or container/);
    assert.match(error.message, /free once the lock is 30 s old/);
    return true;
  });
  const old = new Date(Date.now() - 60_000);
  await utimes(join(dir, 'LOCK'), old, old);
  const lock = await DataDirLock.acquire(dir, { staleAfterMs: 30_000 });
  t.after(() => lock.release());
  assert.equal((await lockFile(dir))?.nonce, lock.record.nonce);
});

test('of several starters that find the same stale lock, exactly one takes it over', async (t) => {
  const dir = await dataDir(t);
  await writeFile(join(dir, 'LOCK'), '');
  for (let round = 0; round < 5; round++) {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => DataDirLock.acquire(dir)));
    const won = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    assert.equal(won.length, 1, `round ${round}: ${results.map((r) => r.status).join(', ')}`);
    for (const r of results) if (r.status === 'rejected') assert.ok(isDataDirLocked(r.reason), String(r.reason));
    assert.equal((await lockFile(dir))?.nonce, won[0]!.record.nonce);
    assert.deepEqual(await readdir(dir), ['LOCK'], 'no temp or claim file left');
    // Leave a stale lock for the next round: as if the winner had been killed.
    await writeFile(join(dir, 'LOCK'), encodeLockRecord(recordOf(process.pid, { procStart: 'not-this-process' })));
    await won[0]!.release(); // not its lock any more: leaves it alone
    assert.equal((await lockFile(dir))?.procStart, 'not-this-process');
  }
});

test('a takeover claim abandoned by a crashed starter does not block the directory', async (t) => {
  const dir = await dataDir(t);
  await writeFile(join(dir, 'LOCK'), '');
  await writeFile(join(dir, 'LOCK.takeover'), encodeLockRecord(recordOf(process.pid, { procStart: 'crashed' })));
  const lock = await DataDirLock.acquire(dir);
  t.after(() => lock.release());
  assert.equal((await lockFile(dir))?.nonce, lock.record.nonce);
  assert.deepEqual(await readdir(dir), ['LOCK']);
});

test('the holder refreshes the lock mtime, and reports the lock lost when another process replaced it', async (t) => {
  const dir = await dataDir(t);
  const lost: (LockRecord | undefined)[] = [];
  const logger = recordingLogger();
  const lock = await DataDirLock.acquire(dir, { heartbeatMs: 20, logger, onLost: (current) => lost.push(current) });
  t.after(() => lock.release());
  const old = new Date(Date.now() - 60_000);
  await utimes(join(dir, 'LOCK'), old, old);
  const mtime = async (): Promise<number> => (await stat(join(dir, 'LOCK'))).mtimeMs;
  for (let i = 0; i < 100 && (await mtime()) < Date.now() - 30_000; i++) await sleep(10);
  assert.ok((await stat(join(dir, 'LOCK'))).mtimeMs > Date.now() - 30_000, 'mtime refreshed');

  const intruder = recordOf(process.pid, { nonce: '0123456789abcdef' });
  await writeFile(join(dir, 'LOCK'), encodeLockRecord(intruder));
  for (let i = 0; i < 100 && lost.length === 0; i++) await sleep(10);
  assert.deepEqual(lost, [intruder]);
  assert.ok(logger.lines.some((l) => l.level === 'error' && /no longer ours/.test(l.msg)));
  await lock.release();
  assert.deepEqual(await lockFile(dir), intruder, 'release leaves another holder\'s lock alone');
});
