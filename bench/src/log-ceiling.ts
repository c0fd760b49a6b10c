import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type Message, type Producer } from 'kafkajs';
import { percentiles } from './percentiles.js';

/**
 * The ceiling of the log path (issue 14): a bare kafkajs produce -> consume -> produce -> consume loop
 * on one broker, shaped like Parley's distributed mode without any of its work. Stage 1 is the gateway
 * (an idempotent acks=all producer that gathers what waits while a send is in flight into one request),
 * stage 2 the ingest (a consumer group that produces every record to a second topic, transactionally with
 * its offsets when `transactional`), stage 3 the fanout (a read_committed consumer that takes the
 * end-to-end latency of each record).
 */
export interface LogCeilingOptions {
  brokers: string[];
  partitions: number;
  durationSeconds: number;
  /** Most records sent and not yet acknowledged at once (a closed loop: a new record when one is acked). */
  inFlight: number;
  transactional: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface LogCeilingResult {
  transactional: boolean;
  partitions: number;
  durationSeconds: number;
  inFlight: number;
  /** Records acknowledged by stage 1 per second of sending. */
  producedPerSecond: number;
  /** Records seen by stage 3 per second, from the first send to the last record seen. */
  loopedPerSecond: number;
  /** Date.now() at stage 3 minus Date.now() when stage 1 made the record, first sighting of each record. */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  acked: number;
  seen: number;
  /** Acknowledged by stage 1 but never seen by stage 3 after the drain. */
  lost: number;
  /** Sightings at stage 3 beyond the first of a record. */
  duplicates: number;
  /** Stage 2's transactions (or plain sends) and the records each carried on average. */
  stage2Batches: number;
  stage2RecordsPerBatch: number;
  /** Stage 1's send() calls and the records each carried on average. */
  stage1Sends: number;
  stage1RecordsPerSend: number;
  /** Seconds the drain took (the wait for the last acknowledged records to reach stage 3). */
  drainSeconds: number;
  /**
   * Requests the broker answered CONCURRENT_TRANSACTIONS (a transaction begun while the previous one's
   * markers were still being written), which kafkajs retried; counted here instead of logged.
   */
  concurrentTransactionRetries: number;
}

const KEYS = 1000;
/** A send carries at most this many bytes of values, as Parley's coalescing producer does (512 KiB). */
const MAX_SEND_BYTES = 512 * 1024;
const DRAIN_MS = 30_000;
/** Bytes of padding that bring a record's JSON value to about 200 bytes. */
const PAD = 'x'.repeat(140);

/** Median, min and max of some numbers (undefined ones left out); `undefined` when there are none. */
export function spread(values: readonly (number | undefined)[]): { median: number; min: number; max: number } | undefined {
  const s = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((x, y) => x - y);
  if (s.length === 0) return undefined;
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: Math.round(median * 10) / 10, min: s[0]!, max: s[s.length - 1]! };
}

/**
 * What stage 3 saw of the records stage 1 made (ids 0, 1, 2, ...): first sightings with their latency,
 * duplicates, and which acknowledged ids never arrived.
 */
export class LoopTally {
  private seenCount = new Uint8Array(1 << 16);
  private ackedUpTo = 0;
  private readonly notAcked = new Set<number>();
  readonly latencies: number[] = [];
  unique = 0;
  duplicates = 0;
  lastSeenAt = 0;

  /** Ids below `upTo` were sent; those in `failed` were not acknowledged. */
  acked(upTo: number, failed: readonly number[] = []): void {
    this.ackedUpTo = Math.max(this.ackedUpTo, upTo);
    for (const id of failed) this.notAcked.add(id);
  }

  get ackedCount(): number {
    return this.ackedUpTo - this.notAcked.size;
  }

  seen(id: number, sentAt: number, now: number): void {
    if (!Number.isInteger(id) || id < 0) return;
    while (id >= this.seenCount.length) {
      const grown = new Uint8Array(this.seenCount.length * 2);
      grown.set(this.seenCount);
      this.seenCount = grown;
    }
    const before = this.seenCount[id]!;
    if (before < 255) this.seenCount[id] = before + 1;
    if (before === 0) {
      this.unique++;
      this.latencies.push(now - sentAt);
    } else {
      this.duplicates++;
    }
    this.lastSeenAt = now;
  }

