import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  ParleyError,
  partitionForKey,
  type ConsumerConfig,
  type EventLog,
  type LogConsumer,
  type LogProducer,
  type LogRecord,
  type Logger,
  type OutgoingRecord,
  type RecordPosition,
  type TopicSpec,
} from '@parley/core';
import { KafkaLogConsumer } from './kafka-consumer.js';
import { toLogRecord, toMessage } from './records.js';

/** At most this many bytes of record values go in one coalesced Produce request (see producer()). */
const MAX_COALESCED_BYTES = 512 * 1024;

interface QueuedSend {
  topic: string;
  records: readonly OutgoingRecord[];
  bytes: number;
  resolve(positions: RecordPosition[]): void;
  reject(error: unknown): void;
}

export interface KafkaEventLogOptions {
  /** A kafkajs client, created (with its brokers, TLS, SASL) by the caller. */
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** Replication factor for topics this log creates (-1: the broker's default). */
  readonly replicationFactor?: number;
  /** How long a group-less read may take before it fails. */
  readonly readTimeoutMs?: number;
  /**
   * Consumer groups' session timeout (ms, default 10000): how long after a member dies its partitions are
   * given to another. The broker refuses values under its group.min.session.timeout.ms (6000 by default).
   */
  readonly sessionTimeoutMs?: number;
}

/**
 * The event log on Apache Kafka (kafkajs). Records are placed with the same murmur2 partitioner as the
 * embedded log; producers are idempotent with acks=all; readers use read_committed, so records of an
 * aborted or open transaction are never seen, and `endOffset` is the last stable offset.
 */
export class KafkaEventLog implements EventLog {
  private admin: Promise<Admin> | undefined;
  private readonly partitions = new Map<string, number>();
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<LogConsumer>();
  private closed = false;

  constructor(private readonly options: KafkaEventLogOptions) {}

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: this.options.replicationFactor ?? -1,
        configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }

  async partitionCount(topic: string): Promise<number> {
    const known = this.partitions.get(topic);
    if (known !== undefined) return known;
    const admin = await this.connectedAdmin();
    let metadata;
    try {
      metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    } catch (error) {
      throw new ParleyError('not_found', `Unknown topic "${topic}": create it first`, { cause: error });
    }
    const count = metadata.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new ParleyError('not_found', `Unknown topic "${topic}": create it first`);
    this.partitions.set(topic, count);
    return count;
  }

  /**
   * A producer whose concurrent sends share requests: while one request is in flight, later sends queue,
   * and the queue goes out as one Produce request when it returns (in call order, so per-key order holds).
   * kafkajs puts every send() in a request of its own and, idempotent with one request in flight, waits
   * for each: one gateway sending commands for thousands of clients would be held to one round trip per
   * command. Coalescing adds no wait at low load and makes batches at high load.
   */
  producer(): LogProducer {
    const producer = this.options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producers.add(producer);
    let connected: Promise<void> | undefined;
    const queue: QueuedSend[] = [];
    let flushing = false;
    const flush = async (): Promise<void> => {
      if (flushing) return;
      flushing = true;
      try {
        while (queue.length > 0) {
          const first = queue[0]!;
          // One topic per request, up to MAX_COALESCED_BYTES of values (a single larger send goes alone).
          let bytes = 0;
          let n = 0;
          while (n < queue.length && queue[n]!.topic === first.topic && (n === 0 || bytes + queue[n]!.bytes <= MAX_COALESCED_BYTES)) bytes += queue[n++]!.bytes;
          const taken = queue.splice(0, n);
          try {
            connected ??= producer.connect();
            await connected;
            const positions = await this.send(producer, first.topic, taken.flatMap((q) => q.records));
            let at = 0;
            for (const q of taken) {
              q.resolve(positions.slice(at, at + q.records.length));
              at += q.records.length;
            }
          } catch (error) {
            for (const q of taken) q.reject(error);
          }
        }
      } finally {
        flushing = false;
      }
    };
    return {
      send: (topic, records) => {
        if (records.length === 0) return Promise.resolve([]);
        return new Promise<RecordPosition[]>((resolve, reject) => {
          queue.push({ topic, records, bytes: records.reduce((n, r) => n + r.value.byteLength + r.key.length, 0), resolve, reject });
          void flush();
        });
      },
      close: async () => {
        this.producers.delete(producer);
        await producer.disconnect();
      },
    };
  }

