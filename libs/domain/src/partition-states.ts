import { crc32 } from 'node:zlib';
import type { EventLog, LogRecord, SnapshotStore } from '@parley/core';
import { eventCodec } from '@parley/schemas';
import { StreamState, type StreamStateOptions } from './stream-state.js';
import { Topics } from './streams.js';
import { SnapshotRejected, decodeStateSnapshot, encodeStateSnapshot } from './state-snapshot.js';
import { StatePageLost, type StatePaging } from './conversations.js';

/** Records per read while catching up; each read may cost a consumer session on Kafka, so read a lot at once. */
const READ_CHUNK = 50_000;
/** How far back from the end `snapshot` looks for the last event (past Kafka's transaction markers). */
const TAIL_LOOKBACK = 64;

/** Where a consumer keeps its partitions' snapshots, and whose they are. */
export interface PartitionSnapshots {
  readonly store: SnapshotStore;
  /** Whose state ('ingest', 'fanout'): part of each snapshot's name, `<owner>.<topic>.<partition>`. */
  readonly owner: string;
  /** Told why a snapshot was not used or could not be written; the partition is folded from the log instead. */
  readonly onProblem?: (partition: number, problem: string) => void;
  /** Told why a snapshot was not taken this time, in the normal course (its last event not readable yet); it is tried again later. */
  readonly onSkipped?: (partition: number, why: string) => void;
}

interface Entry {
  state: StreamState;
  /** The events offset folded up to (exclusive), when known; unknown after the caller applied events it wrote. */
  next: number;
  /** The last event folded: its offset (when known) and the crc32 of its value. */
  lastOffset: number | undefined;
  lastCrc: number | undefined;
  /** Events applied since the last snapshot written or loaded. */
  sinceSnapshot: number;
  /** How the state was rebuilt: the snapshot's offset it started from (undefined: offset 0) and the events folded from the log. */
  rebuilt: { fromSnapshot: number | undefined; folded: number };
}

/**
 * StreamState per partition of the events topic, caught up from the log on demand. `next` is the events
 * offset the state has folded up to; `catchUp` reads and applies whatever is beyond it, so a consumer that
 * just got a partition (or restarted) starts from the truth, not from memory.
 *
 * With `snapshots`, a partition without state starts from its newest snapshot when that passes every
 * check (format, checksum, state version, options, and the log still holding its last event with the same
 * crc), and folds only the events after it; any failed check is reported and the partition is folded
 * from offset 0, so a snapshot can make recovery faster but never different.
 */
export class PartitionStates {
  private readonly states = new Map<number, Entry>();

  /**
   * @param onUnreadable called for an event that cannot be decoded or folded while catching up: it is
   * skipped (as the consumer skipped, and quarantined, it when it met it live), so one bad record cannot
   * stop a partition's rebuild for good. Without it, such an event throws, as before.
   * @param paging where and when idle conversations' state leaves memory; without it, all of it stays.
   */
  constructor(
    private readonly log: EventLog,
    private readonly options: StreamStateOptions,
    private readonly onUnreadable?: (record: LogRecord, error: unknown) => void,
    private readonly snapshots?: PartitionSnapshots,
    private readonly paging?: StatePaging,
  ) {}

