import { EventEmitter } from 'node:events';
import { ConsumerHealth, type EventLog, type LogBatch, type LogConsumer, type LogRecord, type Logger } from '@parley/core';
import { eventCodec, type ParleyEvent } from '@parley/schemas';
import { Topics } from '@parley/domain';
import { storeFailureKind, type ProjectionWriter, type QuarantineRow } from '@parley/store';
import { Metrics, reportQuarantined, startSpanFrom } from '@parley/telemetry';

export interface ProjectorOptions {
  readonly log: EventLog;
  readonly writer: ProjectionWriter;
  readonly logger: Logger;
  /** Consumer group; a replay into a fresh database uses its own. */
  readonly groupId?: string;
  /** How often the lag of each partition held is measured for readiness (default 5 s). */
  readonly lagSampleMs?: number;
  /**
   * At most one transaction per this many ms (default 0): the batches its partitions bring in meanwhile
   * wait and go together, in one transaction. The first batch after a quiet spell goes at once.
   */
  readonly batchIntervalMs?: number;
  /**
   * Hand every partition's batches to the projector at once, so that they share transactions (the
   * embedded log; default false: one partition at a time, as on Kafka, where kafkajs with concurrent
   * partitions stopped consuming after a broker restart in the fault test).
   */
  readonly allPartitionsAtOnce?: boolean;
}

/** Batches waiting for the next group transaction, each with what to tell its handler. */
interface Waiting {
  readonly batch: LogBatch;
  readonly items: readonly Item[];
  resolve(events: ParleyEvent[]): void;
  reject(error: unknown): void;
}

/** A record of a batch: its event, or why it cannot be one. */
type Item = { readonly record: LogRecord; readonly event: ParleyEvent; readonly poison?: undefined } | { readonly record: LogRecord; readonly event?: undefined; readonly poison: string };

/**
 * The projector: events topic -> Postgres tables. Exactly-once in effect: each batch and its next offset
 * are written in one database transaction, and the consumer starts each partition from the offset the
 * database holds (not the group's), so a crash between the two can neither skip nor double-apply.
 *
 * No event stops it for good (docs/ARCHITECTURE.md "When a record cannot be applied"). A failure the
 * store calls transient (storeFailureKind) is thrown, so the log redelivers the batch with backoff and
 * `health` says how long it has been retrying. A poison one (the database refuses the data) has the batch
 * bisected until the one event it refuses is alone; that event goes to `quarantined_events` in the same
 * transaction that moves the offset past it, and the events around it are applied. An event that does
 * not decode is quarantined the same way without a try.
 */
export class Projector extends EventEmitter<{ applied: [{ partition: number; nextOffset: number; events: number }] }> {
  readonly health: ConsumerHealth;
  private consumer: LogConsumer | undefined;
  private stopLag: (() => void) | undefined;
  /** Offset this instance stored last per partition: records below it are applied already (a redelivery after a failure part-way). */
  private readonly stored = new Map<number, number>();
  /** Batches waiting for the next group transaction, and whether one is due or running. */
  private waiting: Waiting[] = [];
  private scheduled = false;
  private lastCommitAt = 0;
  /** Told after every batch applied (see caughtUp). */
  private readonly appliedWaiters = new Set<() => void>();

  constructor(private readonly options: ProjectorOptions) {
    super();
    this.health = new ConsumerHealth(this.groupId);
  }

  private get groupId(): string {
    return this.options.groupId ?? 'parley-projector';
  }

  async start(): Promise<void> {
    const { log, writer } = this.options;
    for (const [partition, count] of await writer.quarantinedCounts(this.groupId, Topics.events)) this.health.seedQuarantined(Topics.events, partition, count);
    const consumer = (this.consumer = log.consumer({
      groupId: this.groupId,
      topics: [Topics.events],
      maxBatchRecords: 500,
      // Every partition at once, so that their batches can share one transaction (see gather()).
      ...(this.options.allPartitionsAtOnce ? { partitionsConsumedConcurrently: 1024 } : {}),
      startOffset: async (topic, partition) => {
        const offset = await writer.nextOffset(topic, partition);
        if (offset !== undefined && offset > (this.stored.get(partition) ?? -1)) this.stored.set(partition, offset);
        return offset;
      },
    }));
    await consumer.start((batch) => this.handle(batch));
    this.stopLag = this.health.watchLag(log, () => consumer.assignment(), (error) => this.options.logger.warn('measuring projector lag failed', { error }), this.options.lagSampleMs);
  }

