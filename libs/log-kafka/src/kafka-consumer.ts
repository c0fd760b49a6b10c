import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { ParleyError, partitionForKey, type BatchHandler, type BatchResult, type ConsumerConfig, type LogConsumer, type Logger, type OutgoingRecord } from '@parley/core';
import { toLogRecord, toMessage } from './records.js';
import { recordConsumerLag } from '@parley/telemetry';

const MAX_BACKOFF_MS = 5000;

/**
 * One consumer-group member on Kafka. Offsets are committed after the handler (at-least-once), or, for a
 * transactional member, sent in the same transaction as the records the handler returns (exactly-once:
 * read_committed readers see both or neither). `onAssign` and `startOffset` run when the group hands this
 * member partitions, before any of their batches is handled.
 */
export class KafkaLogConsumer implements LogConsumer {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private assigned: Array<{ topic: string; partition: number }> = [];
  private held = new Set<string>();
  /** Resolves when the latest assignment's onAssign and seeks are done. */
  private assignmentReady: Promise<void> = Promise.resolve();
  private readonly backoff = new Map<string, number>();
  /** Per partition, the handling of marker-only batches, which eachBatch waits for to keep order. */
  private readonly chains = new Map<string, Promise<void>>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: ConsumerConfig,
    private readonly logger: Logger,
    private readonly partitionsOf: (topic: string) => Promise<number>,
    private readonly sessionTimeoutMs = 10_000,
  ) {}

  assignment(): ReadonlyArray<{ topic: string; partition: number }> {
    return this.assigned;
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.consumer) throw new ParleyError('conflict', 'Consumer already started');
    const consumer = this.kafka.consumer({
      groupId: this.config.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: Math.min(500, Math.floor(this.sessionTimeoutMs / 3)),
      maxWaitTimeInMs: 100,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    if (this.config.transactionalId) {
      this.producer = this.transactionalProducer();
      await this.producer.connect();
    }
    // kafkajs resolves batches of only transaction markers without calling eachBatch; hand them to the
    // handler as empty batches (in order with the others) so offsets stored by the sink pass the markers.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      recordConsumerLag(this.config.groupId, payload.topic, payload.partition, Number(payload.offsetLag));
      if (payload.batchSize !== 0 || !this.config.topics.includes(payload.topic)) return;
      const key = `${payload.topic}/${payload.partition}`;
      const nextOffset = Number(payload.lastOffset) + 1;
      const previous = this.chains.get(key) ?? Promise.resolve();
      this.chains.set(
        key,
        previous.then(async () => {
          if (this.closing) return;
          try {
            const result = await handler({ topic: payload.topic, partition: payload.partition, records: [], nextOffset });
            await this.commit(result, payload.topic, payload.partition, nextOffset);
          } catch (error) {
            this.logger.warn('handling a marker-only batch failed; the offset moves on with the next batch', { error });
          }
        }),
      );
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = Object.entries(payload.memberAssignment).flatMap(([topic, parts]) => parts.map((partition) => ({ topic, partition })));
      this.assigned = assigned;
      const fresh = assigned.filter((a) => !this.held.has(`${a.topic}/${a.partition}`));
      this.held = new Set(assigned.map((a) => `${a.topic}/${a.partition}`));
      this.assignmentReady = this.prepare(fresh);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.config.topics], fromBeginning: this.config.startFrom !== 'latest' });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, this.config.partitionsConsumedConcurrently ?? 1),
      eachBatch: (payload) => this.eachBatch(payload, handler),
    });
  }

  /** Runs onAssign and the start-offset seeks for newly assigned partitions; retries until they succeed. */
  private async prepare(fresh: Array<{ topic: string; partition: number }>): Promise<void> {
    if (fresh.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.config.onAssign?.(fresh);
        if (this.config.startOffset) {
          for (const { topic, partition } of fresh) {
            const offset = await this.config.startOffset(topic, partition);
            if (offset !== undefined) this.consumer?.seek({ topic, partition, offset: String(offset) });
          }
        }
        return;
      } catch (error) {
        this.logger.error('preparing newly assigned partitions failed; retrying', { group: this.config.groupId, attempt, error });
        await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt));
      }
    }
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, handler: BatchHandler): Promise<void> {
    // Hold the batch until the assignment is prepared, heartbeating so the group does not think we died.
    let prepared = false;
    void this.assignmentReady.then(() => (prepared = true));
    while (!prepared) {
      await Promise.race([this.assignmentReady, sleep(1000)]);
      await heartbeat();
    }
    const { topic, partition } = batch;
    const key = `${topic}/${partition}`;
    await this.chains.get(key); // a marker-only batch before this one is handled first
    const all = batch.messages.map((m) => toLogRecord(topic, partition, m));
    const size = this.config.maxBatchRecords ?? 500;
    for (let i = 0; i < all.length; i += size) {
      if (!isRunning() || isStale() || this.closing) return;
      const records = all.slice(i, i + size);
      const lastChunk = i + size >= all.length;
      // batch.lastOffset() counts transaction markers fetched along with the records: the last chunk resumes after them.
      const next = Math.max(records[records.length - 1]!.offset + 1, lastChunk ? Number(batch.lastOffset()) + 1 : 0);
      try {
        // A failed heartbeat (a rebalance began) is not the handler's failure: the next batch learns of it.
        const result = await handler({ topic, partition, records, nextOffset: next, heartbeat: () => heartbeat().catch(() => undefined) });
        await this.commit(result, topic, partition, next);
        resolveOffset(String(next - 1));
        this.backoff.delete(key);
        await heartbeat();
      } catch (error) {
        const wait = Math.min(MAX_BACKOFF_MS, (this.backoff.get(key) ?? 50) * 2);
        this.backoff.set(key, wait);
        this.logger.error('consumer handler failed; the batch will be redelivered', { group: this.config.groupId, topic, partition, fromOffset: records[0]!.offset, retryInMs: wait, error });
        await sleep(wait);
        this.consumer?.seek({ topic, partition, offset: String(records[0]!.offset) });
        return;
      }
    }
  }

  private async commit(result: BatchResult | void, topic: string, partition: number, next: number): Promise<void> {
    const produce = result?.produce?.filter((p) => p.records.length > 0) ?? [];
    if (!this.producer) {
      if (produce.length > 0) throw new ParleyError('config', `Consumer group ${this.config.groupId} returned records to produce but has no transactionalId`);
      await this.consumer!.commitOffsets([{ topic, partition, offset: String(next) }]);
      return;
    }
    const batches = await Promise.all(
      produce.map(async ({ topic: t, records }) => {
        const count = await this.partitionsOf(t);
        return { topic: t, messages: records.map((r: OutgoingRecord) => toMessage(r, r.partition ?? partitionForKey(r.key, count))) };
      }),
    );
    const tx = await this.producer.transaction();
    try {
      for (const b of batches) await tx.send({ topic: b.topic, messages: b.messages, acks: -1 });
      await tx.sendOffsets({ consumerGroupId: this.config.groupId, topics: [{ topic, partitions: [{ partition, offset: String(next) }] }] });
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      // A fenced or broken transactional producer cannot be reused: start a fresh one (same transactional.id).
      await this.producer.disconnect().catch(() => undefined);
      this.producer = this.transactionalProducer();
      await this.producer.connect().catch(() => undefined);
      throw error;
    }
  }

  private transactionalProducer(): Producer {
    // Right after a commit the coordinator is still writing the markers, so the next transaction's first
    // AddPartitionsToTxn is often answered CONCURRENT_TRANSACTIONS. kafkajs retries that with the client's
    // backoff (200 ms here). Waiting 3 ms first (the Java client waits 20 ms for this case, KAFKA-5477)
    // took the ingest's transactions from p50 40 / p90 226 ms to about p50 30 / p90 60 ms in the
    // distributed benchmark (docs/BENCHMARKS.md). The retry budget stays about 20 s, enough for a broker
    // restart.
    return this.kafka.producer({
      transactionalId: this.config.transactionalId!,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 20, initialRetryTime: 3, maxRetryTime: 2000 },
    });
  }

  /** Leaves the group after the batch in flight. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.consumer?.disconnect();
      await this.producer?.disconnect();
    })();
    return this.closing;
  }
}

