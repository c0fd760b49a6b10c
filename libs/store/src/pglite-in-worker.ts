import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { ParleyEvent } from '@parley/schemas';
import type { Database } from './database.js';
import { ProjectionWriter, type QuarantineRow } from './projection-writer.js';

interface Reply { id: number; locked?: boolean; rows?: unknown[]; affectedRows?: number; error?: { name: string; message: string; code?: string; detail?: string; constraint?: string } }

/**
 * PGlite in a worker thread, with the one method kysely's PGlite dialect uses (`query`) and `close`. A
 * single node runs every app on one event loop; PGlite executes synchronously in WASM, so on the main
 * thread every projection and history read blocked acks and deliveries (the 1:1 benchmark's profile: 55%
 * of the busy time). Queries keep their order (one database, one queue in the worker); errors come back
 * with Postgres's fields (code, detail, constraint).
 */
export class WorkerPGlite {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: Reply): void; reject(e: Error): void; onLocked?: () => void }>();
  private failure: Error | undefined;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    onFailure: (error: Error) => void,
  ) {
    const failAll = (error: Error): void => {
      if (this.failure) return;
      this.failure = error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      if (!this.closing) onFailure(error);
    };
    worker.on('message', (m: Reply | { ready: true }) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (m.locked) {
        p?.onLocked?.();
        return;
      }
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    worker.on('error', (error) => failAll(new Error(`the database worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => failAll(new Error(`the database worker exited (code ${code})`)));
  }

  /**
   * Opens (or creates) the database in `dataDir`, or an in-memory one without it; resolves once ready.
   * `onFailure` is told if the worker dies other than by close() (every query fails from then on).
   */
  static async open(dataDir?: string, onFailure: (error: Error) => void = () => undefined): Promise<WorkerPGlite> {
    const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', (error) => reject(new Error(`the database did not open: ${error.message}`, { cause: error })));
      worker.once('exit', (code) => reject(new Error(`the database worker exited (code ${code}) before it was ready`)));
    });
    return new WorkerPGlite(worker, onFailure);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<{ rows: T[]; affectedRows?: number }> {
    const reply = await this.call({ sql, params });
    if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
    return { rows: (reply.rows ?? []) as T[], ...(reply.affectedRows !== undefined ? { affectedRows: reply.affectedRows } : {}) };
  }

  /**
   * ProjectionWriter.applyBatches run inside the worker: one message for the whole transaction. Only while
   * holding the kysely connection over this database (see WorkerProjectionWriter), so that no query of
   * the main thread's can fall inside the transaction.
   */
  async project(topic: string, parts: ReadonlyArray<{ partition: number; events: readonly ParleyEvent[]; nextOffset: number; quarantined?: readonly QuarantineRow[] }>): Promise<void> {
    const reply = await this.call({ project: { topic, parts } });
    if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
  }

  /**
   * Copies the database's files to `dest` (which must not exist) while the worker runs nothing else: a
   * CHECKPOINT, then `onLocked` (no query runs from then until the copy is whole), then the copy. Only
   * while holding the kysely connection, so that no transaction of the main thread's is half done.
   */
  async copyTo(dest: string, onLocked: () => void = () => undefined): Promise<void> {
    const reply = await this.call({ copyTo: dest }, onLocked);
    if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
  }

  /** Closes the database (flushing it to disk), then the worker. */
  async close(): Promise<void> {
    if (this.failure) return;
    this.closing = true;
    await this.call({ close: true });
    await this.worker.terminate();
  }

  private call(request: { sql?: string; params?: unknown[]; close?: boolean; project?: unknown; copyTo?: string }, onLocked?: () => void): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onLocked ? { onLocked } : {}) });
      this.worker.postMessage({ id, ...request });
    });
  }
}

/**
 * A ProjectionWriter whose transactions run inside the database worker (WorkerPGlite.project): the
 * single node's projector sends each group transaction as one message, instead of one message and one
 * reply per statement, and the statements are built there too, off the main thread (docs/adr/0012).
 * Reads (nextOffset, quarantinedCounts) go through kysely as usual.
 */
export class WorkerProjectionWriter extends ProjectionWriter {
  constructor(
    private readonly kysely: Kysely<Database>,
    private readonly pglite: WorkerPGlite,
  ) {
    super(kysely);
  }

  override async applyBatches(topic: string, parts: ReadonlyArray<{ partition: number; events: readonly ParleyEvent[]; nextOffset: number; quarantined?: readonly QuarantineRow[] }>): Promise<void> {
    if (parts.length === 0) return;
    // Holding kysely's only connection: no main-thread query or transaction is in flight meanwhile.
    await this.kysely.connection().execute(() => this.pglite.project(topic, parts));
  }
}
