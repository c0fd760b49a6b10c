import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { ParleyError, isParleyError, syncDirectory, writeAll, type Logger } from '@parley/core';
import type { LogCut } from '@parley/log-embedded';

/**
 * Online and offline backups of a single node's data directory, and their restore (docs/OPERATIONS.md
 * "Backups"). A backup is a directory:
 *
 *   log/topics.json, log/segments/*.seg (and log/journal.log from before segments)   the event log
 *   log/index.checkpoint, log/snapshots/*.snap   the log's index as of the cut, and ingest's and fanout's
 *                             snapshots from before it: a start on the copy reads no journal and folds
 *                             only the events after the snapshots (both disposable, both checked at start)
 *   pg/                                                                               the database
 *   blobs/                    attachments' bytes, when they are kept in a local directory
 *   token.key                 the token key, when Parley generated it (sessions survive a restore)
 *   parley-backup.json        the manifest, written last: {format, created, mode, records, files:
 *                             [{path, bytes, sha256}], dirs: [path], notes}; a directory without it is
 *                             not a backup. `dirs` lists every directory (the database needs its empty ones)
 *
 * Consistency: the database is copied with nothing else running in it, and the log is cut (each
 * segment's durable length noted) at that moment, then copied up to the cut while Parley goes on; the
 * database is thus never ahead of the log, and every login key the log's records need is in it. After a
 * restore, the projections catch up from the log, and ingest and fanout fold their state from it.
 */
export const MANIFEST = 'parley-backup.json';
const FORMAT = 1;

export interface BackupManifest {
  format: number;
  created: string;
  mode: 'online' | 'offline';
  /** Records in the log at the cut. */
  records: number;
  files: Array<{ path: string; bytes: number; sha256: string }>;
  /** Every directory of the backup, so that a restore recreates the empty ones too. */
  dirs: string[];
  notes: string[];
}

/** What a backup copies from: a running node (online) or a data directory nobody uses (offline). */
export interface BackupSource {
  readonly mode: 'online' | 'offline';
  /** Local attachments directory, if attachments are kept in one. */
  readonly blobsDir: string | undefined;
  readonly tokenFile: string;
  /** Copies the database to `dest`, calling `onLocked` once nothing runs in it until the copy is whole. */
  copyDatabase(dest: string, onLocked: () => void): Promise<void>;
  /** Holds retention, gives the log's cut (called from `onLocked`). */
  holdLog(): Promise<{ cut(): LogCut; release(): void }>;
  /** Ingest's and fanout's snapshot files, copied before the cut (so none covers more than the copied log). */
  readonly snapshotsDir: string | undefined;
  /** Notes for the manifest (e.g. attachments kept in S3). */
  readonly notes: string[];
}

export type Progress = (line: string) => void;

