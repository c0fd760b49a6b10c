import type { EventLog, LogRecord } from '@parley/core';
import { eventCodec } from '@parley/schemas';
import { StreamState, type StreamStateOptions } from './stream-state.js';
import { Topics } from './streams.js';

/** Records per read while catching up; each read may cost a consumer session on Kafka, so read a lot at once. */
const READ_CHUNK = 50_000;

/**
 * StreamState per partition of the events topic, caught up from the log on demand. `next` is the events
 * offset the state has folded up to; `catchUp` reads and applies whatever is beyond it, so a consumer that
 * just got a partition (or restarted) starts from the truth, not from memory.
 */
export class PartitionStates {
  private readonly states = new Map<number, { state: StreamState; next: number }>();

  /**
   * @param onUnreadable called for an event that cannot be decoded or folded while catching up: it is
   * skipped (as the consumer skipped, and quarantined, it when it met it live), so one bad record cannot
   * stop a partition's rebuild for good. Without it, such an event throws, as before.
   */
  constructor(
    private readonly log: EventLog,
    private readonly options: StreamStateOptions,
    private readonly onUnreadable?: (record: LogRecord, error: unknown) => void,
  ) {}

  /** Folds events of `partition` from the last applied offset up to `until` (default: the end). */
  async catchUp(partition: number, until?: number): Promise<StreamState> {
    let entry = this.states.get(partition);
    if (!entry) this.states.set(partition, (entry = { state: new StreamState(this.options), next: 0 }));
    const end = until ?? (await this.log.endOffset(Topics.events, partition));
    while (entry.next < end) {
      const records = await this.log.read(Topics.events, partition, entry.next, Math.min(READ_CHUNK, end - entry.next));
      let applied = 0;
      for (const record of records) {
        if (record.offset >= end) break;
        try {
          entry.state.apply(eventCodec.decode(record.value));
        } catch (error) {
          if (!this.onUnreadable) throw error;
          this.onUnreadable(record, error);
        }
        entry.next = record.offset + 1;
        applied++;
      }
      if (applied === 0) {
        // Only transaction markers or aborted records remain below `end` (Kafka): nothing to fold.
        entry.next = end;
        break;
      }
    }
    return entry.state;
  }

  /** Marks events up to `next` as already applied by the caller (which applied them as it wrote them). */
  advance(partition: number, next: number): void {
    const entry = this.states.get(partition);
    if (entry && next > entry.next) entry.next = next;
  }

  position(partition: number): number {
    return this.states.get(partition)?.next ?? 0;
  }

  /** Drops a partition's state (after a failed transaction, or a rewind); the next catch-up rebuilds it. */
  reset(partition: number): void {
    this.states.delete(partition);
  }

  get(partition: number): StreamState | undefined {
    return this.states.get(partition)?.state;
  }

  partitions(): number[] {
    return [...this.states.keys()];
  }
}
