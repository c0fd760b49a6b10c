import { tmpdir } from 'node:os';
import { isAbsolute } from 'node:path';
import { ParleyError, readInt, readString, type Env } from '@parley/core';
import type { ConversationState } from './deciders/conversation/conversation-state.js';
import { PageFile } from './page-file.js';
import { stateFromJson, stateToJson } from './state-json.js';

/**
 * Where and when the state of conversations nobody used for a while leaves memory: paged out to a
 * scratch file in `dir` (PARLEY_STATE_PAGE_DIR) once untouched for `idleMs` (PARLEY_STATE_IDLE_SECONDS),
 * and paged in again, whole, when an event or a command names it.
 */
export interface StatePaging {
  readonly dir: string;
  readonly idleMs: number;
  /** Told when a page cannot be written (the conversation then stays in memory) or the page file cannot be opened. */
  readonly onProblem?: (problem: string) => void;
}

/** What PARLEY_STATE_PAGE_DIR and PARLEY_STATE_IDLE_SECONDS set (StatePaging without its problem handler). */
export type StatePagingSettings = Omit<StatePaging, 'onProblem'>;

/**
 * The paging settings from PARLEY_STATE_IDLE_SECONDS (600; 0: keep every conversation in memory) and
 * PARLEY_STATE_PAGE_DIR (an absolute path; the system's temporary directory when unset). Ingest and fanout read them.
 */
export function readStatePaging(env: Env): StatePagingSettings {
  const dir = readString(env, 'PARLEY_STATE_PAGE_DIR', tmpdir());
  if (!isAbsolute(dir)) {
    throw new ParleyError('config', `Invalid configuration: PARLEY_STATE_PAGE_DIR must be an absolute path, got "${dir}"`, { details: { variable: 'PARLEY_STATE_PAGE_DIR' } });
  }
  return { dir, idleMs: readInt(env, 'PARLEY_STATE_IDLE_SECONDS', 600, { min: 0, max: 30 * 86_400 }) * 1000 };
}

/**
 * A paged-out conversation could not be read back (an I/O error, a damaged page). Its state is gone from
 * this process: the partition's state must be rebuilt (from its snapshot and the log), never decided or
 * folded on without it. PartitionStates drops such a state at its next use; consumers let the batch fail.
 */
export class StatePageLost extends Error {}

interface Live {
  readonly state: ConversationState;
  /** When it was last named (ms since the epoch). */
  used: number;
}

/**
 * The conversations of one partition's StreamState by stream id: a Map for the few operations the
 * deciders and folds use (get, has, set, delete, size), holding each conversation either in memory or,
 * with paging, as its JSON in a page file. `get` pages a conversation in; `pageOut` moves those idle for
 * `idleMs` out. A restored snapshot's conversations go straight to the page file, so a restart holds in
 * memory only the conversations it is asked about. Callers must not keep a ConversationState across an
 * await: it may be paged out meanwhile, and changes to the old object would then be lost.
 */
export class Conversations {
  private readonly live = new Map<string, Live>();
  private pages: PageFile | undefined;
  private lastSweep = Date.now();
  private lostPage = false;

  constructor(private readonly paging?: StatePaging) {}

  get size(): number {
    return this.live.size + (this.pages?.size ?? 0);
  }

  /** How many are in memory now. */
  get inMemory(): number {
    return this.live.size;
  }

  /** True once a page could not be read back: this state is incomplete and must be rebuilt. */
  get lost(): boolean {
    return this.lostPage;
  }

  get(id: string): ConversationState | undefined {
    const live = this.live.get(id);
    if (live) {
      live.used = Date.now();
      return live.state;
    }
    if (!this.pages?.has(id)) return undefined;
    let state: ConversationState;
    try {
      state = decodeConversation(id, this.pages.take(id)!);
    } catch (error) {
      this.unreadable(id, error);
    }
    this.live.set(id, { state, used: Date.now() });
    return state;
  }

  has(id: string): boolean {
    return this.live.has(id) || (this.pages?.has(id) ?? false);
  }

  set(id: string, state: ConversationState): void {
    this.pages?.delete(id);
    this.live.set(id, { state, used: Date.now() });
  }