  /**
   * Folds events of `partition` from the last applied offset up to `until` (default: the end). A state
   * restored from a snapshot ahead of `until` (taken after a batch whose offset commit was lost in a crash)
   * is returned as it is: folding is idempotent in order, and the consumer handles those events again as
   * redeliveries. `progress` is awaited after the snapshot's load and after each read of the log folded
   * (a consumer's heartbeat: see LogBatch.heartbeat).
   */
  async catchUp(partition: number, until?: number, progress?: () => Promise<void>): Promise<StreamState> {
    const end = until ?? (await this.log.endOffset(Topics.events, partition));
    if (this.states.get(partition)?.state.conversations.lost) this.reset(partition);
    let entry = this.states.get(partition);
    if (!entry) {
      const restored = await this.restore(partition, end);
      // Another catch-up of the same partition may have restored it meanwhile: keep the first.
      entry = this.states.get(partition);
      if (entry) restored.state.close();
      else this.states.set(partition, (entry = restored));
      await progress?.();
    }
    entry.state.conversations.sweep();
    while (entry.next < end) {
      const records = await this.log.read(Topics.events, partition, entry.next, Math.min(READ_CHUNK, end - entry.next));
      let applied = 0;
      for (const record of records) {
        if (record.offset >= end) break;
        try {
          entry.state.apply(eventCodec.decode(record.value));
        } catch (error) {
          if (!this.onUnreadable || error instanceof StatePageLost) throw error;
          this.onUnreadable(record, error);
        }
        entry.next = record.offset + 1;
        entry.lastOffset = record.offset;
        entry.lastCrc = crc32(record.value);
        entry.sinceSnapshot++;
        entry.rebuilt.folded++;
        applied++;
      }
      if (applied === 0) {
        // Only transaction markers or aborted records remain below `end` (Kafka): nothing to fold.
        entry.next = end;
        break;
      }
      await progress?.();
    }
    return entry.state;
  }

