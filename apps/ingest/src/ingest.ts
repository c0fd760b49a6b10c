import { type EventLog, type LogBatch, type LogConsumer, type Logger, type OutgoingRecord } from '@parley/core';
import { commandCodec, eventCodec, SchemaError } from '@parley/schemas';
import { PartitionStates, Topics } from '@parley/domain';
import { monotonicFactory } from 'ulid';
import { decide, type DecideLimits } from './decide.js';
import { Metrics, inSpan, injectTrace } from '@parley/telemetry';

export interface IngestOptions {
  readonly log: EventLog;
  readonly logger: Logger;
  /** Kafka's transactional.id for this instance; stable across restarts of the same instance. */
  readonly instanceId: string;
  readonly limits: DecideLimits;
  /** Recent client message ids remembered per conversation to drop duplicates. */
  readonly dedupeWindow: number;
  readonly now?: () => number;
}

/**
 * Ingest: the single writer per partition. Consumes commands, decides each against the partition's
 * stream state, and appends the resulting events to the same partition number of the events topic, in one
 * transaction with its consumer offsets: a crash either loses the whole batch's outputs (and the batch is
 * redelivered) or none of them, so seq numbers never gap or repeat.
 *
 * Invariant relied on: the commands and events topics have the same partition count (checked at start).
 */
export class Ingest {
  private consumer: LogConsumer | undefined;
  private readonly states: PartitionStates;
  /** Last command offset handled per partition; a batch at or before it is a redelivery. */
  private readonly handled = new Map<number, number>();
  private readonly newId = monotonicFactory();

  constructor(private readonly options: IngestOptions) {
    this.states = new PartitionStates(options.log, { dedupeWindow: options.dedupeWindow });
  }

  async start(): Promise<void> {
    const { log } = this.options;
    const [commands, events] = await Promise.all([log.partitionCount(Topics.commands), log.partitionCount(Topics.events)]);
    if (commands !== events) {
      throw new Error(`${Topics.commands} has ${commands} partitions and ${Topics.events} ${events}; they must be equal`);
    }
    this.consumer = log.consumer({
      groupId: 'parley-ingest',
      topics: [Topics.commands],
      transactionalId: `parley-ingest-${this.options.instanceId}`,
      maxBatchRecords: 500,
      // Whoever held a partition before may have written events since we last saw it: rebuild from the log.
      onAssign: async (partitions) => {
        await Promise.all(
          partitions.map(async ({ partition }) => {
            this.states.reset(partition);
            this.handled.delete(partition);
            await this.states.catchUp(partition);
          }),
        );
      },
    });
    await this.consumer.start((batch) => this.handle(batch));
  }

  /** @internal exported for tests */
  async handle(batch: LogBatch): Promise<{ produce: Array<{ topic: string; records: OutgoingRecord[] }> }> {
    const { partition, records } = batch;
    if (records.length === 0) return { produce: [] };
    const first = records[0]!.offset;
    if (first <= (this.handled.get(partition) ?? -1)) this.states.reset(partition);
    try {
      return await this.decideBatch(batch);
    } catch (error) {
      // Some decisions may already be folded into the in-memory state: drop it so the retry starts from the log.
      this.states.reset(partition);
      this.handled.delete(partition);
      throw error;
    }
  }

  private async decideBatch(batch: LogBatch): Promise<{ produce: Array<{ topic: string; records: OutgoingRecord[] }> }> {
    const { partition, records } = batch;
    const first = records[0]?.offset ?? 0;
    // While this instance holds the partition it is the only writer, so its in-memory state is current; it
    // reads the log only when it has no state (just assigned, or dropped after a failure).
    const state = this.states.get(partition) ?? (await this.states.catchUp(partition));
    const now = (this.options.now ?? Date.now)();
    const out: OutgoingRecord[] = [];
    for (const record of records) {
      let command;
      try {
        command = commandCodec.decode(record.value);
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        // A record no reader can parse can never succeed, and its sender cannot be told (the origin is inside it):
        // log it and skip it rather than block the partition. The sender's SDK times out and re-sends.
        this.options.logger.error('dropping an undecodable command', { partition, offset: record.offset, error: error.message });
        continue;
      }
      const decided = command;
      await inSpan('ingest.decide', record.headers, (span) => {
        span.setAttribute('parley.command', decided.payload.type);
        // The events continue the command's trace, and keep when the gateway issued it (end-to-end latency).
        const headers = injectTrace(record.headers['parley-issued-at'] ? { 'parley-issued-at': record.headers['parley-issued-at'] } : {});
        const events = decide(decided, state, { now, newId: this.newId, limits: this.options.limits });
        for (const event of events) {
          state.apply(event);
          if (event.payload.type === 'MessageSent') Metrics.messagesAccepted.add(1);
          out.push({ key: event.stream, value: eventCodec.encode(event), partition, headers });
        }
        this.options.logger.debug('command decided', { command: decided.payload.type, stream: decided.stream, outcome: events.map((e) => e.payload.type) });
      });
    }
    this.handled.set(partition, records[records.length - 1]?.offset ?? first);
    return { produce: [{ topic: Topics.events, records: out }] };
  }

  /** Stops after the batch in flight is committed. Idempotent. */
  async close(): Promise<void> {
    await this.consumer?.close();
  }
}