/** Writes a backup of `source` to `dest` (absolute, missing or empty). Returns the manifest. */
export async function writeBackup(source: BackupSource, dest: string, progress: Progress): Promise<BackupManifest> {
  await prepareEmptyDir(dest, 'backup destination');
  const files: BackupManifest['files'] = [];
  const hold = await source.holdLog();
  let cut: LogCut | undefined;
  try {
    if (source.snapshotsDir) {
      for (const name of (await readdir(source.snapshotsDir).catch(missingIsEmpty<string>)).filter((n) => n.endsWith('.snap')).sort()) {
        const copied = await copyHashed(join(source.snapshotsDir, name), join(dest, 'log', 'snapshots', name), undefined);
        if (copied) files.push({ path: join('log', 'snapshots', name), ...copied });
      }
    }
    progress('copying the database (nothing else runs in it meanwhile)...');
    const started = Date.now();
    await source.copyDatabase(join(dest, 'pg'), () => (cut = hold.cut()));
    if (!cut) throw new ParleyError('internal', 'the database copy finished without a log cut');
    progress(`database copied in ${((Date.now() - started) / 1000).toFixed(1)} s; copying the log up to ${cut.records} records...`);
    for (const file of cut.files) {
      const bytes = await copyHashed(join(cut.dir, file.path), join(dest, 'log', file.path), file.bytes);
      if (bytes) files.push({ path: join('log', file.path), ...bytes });
    }
    if (cut.checkpoint) {
      await writeDurably(join(dest, 'log', 'index.checkpoint'), Buffer.from(cut.checkpoint));
      files.push({ path: join('log', 'index.checkpoint'), bytes: cut.checkpoint.byteLength, sha256: createHash('sha256').update(cut.checkpoint).digest('hex') });
    }
  } finally {
    hold.release();
  }
  progress('hashing the database copy...');
  for (const path of await walk(join(dest, 'pg'))) {
    const bytes = await hashFile(path);
    files.push({ path: relative(dest, path), ...bytes });
  }
  if (source.blobsDir) {
    progress('copying attachments...');
    for (const path of await walk(source.blobsDir).catch(missingIsEmpty<string>)) {
      const copied = await copyHashed(path, join(dest, 'blobs', relative(source.blobsDir, path)), undefined);
      if (copied) files.push({ path: join('blobs', relative(source.blobsDir, path)), ...copied });
    }
  }
  const token = await copyHashed(source.tokenFile, join(dest, 'token.key'), undefined);
  if (token) files.push({ path: 'token.key', ...token });
  const dirs = (await readdir(dest, { withFileTypes: true, recursive: true })).filter((e) => e.isDirectory()).map((e) => relative(dest, join(e.parentPath, e.name))).sort();
  const manifest: BackupManifest = { format: FORMAT, created: new Date().toISOString(), mode: source.mode, records: cut.records, files, dirs, notes: source.notes };
  await writeDurably(join(dest, MANIFEST), Buffer.from(JSON.stringify(manifest, null, 2)));
  const total = files.reduce((n, f) => n + f.bytes, 0);
  progress(`backup complete: ${files.length} files, ${(total / 2 ** 20).toFixed(1)} MiB, ${cut.records} log records, in ${dest}`);
  return manifest;
}

/**
 * Restores the backup in `backup` into `dataDir` (missing or empty): every file is checked against the
 * manifest's sha256 as it is copied; a mismatch stops the restore and removes what it wrote.
 */