  private async send(producer: Producer, topic: string, records: readonly OutgoingRecord[]): Promise<RecordPosition[]> {
    if (records.length === 0) return [];
    const count = await this.partitionCount(topic);
    const placed = records.map((r) => r.partition ?? partitionForKey(r.key, count));
    const metadata = await producer.send({ topic, acks: -1, messages: records.map((r, i) => toMessage(r, placed[i]!)) });
    // One batch per partition is appended in order: the i-th record of a partition has baseOffset + i.
    const base = new Map(metadata.map((m) => [m.partition, Number(m.baseOffset)]));
    const seen = new Map<number, number>();
    return placed.map((partition) => {
      const index = seen.get(partition) ?? 0;
      seen.set(partition, index + 1);
      return { topic, partition, offset: (base.get(partition) ?? 0) + index };
    });
  }

  consumer(config: ConsumerConfig): LogConsumer {
    const consumer = new KafkaLogConsumer(this.options.kafka, config, this.options.logger, (t) => this.partitionCount(t), this.options.sessionTimeoutMs);
    this.consumers.add(consumer);
    return consumer;
  }

  async endOffset(topic: string, partition: number): Promise<number> {
    return (await this.offsets(topic, partition)).end;
  }

  /** The partition's oldest kept offset (Kafka's log start offset; retention moves it up) and its end. */
  private async offsets(topic: string, partition: number): Promise<{ start: number; end: number }> {
    const admin = await this.connectedAdmin();
    const offsets = await admin.fetchTopicOffsets(topic);
    const found = offsets.find((o) => o.partition === partition);
    if (!found) throw new ParleyError('bad_request', `Topic ${topic} has no partition ${partition}`);
    return { start: Number(found.low), end: Number(found.high) };
  }

  /**
   * Group-less read of one partition, through a short-lived consumer with a unique group that seeks to
   * `fromOffset`: a consumer-group join per call, so callers read large ranges at once (state catch-up
   * on assignment), never per message.
   */
  async read(topic: string, partition: number, requestedOffset: number, maxRecords: number): Promise<LogRecord[]> {
    const { start, end } = await this.offsets(topic, partition);
    // Below the log start (records removed by retention) the read starts at the oldest kept: a seek out of
    // range would leave the consumer waiting.
    const fromOffset = Math.max(requestedOffset, start);
    if (fromOffset >= end || maxRecords <= 0) return [];
    const groupId = `parley-read-${randomUUID()}`;
    const consumer = this.options.kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 50, heartbeatInterval: 500 });
    const out: LogRecord[] = [];
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const reached = (lastOffset: number): void => {
      if (out.length >= maxRecords || lastOffset >= end - 1) finish();
    };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const others = (payload.memberAssignment[topic] ?? []).filter((p) => p !== partition);
      if (others.length) consumer.pause([{ topic, partitions: others }]);
      consumer.seek({ topic, partition, offset: String(fromOffset) });
    });
    // Batches holding only transaction markers never reach eachBatch, but do report how far they got.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === topic && payload.partition === partition) reached(Number(payload.lastOffset));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (batch.partition !== partition) return;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset >= fromOffset && offset < end && out.length < maxRecords) out.push(toLogRecord(topic, partition, m));
          }
          reached(Number(batch.lastOffset()));
        },
      });
      const timeout = this.options.readTimeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      // Retention may remove the rest of the range while this reads (Kafka deletes an expired active
      // segment too): nothing would arrive, so every 2 s look whether the log start passed what is left.
      const watchdog = setInterval(() => {
        void this.offsets(topic, partition).then(
          ({ start: low }) => {
            const next = out.length > 0 ? out[out.length - 1]!.offset + 1 : fromOffset;
            if (low >= end) finish();
            else if (low > next) consumer.seek({ topic, partition, offset: String(low) });
          },
          () => undefined,
        );
      }, 2000);
      await Promise.race([
        done,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ParleyError('timeout', `Reading ${topic}/${partition} from ${fromOffset} took over ${timeout} ms`)), timeout);
        }),
      ]).finally(() => {
        clearTimeout(timer);
        clearInterval(watchdog);
      });
    } finally {
      await consumer.disconnect();
      const admin = await this.connectedAdmin();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    const seen = new Set<number>();
    return out.filter((r) => !seen.has(r.offset) && seen.add(r.offset)).sort((a, b) => a.offset - b.offset);
  }

  /** Closes consumers (leaving their groups), producers and the admin client; the caller owns `kafka`. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close()));
    await Promise.all([...this.producers].map((p) => p.disconnect()));
    if (this.admin) await (await this.admin).disconnect();
  }
}
