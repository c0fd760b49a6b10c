import { ConsumerHealth, type EventLog, type LogBatch, type Logger, type OutgoingRecord } from '@parley/core';
import { commandCodec, eventCodec, type ParleyEvent } from '@parley/schemas';
import { Topics, WORKFLOW_EVENTS, friendsWorkflow } from '@parley/domain';
import { injectTrace, reportQuarantined } from '@parley/telemetry';

export interface WorkflowRunnerOptions {
  readonly log: EventLog;
  readonly logger: Logger;
  /** Kafka's transactional.id suffix for this instance; stable across restarts of the same instance. */
  readonly instanceId: string;
  /** @internal the process manager; tests put in one that throws */
  readonly workflow?: typeof friendsWorkflow;
  /** How often the lag of each partition held is measured for readiness (default 5 s). */
  readonly lagSampleMs?: number;
}

const GROUP = 'parley-workflows';

/**
 * Runs the process managers (libs/domain/src/workflows): consumes the events topic and writes the commands
 * they issue to the commands topic, in one transaction with its consumer offsets. So the second step of a
 * two-stream change is written exactly when the first step's event is marked handled: a crash in between
 * re-reads the event and writes the commands again, and the aborted first attempt is never seen. The
 * commands are idempotent besides (the workflow's contract): one that finds its effect already there is a
 * recorded no-op. Not covered: re-running the group over old events (resetting its offsets) would re-issue
 * commands against newer state (an old acceptance could re-add a friend removed since); never reset it.
 *
 * An event that does not decode is quarantined (logged, counted) and skipped: the workflow cannot act on
 * what it cannot read, and ingest, fanout and the projector report the same record.
 */
export class WorkflowRunner {
  private consumer: ReturnType<EventLog['consumer']> | undefined;
  private stopLag: (() => void) | undefined;
  readonly health = new ConsumerHealth(GROUP);

  constructor(private readonly options: WorkflowRunnerOptions) {}

  async start(): Promise<void> {
    const { log } = this.options;
    const consumer = (this.consumer = log.consumer({
      groupId: GROUP,
      topics: [Topics.events],
      transactionalId: `parley-workflows-${this.options.instanceId}`,
      maxBatchRecords: 500,
    }));
    await consumer.start((batch) => this.handle(batch));
    this.stopLag = this.health.watchLag(log, () => consumer.assignment(), (error) => this.options.logger.warn('measuring workflow lag failed', { error }), this.options.lagSampleMs);
  }

  /** @internal exported for tests */
  async handle(batch: LogBatch): Promise<{ produce: Array<{ topic: string; records: OutgoingRecord[] }> }> {
    const { topic, partition, records } = batch;
    if (records.length === 0) return { produce: [] };
    this.health.started(topic, partition, records[0]!.offset);
    const out: OutgoingRecord[] = [];
    for (const record of records) {
      let event: ParleyEvent;
      try {
        event = eventCodec.decode(record.value);
      } catch (error) {
        const q = { consumer: GROUP, topic, partition, offset: record.offset, key: record.key, error: error instanceof Error ? error.message : String(error), at: Date.now() };
        reportQuarantined(q, this.health, this.options.logger, 'workflows skipped an event they cannot decode');
        continue;
      }
      if (!WORKFLOW_EVENTS.has(event.payload.type)) continue;
      for (const command of (this.options.workflow ?? friendsWorkflow)(event)) {
        out.push({ key: command.stream, value: commandCodec.encode(command), headers: injectTrace({ 'parley-issued-at': String(Date.now()) }) });
      }
    }
    this.health.succeeded(topic, partition, batch.nextOffset);
    return { produce: out.length > 0 ? [{ topic: Topics.commands, records: out }] : [] };
  }

  /** Stops after the batch in flight is committed. Idempotent. */
  async close(): Promise<void> {
    this.stopLag?.();
    await this.consumer?.close();
  }
}