export async function restoreBackup(backup: string, dataDir: string, progress: Progress): Promise<BackupManifest> {
  const manifest = await readManifest(backup);
  await prepareEmptyDir(dataDir, 'data directory to restore into');
  try {
    for (const dir of manifest.dirs) await mkdir(join(dataDir, dir), { recursive: true });
    let done = 0;
    for (const file of manifest.files) {
      const copied = await copyHashed(join(backup, file.path), join(dataDir, file.path), undefined);
      if (!copied) throw new ParleyError('corrupt', `the backup lacks ${file.path}, which its manifest lists: it is incomplete`);
      if (copied.sha256 !== file.sha256 || copied.bytes !== file.bytes) {
        throw new ParleyError('corrupt', `${file.path} in the backup does not match its manifest (damaged or changed since): not restored`);
      }
      if (++done % 100 === 0) progress(`restored ${done} of ${manifest.files.length} files...`);
    }
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  progress(`restored ${manifest.files.length} files (${manifest.records} log records, backup of ${manifest.created}) into ${dataDir}`);
  return manifest;
}

export async function readManifest(backup: string): Promise<BackupManifest> {
  let raw: string;
  try {
    raw = await readFile(join(backup, MANIFEST), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ParleyError('not_found', `${backup} has no ${MANIFEST}: it is not a Parley backup, or the backup did not finish`);
    }
    throw error;
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(raw) as BackupManifest;
  } catch {
    throw new ParleyError('corrupt', `${join(backup, MANIFEST)} is not JSON`);
  }
  if (manifest.format !== FORMAT) throw new ParleyError('corrupt', `backup format ${String(manifest.format)} is not ${FORMAT}: restore it with the Parley release that wrote it`);
  const safe = (path: unknown): boolean => typeof path === 'string' && path.length > 0 && !path.split(/[\\/]/).includes('..') && !path.startsWith('/');
  const ok =
    Array.isArray(manifest.dirs) &&
    manifest.dirs.every(safe) &&
    Array.isArray(manifest.files) &&
    manifest.files.every(
      (f) => safe(f.path) && Number.isSafeInteger(f.bytes) && /^[0-9a-f]{64}$/.test(f.sha256),
    );
  if (!ok) throw new ParleyError('corrupt', `${join(backup, MANIFEST)} is malformed`);
  return manifest;
}

/** Creates `dir`, or accepts it empty; anything in it is refused (a backup or a restore never overwrites). */
async function prepareEmptyDir(dir: string, what: string): Promise<void> {
  if (dir !== resolve(dir)) throw new ParleyError('bad_request', `The ${what} must be an absolute path, not ${dir}`);
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  if (entries.length > 0) throw new ParleyError('conflict', `The ${what} ${dir} is not empty: name a new or empty directory`);
  await mkdir(dir, { recursive: true });
}

/**
 * Copies `from` to `to` (its first `bytes`, or all of it), hashing as it goes, and syncs the copy.
 * Undefined when `from` does not exist (a file removed meanwhile: an attachment deleted during the backup).
 */
async function copyHashed(from: string, to: string, bytes: number | undefined): Promise<{ bytes: number; sha256: string } | undefined> {
  if (bytes === 0) return undefined;
  let input;
  try {
    input = createReadStream(from, bytes === undefined ? {} : { end: bytes - 1 });
    await new Promise<void>((resolveOpen, reject) => {
      input!.once('open', () => resolveOpen());
      input!.once('error', reject);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  await mkdir(dirname(to), { recursive: true });
  const out = await open(to, 'wx');
  const hash = createHash('sha256');
  let written = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      hash.update(chunk);
      await writeAll(out, chunk);
      written += chunk.length;
    }
    await out.sync();
  } finally {
    await out.close();
  }
  if (bytes !== undefined && written !== bytes) throw new ParleyError('internal', `${from} ended at ${written} bytes, before the ${bytes} to copy`);
  return { bytes: written, sha256: hash.digest('hex') };
}

async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Every file under `dir`, sorted. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

function missingIsEmpty<T>(error: NodeJS.ErrnoException): T[] {
  if (error.code === 'ENOENT') return [];
  throw error;
}

async function writeDurably(path: string, bytes: Buffer): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await writeAll(file, bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await syncDirectory(dirname(path));
}

/** The offline source: a data directory whose lock the caller holds, so nothing writes to it. */
export function offlineSource(dataDir: string, blobsDir: string | undefined, notes: string[]): BackupSource {
  const logDir = join(dataDir, 'log');
  return {
    mode: 'offline',
    blobsDir,
    snapshotsDir: join(logDir, 'snapshots'),
    tokenFile: join(dataDir, 'token.key'),
    notes,
    async copyDatabase(dest, onLocked) {
      onLocked();
      const pg = join(dataDir, 'pg');
      const entries = await readdir(pg, { withFileTypes: true, recursive: true }).catch(missingIsEmpty<Dirent>);
      if (entries.length === 0) throw new ParleyError('not_found', `${pg} holds no database: is ${dataDir} a Parley data directory?`);
      await mkdir(dest, { recursive: true });
      for (const entry of entries) {
        const to = join(dest, relative(pg, join(entry.parentPath, entry.name)));
        if (entry.isDirectory()) await mkdir(to, { recursive: true });
        else if (entry.isFile()) await copyHashed(join(entry.parentPath, entry.name), to, undefined);
      }
    },
    async holdLog() {
      const segments = (await readdir(join(logDir, 'segments')).catch(missingIsEmpty<string>)).filter((n) => n.endsWith('.seg')).sort();
      const legacy = await stat(join(logDir, 'journal.log')).then(
        () => ['journal.log'],
        () => [],
      );
      // A clean stop left a checkpoint that fits these files; any other is reported and ignored at start.
      const checkpoint = await stat(join(logDir, 'index.checkpoint')).then(
        () => ['index.checkpoint'],
        () => [],
      );
      const files = [
        { path: 'topics.json', bytes: undefined },
        ...checkpoint.map((path) => ({ path, bytes: undefined })),
        ...legacy.map((path) => ({ path, bytes: undefined })),
        ...segments.map((n) => ({ path: join('segments', n), bytes: undefined })),
      ];
      return { cut: () => ({ dir: logDir, files, records: 0 }), release: () => undefined };
    },
  };
}

/** The control socket's path: `<dataDir>/control.sock`, or undefined when the path is too long for a Unix socket. */
export function controlSocketPath(dataDir: string): string | undefined {
  const path = join(dataDir, 'control.sock');
  return Buffer.byteLength(path) <= 100 ? path : undefined;
}

/**
 * Serves backups on `<dataDir>/control.sock` (mode 0600: whoever may read the data directory may back it
 * up). One JSON line in, `{"op":"backup","dest":"/abs/path"}`; JSON lines out: `{"progress": "..."}`,
 * then `{"done": manifest}` or `{"error": {code, message}}`. One backup at a time.
 */
export async function startControlSocket(dataDir: string, backup: (dest: string, progress: Progress) => Promise<BackupManifest>, logger: Logger): Promise<Server | undefined> {
  const path = controlSocketPath(dataDir);
  if (!path) {
    logger.warn('data directory path too long for the control socket: online backups are off (stop Parley for an offline backup)', { dataDir });
    return undefined;
  }
  // The caller holds the data directory's lock: a socket file left here is a dead process's.
  await rm(path, { force: true });
  let busy = false;
  const server = createServer((socket) => {
    let buffer = '';
    const send = (value: unknown): boolean => socket.write(`${JSON.stringify(value)}\n`);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 64 * 1024) {
        send({ error: { code: 'payload_too_large', message: 'a request is one JSON line of at most 64 KiB' } });
        socket.end();
        return;
      }
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      buffer = '';
      socket.pause();
      void (async () => {
        try {
          let request: { op?: unknown; dest?: unknown };
          try {
            request = JSON.parse(line) as typeof request;
          } catch {
            throw new ParleyError('bad_request', 'a request is one line of JSON: {"op":"backup","dest":"/absolute/path"}');
          }
          if (request.op !== 'backup' || typeof request.dest !== 'string') throw new ParleyError('bad_request', 'unknown request: the one operation is {"op":"backup","dest":"/absolute/path"}');
          if (busy) throw new ParleyError('conflict', 'a backup is already running; try again when it has finished');
          busy = true;
          try {
            logger.info('online backup started', { dest: request.dest });
            const manifest = await backup(request.dest, (progress) => void send({ progress }));
            logger.info('online backup finished', { dest: request.dest, files: manifest.files.length, records: manifest.records });
            send({ done: manifest });
          } finally {
            busy = false;
          }
        } catch (error) {
          logger.warn('online backup failed', { error });
          send({ error: { code: isParleyError(error) ? error.code : 'internal', message: error instanceof Error ? error.message : String(error) } });
        }
        socket.end();
      })();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen({ path, readableAll: false, writableAll: false }, () => resolveListen());
  });
  await chmod(path, 0o600);
  server.unref();
  return server;
}

/**
 * Asks the Parley holding `dataDir` for an online backup to `dest`, passing its progress lines on.
 * Undefined when nothing answers on the control socket (Parley is not running there).
 */
export async function requestOnlineBackup(dataDir: string, dest: string, progress: Progress): Promise<BackupManifest | undefined> {
  const path = controlSocketPath(dataDir);
  if (!path) return undefined;
  return new Promise((resolveRequest, reject) => {
    const socket = createConnection({ path });
    let buffer = '';
    let settled = false;
    const settle = (fn: () => void): void => {
      if (!settled) fn();
      settled = true;
    };
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify({ op: 'backup', dest })}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') settle(() => resolveRequest(undefined));
      else settle(() => reject(error));
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const reply = JSON.parse(line) as { progress?: string; done?: BackupManifest; error?: { code: string; message: string } };
        if (reply.progress) progress(reply.progress);
        if (reply.done) settle(() => resolveRequest(reply.done));
        if (reply.error) settle(() => reject(Object.assign(new ParleyError(reply.error!.code as ParleyError['code'], reply.error!.message))));
      }
    });
    socket.on('close', () => settle(() => reject(new ParleyError('unavailable', 'Parley closed the control socket before the backup finished: see its log'))));
  });
}

