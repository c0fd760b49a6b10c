import { ConsumerHealth, type EventLog, type SnapshotStore, type LogBatch, type LogConsumer, type LogRecord, type Logger, type OutgoingRecord, pooledRandom } from '@parley/core';
import { commandCodec, eventCodec, type Command, type ParleyEvent } from '@parley/schemas';
import { PartitionStates, StatePageLost, Topics, type StatePagingSettings, type StreamState } from '@parley/domain';
import { monotonicFactory } from 'ulid';
import { decide, type DecideLimits } from '@parley/domain';
import { Metrics, inSpan, injectTrace, reportQuarantined } from '@parley/telemetry';

export interface IngestOptions {
  readonly log: EventLog;
  readonly logger: Logger;
  /** Kafka's transactional.id for this instance; stable across restarts of the same instance. */
  readonly instanceId: string;
  readonly limits: DecideLimits;
  /** Recent client message ids remembered per conversation to drop duplicates. */
  readonly dedupeWindow: number;
  /** ...and for at most this long (ms, by the events' time; 0 or absent: no limit). */
  readonly dedupeWindowMs?: number;
  readonly now?: () => number;
  /** @internal the rules; tests put in one that throws */
  readonly decide?: typeof decide;
  /** How often the lag of each partition held is measured for readiness (default 5 s). */
  readonly lagSampleMs?: number;
  /** Where the decider state of each partition is snapshotted; without it every takeover folds from offset 0. */
  readonly snapshots?: SnapshotPolicy;
  /** Where and when idle conversations' decider state leaves memory (PARLEY_STATE_*); without it all stays in memory. */
  readonly paging?: StatePagingSettings;
}

/**
 * When a consumer snapshots a partition's state: before a batch once `everyEvents` events were applied
 * since the last snapshot, or `intervalMs` passed with at least one; and on a clean close.
 */
export interface SnapshotPolicy {
  readonly store: SnapshotStore;
  readonly everyEvents: number;
  readonly intervalMs: number;
}

const GROUP = 'parley-ingest';

/**
 * Where ingest sets aside commands it can never decide, one partition per commands partition (the same
 * number): the original key, bytes and headers, plus `parley-dlq-*` headers saying where the command was
 * and why it failed (docs/OPERATIONS.md "Quarantined records"). Kept forever, like the events.
 */
export const DEADLETTER_TOPIC = 'parley.deadletter';

/**
 * Ingest: the single writer per partition. Consumes commands, decides each against the partition's
 * stream state, and appends the resulting events to the same partition number of the events topic, in one
 * transaction with its consumer offsets: a crash either loses the whole batch's outputs (and the batch is
 * redelivered) or none of them, so seq numbers never gap or repeat.
 *
 * Invariant relied on: the commands and events topics have the same partition count (checked at start).
 *
 * No command stops a partition for good (docs/ARCHITECTURE.md "When a record cannot be applied"). One that
 * does not decode, or that `decide` (pure) throws on, would fail the same way on every retry: it is
 * written to DEADLETTER_TOPIC in the batch's transaction (so it is dead-lettered exactly when its offset
 * is committed), counted in `parley_quarantined_total` and logged, and the batch goes on. The sender of a
 * command that decoded gets a CommandRejected (code `internal`), so it is not left waiting; an undecodable
 * one names no sender we could trust. Failures reading the log are transient: the batch is thrown back,
 * redelivered with backoff, and `health` says how long it has been retrying.
 */
export class Ingest {
  private consumer: LogConsumer | undefined;
  private readonly states: PartitionStates;
  /** Last command offset handled per partition; a batch at or before it is a redelivery. */
  private readonly handled = new Map<number, number>();
  private readonly newId = monotonicFactory(pooledRandom());
  private stopLag: (() => void) | undefined;
  /** When each partition was last snapshotted (or taken on). */
  private readonly snapshotAt = new Map<number, number>();
  private assignedOnce!: () => void;
  /** Resolves once the partitions first assigned are rebuilt (the process can decide commands). */
  readonly recovered = new Promise<void>((resolve) => (this.assignedOnce = resolve));
  readonly health = new ConsumerHealth(GROUP);