  delete(id: string): void {
    this.live.delete(id);
    this.pages?.delete(id);
  }

  /** Every id, in memory or paged out. */
  ids(): string[] {
    return [...this.live.keys(), ...(this.pages?.keys() ?? [])];
  }

  /** The JSON bytes of conversation `id` (encoded now when in memory, read when paged out), for a snapshot. */
  encoded(id: string): Buffer | undefined {
    const live = this.live.get(id);
    if (live) return Buffer.from(stateToJson(live.state), 'utf8');
    try {
      return this.pages?.read(id);
    } catch (error) {
      this.unreadable(id, error);
    }
  }

  /** A copy of conversation `id` that stays where it is (paged out or not): for reading only. */
  peek(id: string): ConversationState | undefined {
    const live = this.live.get(id);
    if (live) return live.state;
    const bytes = this.pages?.read(id);
    return bytes && decodeConversation(id, bytes);
  }

  /**
   * Adds conversation `id` as a snapshot holds it (its JSON): to the page file when paging (idleMs > 0; no
   * parsing now), otherwise decoded into memory. Throws when it does not have a conversation's shape.
   */
  putEncoded(id: string, bytes: Buffer): void {
    const pages = this.paging && this.paging.idleMs > 0 && this.pageFile();
    if (pages) {
      try {
        pages.put(id, bytes);
        this.live.delete(id);
        return;
      } catch (error) {
        this.paging?.onProblem?.(`conversation state not paged out: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.set(id, decodeConversation(id, bytes));
  }

  /**
   * Pages out the conversations not named for `idleMs`, when a sweep is due (every quarter of `idleMs`,
   * at most once a second). Returns how many left memory.
   */
  sweep(now = Date.now()): number {
    const paging = this.paging;
    if (!paging || paging.idleMs <= 0 || now - this.lastSweep < Math.max(1000, paging.idleMs / 4)) return 0;
    this.lastSweep = now;
    return this.pageOut(now - paging.idleMs);
  }

  /** Pages out every conversation last named before `before` (ms since the epoch). Returns how many. */
  pageOut(before: number): number {
    if (!this.paging) return 0;
    let out = 0;
    for (const [id, live] of this.live) {
      if (live.used >= before) continue;
      const pages = this.pageFile();
      if (!pages) return out;
      try {
        pages.put(id, Buffer.from(stateToJson(live.state), 'utf8'));
      } catch (error) {
        this.paging.onProblem?.(`conversation state not paged out, kept in memory: ${error instanceof Error ? error.message : String(error)}`);
        return out;
      }
      this.live.delete(id);
      out++;
    }
    return out;
  }

  /** Closes the page file (its pages are gone): for a state that is dropped. */
  close(): void {
    this.pages?.close();
    this.pages = undefined;
    this.live.clear();
  }

  /** Marks this state incomplete: conversation `id`'s page could not be read back (`error`). */
  private unreadable(id: string, error: unknown): never {
    this.lostPage = true;
    throw new StatePageLost(`the paged-out state of conversation ${id} cannot be read back (${error instanceof Error ? error.message : String(error)}); the partition's state is rebuilt from its snapshot and the log`);
  }

  private pageFile(): PageFile | undefined {
    if (this.pages || !this.paging) return this.pages;
    try {
      this.pages = PageFile.open(this.paging.dir);
    } catch (error) {
      this.paging.onProblem?.(`cannot open a page file in ${this.paging.dir}, conversation state stays in memory: ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.pages;
  }
}

/** A conversation from its JSON; throws when it is not JSON or does not have a conversation's shape. */
export function decodeConversation(id: string, bytes: Uint8Array): ConversationState {
  const c = stateFromJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as ConversationState;
  checkConversation(id, c);
  return c;
}

/** Throws unless `c` has the shape of conversation `id`'s state. */
export function checkConversation(id: string, c: ConversationState): void {
  if (c === null || typeof c !== 'object' || c.id !== id) throw new Error(`conversation ${id}: not its state`);
  for (const field of ['members', 'sent', 'recent', 'reads'] as const) {
    if (!(c[field] instanceof Map)) throw new Error(`conversation ${id}: ${field} is not a map`);
  }
}
