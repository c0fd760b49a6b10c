import { EventEmitter } from 'node:events';
import type { EventLog, LogBatch, LogConsumer, Logger } from '@parley/core';
import { eventCodec, SchemaError, type ParleyEvent } from '@parley/schemas';
import { Topics } from '@parley/domain';
import type { ProjectionWriter } from '@parley/store';
import { Metrics, startSpanFrom } from '@parley/telemetry';

export interface ProjectorOptions {
  readonly log: EventLog;
  readonly writer: ProjectionWriter;
  readonly logger: Logger;
  /** Consumer group; a replay into a fresh database uses its own. */
  readonly groupId?: string;
}

/**
 * The projector: events topic -> Postgres tables. Exactly-once in effect: each batch and its next offset
 * are written in one database transaction, and the consumer starts each partition from the offset the
 * database holds (not the group's), so a crash between the two can neither skip nor double-apply.
 */
export class Projector extends EventEmitter<{ applied: [{ partition: number; nextOffset: number; events: number }] }> {
  private consumer: LogConsumer | undefined;

  constructor(private readonly options: ProjectorOptions) {
    super();
  }

  async start(): Promise<void> {
    const { log, writer } = this.options;
    this.consumer = log.consumer({
      groupId: this.options.groupId ?? 'parley-projector',
      topics: [Topics.events],
      maxBatchRecords: 500,
      startOffset: (topic, partition) => writer.nextOffset(topic, partition),
    });
    await this.consumer.start((batch) => this.handle(batch));
  }

  private async handle(batch: LogBatch): Promise<void> {
    const events: ParleyEvent[] = [];
    const spans = batch.records.map((r) => startSpanFrom('projector.apply', r.headers));
    for (const record of batch.records) {
      try {
        events.push(eventCodec.decode(record.value));
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        this.options.logger.error('projector skipping an undecodable event', { partition: batch.partition, offset: record.offset, error: error.message });
      }
    }
    try {
      await this.options.writer.applyBatch(batch.topic, batch.partition, events, batch.nextOffset);
    } finally {
      for (const span of spans) span.end();
    }
    const newest = events[events.length - 1];
    if (newest) Metrics.projectorLag.record(Math.max(0, Date.now() - newest.ts) / 1000, { partition: batch.partition });
    this.emit('applied', { partition: batch.partition, nextOffset: batch.nextOffset, events: events.length });
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }
}