  /** The newest usable snapshot of `partition`, or an empty state at offset 0. */
  private async restore(partition: number, end: number): Promise<Entry> {
    const empty = (): Entry => ({ state: new StreamState(this.options, this.paging), next: 0, lastOffset: undefined, lastCrc: undefined, sinceSnapshot: 0, rebuilt: { fromSnapshot: undefined, folded: 0 } });
    const snapshots = this.snapshots;
    if (!snapshots) return empty();
    const problem = (what: string): Entry => {
      snapshots.onProblem?.(partition, `snapshot ${this.name(partition)} not used, folding the partition from the log: ${what}`);
      return empty();
    };
    let bytes: Uint8Array | undefined;
    try {
      bytes = await snapshots.store.load(this.name(partition));
    } catch (error) {
      return problem(`cannot load it (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!bytes) return empty();
    let snapshot;
    try {
      snapshot = decodeStateSnapshot(bytes, { options: this.options, topic: Topics.events, partition, ...(this.paging ? { paging: this.paging } : {}) });
    } catch (error) {
      if (error instanceof SnapshotRejected) return problem(error.message);
      throw error;
    }
    if (snapshot.last) {
      const [record] = await this.log.read(Topics.events, partition, snapshot.last.offset, 1);
      if (record?.offset !== snapshot.last.offset || crc32(record.value) !== snapshot.last.crc) {
        snapshot.state.close();
        return problem(`the log does not hold its last event (offset ${snapshot.last.offset}, crc ${snapshot.last.crc}): it belongs to another log, or the log was cut`);
      }
    } else if (end < snapshot.next) {
      snapshot.state.close();
      return problem(`it covers offsets up to ${snapshot.next}, past the log's end ${end}`);
    }
    return { state: snapshot.state, next: snapshot.next, lastOffset: snapshot.last?.offset, lastCrc: snapshot.last?.crc, sinceSnapshot: 0, rebuilt: { fromSnapshot: snapshot.next, folded: 0 } };
  }

  /** Marks events up to `next` as already applied by the caller (which applied them as it read them). */
  advance(partition: number, next: number, value?: Uint8Array): void {
    const entry = this.states.get(partition);
    if (!entry || next <= entry.next) return;
    entry.next = next;
    entry.sinceSnapshot++;
    if (value) {
      entry.lastOffset = next - 1;
      entry.lastCrc = crc32(value);
    }
  }

  /**
   * Records that the caller applied an event it wrote itself, whose offset it does not know yet (ingest):
   * `snapshot(partition, { atEnd: true })` later finds it at the end of the log.
   */
  appliedOwn(partition: number, value: Uint8Array): void {
    const entry = this.states.get(partition);
    if (!entry) return;
    entry.lastOffset = undefined;
    entry.lastCrc = crc32(value);
    entry.sinceSnapshot++;
  }

  /** How `partition`'s state was rebuilt: from which snapshot offset (undefined: from offset 0), and how many events were folded since. */
  rebuilt(partition: number): { fromSnapshot: number | undefined; folded: number } | undefined {
    return this.states.get(partition)?.rebuilt;
  }

  /** Events applied to `partition` since its last snapshot (0 without state). */
  sinceSnapshot(partition: number): number {
    return this.states.get(partition)?.sinceSnapshot ?? 0;
  }

  /**
   * Writes a snapshot of `partition` when it has state that changed since the last one. `atEnd`: the caller
   * applied events it wrote itself without knowing their offsets (ingest, the partition's only writer, with
   * nothing of its own in flight): the snapshot covers the log up to the caller's last event, found near
   * the log's end by its crc. On Kafka the newest records may not be readable yet (a transaction's markers
   * are written after its commit returns); the caller's last event is then not found, and nothing is
   * written this time. Resolves true when written; false (and `onProblem`) when not.
   */
  async snapshot(partition: number, options: { atEnd?: boolean } = {}): Promise<boolean> {
    const snapshots = this.snapshots;
    const entry = this.states.get(partition);
    if (!snapshots || !entry || entry.sinceSnapshot === 0) return false;
    const state = entry.state;
    let next = entry.next;
    let lastOffset = entry.lastOffset;
    const lastCrc = entry.lastCrc;
    if (options.atEnd) {
      const end = await this.log.endOffset(Topics.events, partition);
      const tail = await this.log.read(Topics.events, partition, Math.max(0, end - TAIL_LOOKBACK), TAIL_LOOKBACK);
      const last = tail.filter((r) => r.offset < end && crc32(r.value) === lastCrc).pop();
      if (!last) {
        snapshots.onSkipped?.(partition, `snapshot ${this.name(partition)} not taken: this state's last event is not among the newest readable events of the log`);
        return false;
      }
      lastOffset = last.offset;
      next = last.offset + 1;
    }
    if (this.states.get(partition) !== entry) return false;
    const written = entry.sinceSnapshot;
    let bytes: Buffer;
    try {
      bytes = encodeStateSnapshot({
      state,
      topic: Topics.events,
      partition,
      next,
      last: lastOffset !== undefined && lastCrc !== undefined ? { offset: lastOffset, crc: lastCrc } : null,
      takenAt: Date.now(),
      });
    } catch (error) {
      if (!(error instanceof StatePageLost)) throw error;
      // Nothing to snapshot: the state is incomplete. Drop it; the next use rebuilds it.
      this.reset(partition);
      snapshots.onProblem?.(partition, `snapshot ${this.name(partition)} not written: ${error.message}`);
      return false;
    }
    entry.sinceSnapshot -= written;
    try {
      await snapshots.store.save(this.name(partition), bytes);
    } catch (error) {
      entry.sinceSnapshot += written;
      snapshots.onProblem?.(partition, `snapshot ${this.name(partition)} not written: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    return true;
  }

  private name(partition: number): string {
    return `${this.snapshots?.owner ?? 'state'}.${Topics.events}.${partition}`;
  }

  position(partition: number): number {
    return this.states.get(partition)?.next ?? 0;
  }

  /** Drops a partition's state (after a failed transaction, or a rewind); the next catch-up rebuilds it. */
  reset(partition: number): void {
    this.states.get(partition)?.state.close();
    this.states.delete(partition);
  }

  /** The state of `partition`, if it has one (its idle conversations paged out first, when that is due). */
  get(partition: number): StreamState | undefined {
    const state = this.states.get(partition)?.state;
    if (state?.conversations.lost) {
      // A page could not be read back: this state is incomplete; the caller rebuilds it (catchUp).
      this.reset(partition);
      return undefined;
    }
    state?.conversations.sweep();
    return state;
  }

  partitions(): number[] {
    return [...this.states.keys()];
  }
}