  /** Acknowledged ids that have not been seen. */
  lost(): number {
    let lost = 0;
    for (let id = 0; id < this.ackedUpTo; id++) if (this.seenCount[id] === undefined || this.seenCount[id] === 0) if (!this.notAcked.has(id)) lost++;
    return lost;
  }

  /** Whether every acknowledged id has been seen (cheap: counts, then the full check). */
  complete(): boolean {
    return this.unique >= this.ackedCount && this.lost() === 0;
  }
}

/** Resolves at the consumer's first GROUP_JOIN (its partitions assigned); rejects on a crash first. */
function joined(consumer: Consumer): Promise<void> {
  return new Promise((resolve, reject) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
  });
}

export async function runLogCeiling(options: LogCeilingOptions): Promise<LogCeilingResult> {
  const log = options.log ?? (() => undefined);
  const { brokers, partitions, durationSeconds, inFlight, transactional } = options;
  if (!(partitions >= 1) || !(durationSeconds > 0) || !(inFlight >= 1)) throw new Error('partitions and inFlight must be >= 1 and durationSeconds > 0');
  let concurrentTransactionRetries = 0;
  const kafka = new Kafka({
    clientId: 'parley-log-ceiling',
    brokers,
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => {
      const line = `kafkajs ${entry.namespace}: ${String(entry.log.message)}${entry.log['error'] ? ` (${String(entry.log['error'])})` : ''}`;
      // kafkajs logs each CONCURRENT_TRANSACTIONS answer (twice) at ERROR, then retries it.
      if (line.includes('another concurrent operation on the same transaction')) {
        if (entry.namespace === 'Connection') concurrentTransactionRetries++;
        return;
      }
      log(line);
    },
  });
  const suffix = randomBytes(6).toString('hex');
  const inTopic = `ceiling-in-${suffix}`;
  const outTopic = `ceiling-out-${suffix}`;
  const ingestGroup = `ceiling-ingest-${suffix}`;
  const fanoutGroup = `ceiling-fanout-${suffix}`;

  const admin: Admin = kafka.admin();
  const producers: Producer[] = [];
  const consumers: Consumer[] = [];
  let topicsCreated = false;
  try {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [inTopic, outTopic].map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
    topicsCreated = true;
    for (let waited = 0; ; waited += 100) {
      const metadata = await admin.fetchTopicMetadata({ topics: [inTopic, outTopic] }).catch(() => undefined);
      if (metadata?.topics.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0))) break;
      if (waited > 30_000) throw new Error(`the topics ${inTopic} and ${outTopic} had no leaders for every partition after 30 s`);
      await sleep(100);
    }
    log(`topics ${inTopic} and ${outTopic} (${partitions} partitions) created`);

    const tally = new LoopTally();

    // Stage 3 (the fanout): read_committed, the end-to-end latency of every record.
    const fanout = kafka.consumer({ groupId: fanoutGroup, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    consumers.push(fanout);
    const fanoutJoined = joined(fanout);
    await fanout.connect();
    await fanout.subscribe({ topics: [outTopic], fromBeginning: true });
    await fanout.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          if (!m.value) continue;
          const record = JSON.parse(m.value.toString()) as { id: number; ts: number };
          tally.seen(record.id, record.ts, now);
        }
      },
    });

    // Stage 2 (the ingest): every record of the in-topic to the out-topic with the same key.
    const stage2 = { batches: 0, records: 0 };
    const ingestProducer = transactional
      ? kafka.producer({
          transactionalId: `ceiling-ingest-${suffix}`,
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          // As Parley's transactional ingest producer (libs/log-kafka/src/kafka-consumer.ts): a first retry
          // of CONCURRENT_TRANSACTIONS after 3 ms, not kafkajs's default 300 ms.
          retry: { retries: 20, initialRetryTime: 3, maxRetryTime: 2000 },
        })
      : kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    producers.push(ingestProducer);
    await ingestProducer.connect();
    const ingest = kafka.consumer({ groupId: ingestGroup, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    consumers.push(ingest);
    const ingestJoined = joined(ingest);
    await ingest.connect();
    await ingest.subscribe({ topics: [inTopic], fromBeginning: true });
    await ingest.run({
      autoCommit: !transactional,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        const messages: Message[] = batch.messages.map((m) => ({ key: m.key, value: m.value }));
        if (!transactional) {
          await ingestProducer.send({ topic: outTopic, acks: -1, messages });
        } else {
          const tx = await ingestProducer.transaction();
          try {
            await tx.send({ topic: outTopic, acks: -1, messages });
            await tx.sendOffsets({
              consumerGroupId: ingestGroup,
              topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }] }],
            });
            await tx.commit();
          } catch (error) {
            await tx.abort().catch(() => undefined);
            throw error;
          }
        }
        stage2.batches++;
        stage2.records += messages.length;
      },
    });

    await Promise.all([fanoutJoined, ingestJoined]);
    log('both consumer groups joined');

    // Stage 1 (the gateway): a closed loop of `inFlight` records; what waits while a send is in flight
    // goes out in the next send (one at a time, as the idempotent producer with one request in flight
    // would do anyway).
    const gateway = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    producers.push(gateway);
    await gateway.connect();
    let nextId = 0;
    let acked = 0;
    const stage1 = { sends: 0 };
    const firstSendAt = Date.now();
    const sendUntil = firstSendAt + durationSeconds * 1000;
    let free = inFlight;
    let lastReport = firstSendAt;
    while (Date.now() < sendUntil) {
      const messages: Message[] = [];
      let bytes = 0;
      const ts = Date.now();
      while (free > 0 && bytes < MAX_SEND_BYTES) {
        const id = nextId++;
        const key = `key-${id % KEYS}`;
        const value = JSON.stringify({ id, ts, key, pad: PAD });
        messages.push({ key, value });
        bytes += value.length + key.length;
        free--;
      }
      const firstId = nextId - messages.length;
      try {
        await gateway.send({ topic: inTopic, acks: -1, messages });
      } catch (error) {
        tally.acked(nextId, Array.from({ length: messages.length }, (_, i) => firstId + i));
        throw error;
      }
      tally.acked(nextId);
      acked += messages.length;
      free += messages.length;
      stage1.sends++;
      const now = Date.now();
      if (now - lastReport >= 5000) {
        log(`  ${Math.round((now - firstSendAt) / 1000)} s: ${acked} acked, ${tally.unique} seen at stage 3`);
        lastReport = now;
      }
    }
    const sentFor = (Date.now() - firstSendAt) / 1000;
    log(`sent for ${sentFor.toFixed(1)} s: ${acked} acked in ${stage1.sends} sends; draining...`);

    const drainStart = Date.now();
    while (!tally.complete() && Date.now() - drainStart < DRAIN_MS) await sleep(50);
    const drainSeconds = Math.round((Date.now() - drainStart) / 100) / 10;
    const lost = tally.lost();
    log(`drained in ${drainSeconds} s: ${tally.unique} seen, ${lost} lost, ${tally.duplicates} duplicates`);

    const loopSeconds = (tally.lastSeenAt - firstSendAt) / 1000;
    return {
      transactional,
      partitions,
      durationSeconds,
      inFlight,
      producedPerSecond: Math.round(acked / durationSeconds),
      loopedPerSecond: loopSeconds > 0 ? Math.round(tally.unique / loopSeconds) : 0,
      latencyMs: percentiles(tally.latencies),
      acked,
      seen: tally.unique,
      lost,
      duplicates: tally.duplicates,
      stage2Batches: stage2.batches,
      stage2RecordsPerBatch: stage2.batches > 0 ? Math.round((stage2.records / stage2.batches) * 10) / 10 : 0,
      stage1Sends: stage1.sends,
      stage1RecordsPerSend: stage1.sends > 0 ? Math.round((acked / stage1.sends) * 10) / 10 : 0,
      drainSeconds,
      concurrentTransactionRetries,
    };
  } finally {
    // Consumers first (stage 3 last to stop seeing is fine), then producers, then the topics.
    await Promise.all(consumers.map((c) => c.disconnect().catch((error: unknown) => log(`disconnecting a consumer failed: ${String(error)}`))));
    await Promise.all(producers.map((p) => p.disconnect().catch((error: unknown) => log(`disconnecting a producer failed: ${String(error)}`))));
    if (topicsCreated) {
      await admin.deleteTopics({ topics: [inTopic, outTopic] }).catch((error: unknown) => log(`deleting the topics failed: ${String(error)}`));
      await admin.deleteGroups([ingestGroup, fanoutGroup]).catch(() => undefined);
    }
    await admin.disconnect().catch(() => undefined);
  }
}