  constructor(private readonly options: IngestOptions) {
    // An event that cannot be folded was quarantined by the projector and fanout too: skip it, visibly.
    const snapshots = options.snapshots && {
      store: options.snapshots.store,
      owner: 'ingest',
      onProblem: (partition: number, problem: string) => {
        options.logger.warn(problem, { partition });
        this.health.notice(Topics.events, partition, problem);
      },
      onSkipped: (partition: number, why: string) => options.logger.debug(why, { partition }),
    };
    this.states = new PartitionStates(
      options.log,
      { dedupeWindow: options.dedupeWindow, dedupeWindowMs: options.dedupeWindowMs ?? 0, recentMessages: options.limits.recentMessages },
      (record, error) => {
        const q = { consumer: GROUP, topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, error: message(error), at: Date.now() };
        reportQuarantined(q, this.health, this.options.logger, 'ingest skipped an event it cannot fold while rebuilding a partition');
      },
      snapshots,
      options.paging && { ...options.paging, onProblem: (problem: string) => options.logger.warn(problem) },
    );
  }

  async start(): Promise<void> {
    const { log } = this.options;
    const [commands, events] = await Promise.all([log.partitionCount(Topics.commands), log.partitionCount(Topics.events)]);
    if (commands !== events) {
      throw new Error(`${Topics.commands} has ${commands} partitions and ${Topics.events} ${events}; they must be equal`);
    }
    await log.createTopics([{ name: DEADLETTER_TOPIC, partitions: commands, config: { 'retention.ms': '-1', 'retention.bytes': '-1' } }]);
    const consumer = (this.consumer = log.consumer({
      groupId: GROUP,
      topics: [Topics.commands],
      transactionalId: `parley-ingest-${this.options.instanceId}`,
      maxBatchRecords: 500,
      // Whoever held a partition before may have written events since we last saw it: rebuild from the log.
      onAssign: async (partitions) => {
        const started = Date.now();
        await Promise.all(
          partitions.map(async ({ topic, partition }) => {
            this.states.reset(partition);
            this.handled.delete(partition);
            this.health.rebuilding(topic, partition);
            try {
              await this.states.catchUp(partition);
            } catch (error) {
              this.health.failed(topic, partition, undefined, error);
              throw error;
            }
            this.snapshotAt.set(partition, Date.now());
            this.health.recovered(topic, partition);
          }),
        );
        const rebuilt = partitions.map(({ partition }) => this.states.rebuilt(partition));
        this.options.logger.info('ingest partitions rebuilt', {
          partitions: partitions.length,
          fromSnapshots: rebuilt.filter((r) => r?.fromSnapshot !== undefined).length,
          eventsFolded: rebuilt.reduce((n, r) => n + (r?.folded ?? 0), 0),
          ms: Date.now() - started,
        });
        this.assignedOnce();
      },
    }));
    await consumer.start((batch) => this.handle(batch));
    this.stopLag = this.health.watchLag(log, () => consumer.assignment(), (error) => this.options.logger.warn('measuring ingest lag failed', { error }), this.options.lagSampleMs);
  }

  /** @internal exported for tests */
  async handle(batch: LogBatch): Promise<{ produce: Array<{ topic: string; records: OutgoingRecord[] }> }> {
    const { topic, partition, records } = batch;
    if (records.length === 0) return { produce: [] };
    const first = records[0]!.offset;
    if (first <= (this.handled.get(partition) ?? -1)) this.states.reset(partition);
    else await this.snapshotIfDue(partition);
    this.health.started(topic, partition, first);
    let result;
    try {
      result = await this.decideBatch(batch);
    } catch (error) {
      // Some decisions may already be folded into the in-memory state: drop it so the retry starts from the log.
      this.states.reset(partition);
      this.handled.delete(partition);
      this.health.failed(topic, partition, first, error);
      throw error;
    }
    // Handled, not yet committed: a failing commit shows as the batch coming again, and as lag.
    this.health.succeeded(topic, partition, batch.nextOffset);
    return result;
  }