  private async handle(batch: LogBatch): Promise<void> {
    const { topic, partition } = batch;
    const stored = this.stored.get(partition) ?? -1;
    const items: Item[] = batch.records.filter((r) => r.offset >= stored).map(decode);
    this.health.started(topic, partition, items[0]?.record.offset ?? batch.nextOffset);
    const spans = items.map((i) => startSpanFrom('projector.apply', i.record.headers));
    let applied: ParleyEvent[];
    try {
      applied = await this.gather(batch, items);
    } catch (error) {
      // Where the partition stands now: bisection may have stored part of the batch before the failure.
      const at = Math.max(this.stored.get(partition) ?? -1, items[0]?.record.offset ?? batch.nextOffset);
      this.health.failed(topic, partition, at, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
    this.health.succeeded(topic, partition, batch.nextOffset);
    const newest = applied[applied.length - 1];
    if (newest) Metrics.projectorLag.record(Math.max(0, Date.now() - newest.ts) / 1000, { partition });
    this.emit('applied', { partition, nextOffset: batch.nextOffset, events: applied.length });
    for (const waiter of [...this.appliedWaiters]) waiter();
  }

  /**
   * Resolves true once this projector has applied every event its partitions held in the log when it was
   * called (a read then sees every write acknowledged before it), or false after `maxWaitMs`.
   */
  async caughtUp(maxWaitMs: number): Promise<boolean> {
    const held = this.consumer?.assignment() ?? [];
    const ends = await Promise.all(held.map((a) => this.options.log.endOffset(a.topic, a.partition)));
    const behind = (): boolean => held.some((a, i) => (this.stored.get(a.partition) ?? 0) < ends[i]!);
    if (!behind()) return true;
    return new Promise<boolean>((resolve) => {
      const done = (result: boolean): void => {
        clearTimeout(timer);
        this.appliedWaiters.delete(check);
        resolve(result);
      };
      const check = (): void => {
        if (!behind()) done(true);
      };
      const timer = setTimeout(() => done(false), maxWaitMs);
      this.appliedWaiters.add(check);
    });
  }

  /**
   * Applies a batch together with the batches of other partitions that come in before the next group
   * transaction: one transaction for all, at most one per batchIntervalMs. If that transaction fails, each
   * batch is applied on its own (applyRange: a poison event is found and quarantined, a transient failure
   * is thrown to its handler, and the log redelivers that batch).
   */
  private gather(batch: LogBatch, items: readonly Item[]): Promise<ParleyEvent[]> {
    return new Promise<ParleyEvent[]>((resolve, reject) => {
      this.waiting.push({ batch, items, resolve, reject });
      if (!this.scheduled) this.schedule();
    });
  }

  /** Runs the next group transaction batchIntervalMs after the last one ended (or at once). */
  private schedule(): void {
    this.scheduled = true;
    const wait = Math.max(0, this.lastCommitAt + (this.options.batchIntervalMs ?? 0) - Date.now());
    // Even without an interval, the batches the consumer hands over in the same turn go together.
    const run = () => void this.commitWaiting();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  /** A batch's events, and a quarantine row for each record that is not one (it did not decode). */
  private split(items: readonly Item[]): { events: ParleyEvent[]; quarantined: QuarantineRow[] } {
    const now = Date.now();
    return {
      events: items.flatMap((i) => (i.event ? [i.event] : [])),
      quarantined: items.flatMap((i) =>
        i.poison === undefined ? [] : [{ consumer: this.groupId, offset: i.record.offset, key: i.record.key, value: i.record.value, error: i.poison, at: now }],
      ),
    };
  }

  private async commitWaiting(): Promise<void> {
    const group = this.waiting;
    this.waiting = [];
    try {
      if (group.length === 1) {
        const only = group[0]!;
        await this.applyRange(only.batch, only.items, only.batch.nextOffset).then(only.resolve, only.reject);
        return;
      }
      const parts = group.map(({ batch, items }) => ({ partition: batch.partition, nextOffset: batch.nextOffset, ...this.split(items) }));
      let together = true;
      try {
        await this.options.writer.applyBatches(group[0]!.batch.topic, parts);
      } catch {
        together = false;
      }
      for (const [i, w] of group.entries()) {
        if (together) {
          this.stored.set(w.batch.partition, w.batch.nextOffset);
          this.reportQuarantine(w.batch, parts[i]!.quarantined);
          w.resolve(parts[i]!.events);
        } else {
          await this.applyRange(w.batch, w.items, w.batch.nextOffset).then(w.resolve, w.reject);
        }
      }
    } finally {
      this.lastCommitAt = Date.now();
      this.scheduled = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  private reportQuarantine(batch: LogBatch, rows: readonly QuarantineRow[]): void {
    for (const row of rows) {
      const q = { consumer: this.groupId, topic: batch.topic, partition: batch.partition, offset: row.offset, key: row.key, error: row.error, at: row.at };
      reportQuarantined(q, this.health, this.options.logger, 'projector quarantined an event it can never apply; the partition goes on');
    }
  }

  /**
   * Applies `items` (consecutive records) and stores `nextOffset`, in one transaction; on a poison failure
   * applies each half on its own, so that only the refused event is quarantined. Returns the events applied.
   */
  private async applyRange(batch: LogBatch, items: readonly Item[], nextOffset: number): Promise<ParleyEvent[]> {
    const { events, quarantined: rows } = this.split(items);
    try {
      await this.options.writer.applyBatch(batch.topic, batch.partition, events, nextOffset, rows);
    } catch (error) {
      // Transient, or a refusal with no event left to blame (the quarantine rows alone): wait it out.
      if (storeFailureKind(error) === 'transient' || events.length === 0) throw error;
      const [only] = items;
      if (items.length === 1 && only) return this.applyRange(batch, [{ record: only.record, poison: describe(error) }], nextOffset);
      const middle = Math.ceil(items.length / 2);
      const left = items.slice(0, middle);
      const right = items.slice(middle);
      return [...(await this.applyRange(batch, left, right[0]!.record.offset)), ...(await this.applyRange(batch, right, nextOffset))];
    }
    this.stored.set(batch.partition, nextOffset);
    this.reportQuarantine(batch, rows);
    return events;
  }

  async close(): Promise<void> {
    this.stopLag?.();
    await this.consumer?.close();
  }
}

function decode(record: LogRecord): Item {
  try {
    return { record, event: eventCodec.decode(record.value) };
  } catch (error) {
    // Any decoding failure is about these bytes, which never change: not worth a retry.
    return { record, poison: `undecodable: ${describe(error)}` };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
