/**
 * The event log port: Kafka's model, narrowed to what Parley uses. Implemented by the embedded on-disk
 * log (single node) and by Kafka (distributed); both pass the same conformance suite
 * (libs/core/src/conformance/event-log.conformance.ts).
 *
 * Contract, as on Kafka:
 * - A topic has a fixed number of partitions, set at creation. A record's partition is
 *   `partitionForKey(key, partitions)` (Kafka's murmur2) unless the producer names one.
 * - Offsets in a partition start at 0 and increase; a reader sees records in offset order. Offsets may
 *   skip values (Kafka's transaction markers take offsets), so never assume `next = last + 1`: a batch
 *   says where to resume (`nextOffset`), and a batch of only skipped offsets arrives with no records, so a
 *   sink that stores its offsets reaches the end offset.
 * - A topic's `retention.ms` config removes records older than it, a sealed segment at a time (a Kafka
 *   segment; a journal segment on the embedded log): offsets never change, the partition's oldest offset
 *   moves up, and a read or a consumer below it starts at the oldest kept (auto.offset.reset=earliest).
 * - `send` resolves only once the records are durable (fsync'd on the embedded log, acks=all on Kafka).
 * - A consumer group hands each partition to one member at a time; a batch's offsets are committed only
 *   after its handler resolves, so a crash re-delivers, never skips (at-least-once).
 * - A handler that returns `produce` has those records written and its input offsets committed in one
 *   transaction: both become visible, or neither does (exactly-once consume-transform-produce).
 */
export interface EventLog {
  /** Creates the topics that do not exist; an existing topic keeps its partition count. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  partitionCount(topic: string): Promise<number>;
  producer(): LogProducer;
  consumer(config: ConsumerConfig): LogConsumer;
  /** Reads committed records of one partition from `fromOffset`, at most `maxRecords`, without a group. */
  read(topic: string, partition: number, fromOffset: number, maxRecords: number): Promise<LogRecord[]>;
  /** The offset after the last committed (visible) record of the partition. */
  endOffset(topic: string, partition: number): Promise<number>;
  close(): Promise<void>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Topic settings: Kafka takes any; the embedded log applies `retention.ms` and `segment.ms` (a topic without `retention.ms` is kept forever). */
  readonly config?: Readonly<Record<string, string>>;
}

export type Headers = Readonly<Record<string, string>>;

export interface OutgoingRecord {
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers?: Headers;
  /** Overrides the key's partition (ingest writes an event to its command's partition). */
  readonly partition?: number;
}

export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Headers;
  /** Append time, ms since the epoch. */
  readonly timestamp: number;
}

export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface LogProducer {
  send(topic: string, records: readonly OutgoingRecord[]): Promise<RecordPosition[]>;
  close(): Promise<void>;
}

export interface ConsumerConfig {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a partition starts when the group has no committed offset for it: 'earliest' (default) or 'latest'. */
  readonly startFrom?: 'earliest' | 'latest';
  /** Largest batch handed to the handler. */
  readonly maxBatchRecords?: number;
  /**
   * How many of this member's partitions may be in the handler at once (Kafka's
   * partitionsConsumedConcurrently; default 1: one batch at a time). Batches of one partition are never
   * handled concurrently, and each keeps its order. A handler that gathers the batches it is given into
   * one piece of work (the projector: one database transaction) sees several at once.
   */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Overrides the committed offset when a partition is assigned: a sink that stores its own offsets
   * atomically with its side effects (the projector) answers from its store; `undefined` keeps the group's.
   */
  readonly startOffset?: (topic: string, partition: number) => Promise<number | undefined>;
  /**
   * Called with the partitions this member just got, before any batch of them is handled: the place to
   * rebuild state that depends on who held the partition before. A failure is retried.
   */
  readonly onAssign?: (partitions: ReadonlyArray<{ topic: string; partition: number }>) => Promise<void>;
  /** Kafka's transactional.id; required for handlers that return `produce`. */
  readonly transactionalId?: string;
}

export interface LogBatch {
  readonly topic: string;
  readonly partition: number;
  /** May be empty: the log skipped offsets that hold no records (Kafka's transaction markers). */
  readonly records: readonly LogRecord[];
  /** Where this partition resumes after the batch: past the last record, and past any markers after it. */
  readonly nextOffset: number;
  /**
   * Kafka: tells the group this member is alive. A handler that makes progress for longer than the
   * session timeout (fanout rebuilding a partition from the log) calls it after each step, so the group
   * does not hand its partitions to another member meanwhile. Never fails; absent on the embedded log,
   * which has no group to leave.
   */
  readonly heartbeat?: () => Promise<void>;
}

export interface BatchResult {
  /** Written in one transaction with the batch's offsets. */
  readonly produce?: ReadonlyArray<{ readonly topic: string; readonly records: readonly OutgoingRecord[] }>;
}

export type BatchHandler = (batch: LogBatch) => Promise<BatchResult | void>;

export interface LogConsumer {
  /** Joins the group and feeds batches to the handler until closed. A handler error re-delivers the batch. */
  start(handler: BatchHandler): Promise<void>;
  /** Partitions this member holds now. */
  assignment(): ReadonlyArray<{ topic: string; partition: number }>;
  /** Leaves the group after the batch in flight is committed. Idempotent. */
  close(): Promise<void>;
}