  private async decideBatch(batch: LogBatch): Promise<{ produce: Array<{ topic: string; records: OutgoingRecord[] }> }> {
    const { partition, records } = batch;
    const first = records[0]?.offset ?? 0;
    // While this instance holds the partition it is the only writer, so its in-memory state is current; it
    // reads the log only when it has no state (just assigned, or dropped after a failure).
    const state = this.states.get(partition) ?? (await this.states.catchUp(partition));
    const now = (this.options.now ?? Date.now)();
    const out: OutgoingRecord[] = [];
    const deadLetters: OutgoingRecord[] = [];
    for (const record of records) {
      let command: Command;
      try {
        command = commandCodec.decode(record.value);
      } catch (error) {
        // No reader can parse it, and its sender cannot be told (the origin is inside it); the SDK times out and re-sends.
        deadLetters.push(this.deadLetter(record, `undecodable: ${message(error)}`));
        continue;
      }
      await inSpan('ingest.decide', record.headers, (span) => {
        span.setAttribute('parley.command', command.payload.type);
        // The events continue the command's trace, and keep when the gateway issued it (end-to-end latency).
        const headers = injectTrace(record.headers['parley-issued-at'] ? { 'parley-issued-at': record.headers['parley-issued-at'] } : {});
        let decided: Array<{ event: ParleyEvent; value: Uint8Array }>;
        try {
          decided = (this.options.decide ?? decide)(command, state, { now, newId: this.newId, limits: this.options.limits }).map((event) => ({ event, value: eventCodec.encode(event) }));
        } catch (error) {
          // A lost page is this process's trouble, not the command's: fail the batch; the state is rebuilt.
          if (error instanceof StatePageLost) throw error;
          // decide and encode are pure: this command would fail on every retry. Set it aside and tell its sender.
          deadLetters.push(this.deadLetter(record, `decide failed: ${message(error)}`));
          decided = this.rejection(command, state, now);
        }
        // A fold that throws is a bug every reader of the events would hit: it fails the batch (retried, and reported stuck).
        for (const { event, value } of decided) {
          state.apply(event);
          this.states.appliedOwn(partition, value);
          if (event.payload.type === 'MessageSent') Metrics.messagesAccepted.add(1);
          out.push({ key: event.stream, value, partition, headers });
        }
        this.options.logger.debug('command decided', { command: command.payload.type, stream: command.stream, outcome: decided.map((d) => d.event.payload.type) });
      });
    }
    this.handled.set(partition, records[records.length - 1]?.offset ?? first);
    return { produce: [{ topic: Topics.events, records: out }, ...(deadLetters.length > 0 ? [{ topic: DEADLETTER_TOPIC, records: deadLetters }] : [])] };
  }

  /** The dead letter of `record`, reported as quarantined (counted once per attempt; a redelivered batch counts again). */
  private deadLetter(record: LogRecord, error: string): OutgoingRecord {
    const at = Date.now();
    const q = { consumer: GROUP, topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, error, at };
    reportQuarantined(q, this.health, this.options.logger, 'ingest dead-lettered a command it can never decide; the partition goes on');
    return {
      key: record.key,
      value: record.value,
      partition: record.partition,
      headers: {
        ...record.headers,
        'parley-dlq-consumer': GROUP,
        'parley-dlq-topic': record.topic,
        'parley-dlq-partition': String(record.partition),
        'parley-dlq-offset': String(record.offset),
        'parley-dlq-error': error.slice(0, 1000),
        'parley-dlq-at': String(at),
      },
    };
  }

  /** What the sender of a command `decide` threw on is told; nothing when even that cannot be encoded. */
  private rejection(command: Command, state: StreamState, now: number): Array<{ event: ParleyEvent; value: Uint8Array }> {
    const p = command.payload;
    const event: ParleyEvent = {
      eventId: this.newId(),
      stream: command.stream,
      seq: state.conversations.get(command.stream)?.lastSeq ?? 0,
      ts: now,
      commandId: command.commandId,
      actor: command.actor,
      origin: command.origin,
      payload: { type: 'CommandRejected', code: 'internal', message: 'The server could not apply this command; it was set aside for an operator', clientMsgId: p.type === 'SendMessage' ? p.clientMsgId : '' },
    };
    try {
      return [{ event, value: eventCodec.encode(event) }];
    } catch {
      return [];
    }
  }

  /**
   * Between batches (the previous one committed, this instance the partition's only writer) the state
   * covers the whole log: snapshot it when due. A failed snapshot is logged and costs only time at the
   * next takeover.
   */
  private async snapshotIfDue(partition: number): Promise<void> {
    const policy = this.options.snapshots;
    const since = this.states.sinceSnapshot(partition);
    if (!policy || since === 0) return;
    const now = Date.now();
    if (since < policy.everyEvents && now - (this.snapshotAt.get(partition) ?? now) < policy.intervalMs) return;
    this.snapshotAt.set(partition, now);
    await this.states.snapshot(partition, { atEnd: true });
  }

  /** Stops after the batch in flight is committed, then snapshots the partitions it held. Idempotent. */
  async close(): Promise<void> {
    this.stopLag?.();
    await this.consumer?.close();
    if (this.options.snapshots) {
      // Another instance may have taken a partition and written since: `snapshot` checks the log's last
      // event is this state's, and writes nothing otherwise.
      for (const partition of this.states.partitions()) await this.states.snapshot(partition, { atEnd: true });
      this.states.partitions().forEach((p) => this.states.reset(p));
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
