import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/*
 * The worker side of WorkerPGlite (pglite-in-worker.ts): PGlite (Postgres compiled to WASM) runs here, so
 * its CPU time does not block the main thread's event loop. Messages: { id, sql, params } -> { id, rows,
 * affectedRows } or { id, error }; { id, close: true } closes the database.
 */
interface Request { id: number; sql?: string; params?: unknown[]; close?: boolean }

const port = parentPort;
if (!port) throw new Error('pglite-worker.js runs as a worker thread (see WorkerPGlite)');
const { dataDir } = workerData as { dataDir?: string };
const db = new PGlite(dataDir);
await db.waitReady;
port.on('message', (m: Request) => {
  void (async () => {
    try {
      if (m.close) {
        await db.close();
        port.postMessage({ id: m.id });
        return;
      }
      const result = await db.query(m.sql!, m.params ?? []);
      port.postMessage({ id: m.id, rows: result.rows, affectedRows: result.affectedRows });
    } catch (error) {
      const e = error as Error & { code?: string; detail?: string; constraint?: string };
      port.postMessage({ id: m.id, error: { name: e.name, message: e.message, code: e.code, detail: e.detail, constraint: e.constraint } });
    }
  })();
});
port.postMessage({ ready: true });
