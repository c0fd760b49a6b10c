import { cpSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { asBuffers, type ParleyEvent } from '@parley/schemas';
import type { Database } from './database.js';
import { ProjectionWriter, type QuarantineRow } from './projection-writer.js';
import { trimParsers } from './pglite-parsers.js';

/*
 * The worker side of WorkerPGlite (pglite-in-worker.ts): PGlite (Postgres compiled to WASM) runs here, so
 * its CPU time does not block the main thread's event loop. Messages:
 * - { id, sql, params } -> { id, rows, affectedRows } or { id, error }
 * - { id, project: { topic, parts } } -> { id } or { id, error }: ProjectionWriter.applyBatches, run here
 *   whole (one message for the transaction instead of one per statement; docs/adr/0012)
 * - { id, copyTo } -> { id, locked: true }, then { id } or { id, error }: a CHECKPOINT, then the data
 *   directory copied to `copyTo` with nothing else running (an online backup: the copy is the database as
 *   of `locked`)
 * - { id, close: true } closes the database.
 * Requests run one at a time, in the order they came: a projection's transaction never has a query of
 * the main thread inside it (the main thread sends `project` while it holds kysely's only connection).
 */
interface Request {
  id: number;
  sql?: string;
  params?: unknown[];
  project?: { topic: string; parts: Array<{ partition: number; events: ParleyEvent[]; nextOffset: number; quarantined?: QuarantineRow[] }> };
  close?: boolean;
  copyTo?: string;
}

const port = parentPort;
if (!port) throw new Error('pglite-worker.js runs as a worker thread (see WorkerPGlite)');
const { dataDir } = workerData as { dataDir?: string };
const db = new PGlite(dataDir);
await db.waitReady;
await trimParsers(db);
const writer = new ProjectionWriter(new Kysely<Database>({ dialect: new PGliteDialect(db) }));

async function handle(m: Request): Promise<void> {
  try {
    if (m.close) {
      await db.close();
      port!.postMessage({ id: m.id });
      return;
    }
    if (m.copyTo) {
      if (!dataDir) throw new Error('an in-memory database has no files to copy');
      await db.query('CHECKPOINT');
      port!.postMessage({ id: m.id, locked: true });
      // Synchronous: no other request runs until the copy is whole.
      cpSync(dataDir, m.copyTo, { recursive: true, errorOnExist: true, force: false });
      port!.postMessage({ id: m.id });
      return;
    }
    if (m.project) {
      // Structured cloning made the events' Buffers plain Uint8Arrays: Buffers again, as decoded.
      const parts = m.project.parts.map((p) => ({ ...p, events: p.events.map((e) => asBuffers(e) as ParleyEvent) }));
      await writer.applyBatches(m.project.topic, parts);
      port!.postMessage({ id: m.id });
      return;
    }
    const result = await db.query(m.sql!, m.params ?? []);
    port!.postMessage({ id: m.id, rows: result.rows, affectedRows: result.affectedRows });
  } catch (error) {
    const e = error as Error & { code?: string; detail?: string; constraint?: string };
    port!.postMessage({ id: m.id, error: { name: e.name, message: e.message, code: e.code, detail: e.detail, constraint: e.constraint } });
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (m: Request) => {
  queue = queue.then(() => handle(m));
});
port.postMessage({ ready: true });
