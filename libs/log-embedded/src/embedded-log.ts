import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  ParleyError,
  partitionForKey,
  silentLogger,
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
import { Journal, type FsyncPolicy } from './journal.js';
import type { SegmentHeader } from './segment.js';
import type { JournalCommit, JournalRecord } from './journal-codec.js';
import { PartitionIndex } from './partition-index.js';
import {
  commitsOf,
  encodeCheckpoint,
  misfit,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
} from './checkpoint.js';
import { EmbeddedConsumer } from './embedded-consumer.js';
import { ConsumerGroup } from './consumer-group.js';

export interface EmbeddedLogOptions {
  /** Directory holding topics.json, the journal's segments and the checkpoint; created if missing. */
  readonly dir: string;
  readonly fsync?: FsyncPolicy;
  readonly logger?: Logger;
  /** Newest records kept decoded in memory per partition. */
  readonly tailRecords?: number;
  /** Largest record value accepted, bytes (Kafka's message.max.bytes). */
  readonly maxRecordBytes?: number;
  /** A new journal segment is started once the current one holds this many bytes (default 64 MiB)... */
  readonly segmentBytes?: number;
  /** ...or is this old (default a day; a topic's `segment.ms` config lowers it). */
  readonly segmentMs?: number;
  /** How often sealed segments are checked against the topics' `retention.ms` (default a minute). */
  readonly retentionCheckMs?: number;
  /**
   * Topics whose plain sends (no offset commits in them) take no fsync of their own under fsync
   * `always`: the next synced write covers them (Journal.append's `sync`). The single node names the
   * commands topic: a command is acknowledged to its sender only by the event it leads to, whose write is
   * synced, so a command needs no fsync of its own; one fsync a message instead of two.
   */
  readonly syncWithNextWrite?: readonly string[];
}

/** What an online backup copies of the log: files under `dir`, each its first `bytes` (undefined: whole). */
export interface LogCut {
  readonly dir: string;
  readonly files: ReadonlyArray<{ path: string; bytes: number | undefined }>;
  /** Records in the log at the cut (for the report). */
  readonly records: number;
  /** `index.checkpoint` as of the cut, when the log could write one. */
  readonly checkpoint?: Uint8Array;
}

/** A topic as topics.json keeps it (a bare number: a file from before topic configs). */
interface TopicEntry {
  partitions: number;
  config: Record<string, string>;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const MAX_PARTITIONS = 1024;
/** Longest a non-transactional offset commit waits for a journal write (commitAsync). */
const COMMIT_INTERVAL_MS = 1000;
/** A checkpoint is written after this many journal bytes since the last one (and on close). */
const CHECKPOINT_BYTES = 64 << 20;
const SEGMENT_BYTES = 64 << 20;
const SEGMENT_MS = 24 * 3600 * 1000;
const RETENTION_CHECK_MS = 60_000;

/**
 * The single-node event log: Kafka's semantics (topics, partitions, offsets, consumer groups, atomic
 * consume-transform-produce) on one journal file, durable per the fsync policy. Production code, held to
 * the same conformance suite as the Kafka adapter.
 */
export class EmbeddedLog implements EventLog {
  private readonly topics = new Map<string, PartitionIndex[]>();
  private readonly groups = new Map<string, ConsumerGroup<EmbeddedConsumer>>();
  private readonly committed = new Map<string, number>();
  /** commitAsync's commits not yet in the journal, latest per group/topic/partition. */
  private readonly unwritten = new Map<string, JournalCommit>();
  private commitTimer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly consumers = new Set<EmbeddedConsumer>();
  /** Journal length the newest checkpoint covers, and the checkpoint being written, if any. */
  private checkpointedBytes: number;
  private checkpointing: Promise<void> | undefined;
  /** Where each (group, topic, partition)'s newest commit was written: an older one is superseded and retention may drop it. */
  private readonly commitFrames: Map<string, number>;
  private readonly configs: Map<string, Record<string, string>>;
  private readonly cleanTimer: NodeJS.Timeout;
  private cleaning: Promise<void> | undefined;
  /** Backups in progress: retention waits for them (holdForBackup). */
  private held = 0;

  private constructor(
    private readonly dir: string,
    private readonly journal: Journal,
    private readonly tailRecords: number,
    private readonly maxRecordBytes: number,
    readonly logger: Logger,
    topics: Map<string, PartitionIndex[]>,
    committed: Map<string, number>,
    checkpointedBytes: number,
    commitFrames: Map<string, number>,
    configs: Map<string, Record<string, string>>,
    retentionCheckMs: number,
    private readonly syncWithNextWrite: ReadonlySet<string>,
  ) {
    this.topics = topics;
    this.committed = committed;
    this.checkpointedBytes = checkpointedBytes;
    this.commitFrames = commitFrames;
    this.configs = configs;
    this.cleanTimer = setInterval(() => void this.clean(), retentionCheckMs);
    this.cleanTimer.unref();
  }

  /**
   * Opens the log: loads the checkpoint (`index.checkpoint`, see checkpoint.ts) when it fits the journal,
   * and replays only the journal's frames after it; without one that fits, replays the whole journal.
   */
  static async open(options: EmbeddedLogOptions): Promise<EmbeddedLog> {
    const logger = options.logger ?? silentLogger;
    const tailRecords = options.tailRecords ?? 4096;
    await mkdir(options.dir, { recursive: true });
    const spec = await readTopics(join(options.dir, 'topics.json'));
    const counts = new Map(Object.entries(spec).map(([name, entry]) => [name, entry.partitions]));
    const configs = new Map(Object.entries(spec).map(([name, entry]) => [name, entry.config]));
    const topics = new Map<string, PartitionIndex[]>();
    const committed = new Map<string, number>();
    const commitFrames = new Map<string, number>();
    const fresh = (): void => {
      topics.clear();
      committed.clear();
      commitFrames.clear();
      for (const [name, partitions] of counts)
        topics.set(
          name,
          Array.from({ length: partitions }, () => new PartitionIndex(tailRecords)),
        );
    };
    fresh();
    const checkpointPath = join(options.dir, CHECKPOINT_FILE);
    const checkpoint = await readCheckpoint(checkpointPath);
    if (typeof checkpoint === 'string')
      logger.warn('log checkpoint not used, replaying the whole journal', {
        path: checkpointPath,
        reason: checkpoint,
      });
    const from =
      typeof checkpoint === 'object'
        ? {
            position: checkpoint.journalBytes,
            last: checkpoint.lastFrame ?? undefined,
            accept: (file: Parameters<typeof misfit>[1]) => {
              const why = misfit(checkpoint, file, counts);
              if (why) {
                logger.warn('log checkpoint not used, replaying the whole journal', {
                  path: checkpointPath,
                  reason: why,
                });
                return false;
              }
              for (const [name, parts] of Object.entries(checkpoint.topics))
                topics.set(
                  name,
                  parts.map((data) => PartitionIndex.fromData(data, tailRecords)),
                );
              for (const c of commitsOf(checkpoint)) {
                committed.set(commitKey(c.group, c.topic, c.partition), c.offset);
                if (c.framePosition !== undefined)
                  commitFrames.set(commitKey(c.group, c.topic, c.partition), c.framePosition);
              }
              return true;
            },
            onRestart: fresh,
          }
        : undefined;
    let covered = 0;
    const journal = await Journal.open(
      {
        dir: options.dir,
        policy: options.fsync ?? { mode: 'always' },
        logger,
        segmentBytes: options.segmentBytes ?? SEGMENT_BYTES,
        segmentMs: () =>
          Math.min(
            options.segmentMs ?? SEGMENT_MS,
            ...[...configs.values()].map((c) => configMs(c, 'segment.ms')),
          ),
        counts: () =>
          Object.fromEntries([...topics].map(([name, parts]) => [name, parts.map((p) => p.visible)])),
      },
      (frame, framePos) => {
        for (const { record } of frame.records) {
          const index = topics.get(record.topic)?.[record.partition];
          if (!index)
            throw new ParleyError(
              'corrupt',
              `journal names ${record.topic}/${record.partition}, which topics.json does not have`,
            );
          index.add(toLogRecord(record, index.visible), framePos, false);
        }
        for (const c of frame.commits) {
          committed.set(commitKey(c.group, c.topic, c.partition), c.offset);
          commitFrames.set(commitKey(c.group, c.topic, c.partition), framePos);
        }
      },
      (header: SegmentHeader) => {
        for (const [name, parts] of Object.entries(header.counts))
          parts.forEach((count, p) => topics.get(name)?.[p]?.startsAt(count));
      },
      from && { ...from, accept: (file) => (from.accept(file) ? ((covered = from.position), true) : false) },
    );
    return new EmbeddedLog(
      options.dir,
      journal,
      tailRecords,
      options.maxRecordBytes ?? 1 << 20,
      logger,
      topics,
      committed,
      covered,
      commitFrames,
      configs,
      options.retentionCheckMs ?? RETENTION_CHECK_MS,
      new Set(options.syncWithNextWrite ?? []),
    );
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    let changed = false;
    for (const spec of specs) {
      if (!TOPIC_NAME.test(spec.name))
        throw new ParleyError('bad_request', `Invalid topic name "${spec.name}"`);
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > MAX_PARTITIONS) {
        throw new ParleyError('bad_request', `Topic ${spec.name}: partitions must be 1..${MAX_PARTITIONS}`);
      }
      const config = { ...(spec.config ?? {}) };
      for (const name of ['retention.ms', 'segment.ms'])
        if (config[name] !== undefined) configMs(config, name);
      // Unlike Kafka, an existing topic takes the config it is created with again (its partition count
      // stays): the retention a release sets applies to data directories from before it.
      if (this.topics.has(spec.name)) {
        if (spec.config && JSON.stringify(this.configs.get(spec.name) ?? {}) !== JSON.stringify(config)) {
          this.configs.set(spec.name, config);
          changed = true;
        }
        continue;
      }
      this.topics.set(
        spec.name,
        Array.from({ length: spec.partitions }, () => new PartitionIndex(this.tailRecords)),
      );
      this.configs.set(spec.name, config);
      changed = true;
    }
    if (changed) {
      const out: Record<string, TopicEntry> = {};
      for (const [name, parts] of this.topics)
        out[name] = { partitions: parts.length, config: this.configs.get(name) ?? {} };
      const path = join(this.dir, 'topics.json');
      await writeFile(`${path}.tmp`, JSON.stringify(out, null, 2));
      await rename(`${path}.tmp`, path);
    }
  }

  async partitionCount(topic: string): Promise<number> {
    return this.partitions(topic).length;
  }

  producer(): LogProducer {
    return {
      send: (topic, records) => this.append([{ topic, records }], []),
      close: async () => undefined,
    };
  }

  consumer(config: ConsumerConfig): LogConsumer {
    for (const topic of config.topics) this.partitions(topic);
    let group = this.groups.get(config.groupId);
    if (!group) {
      group = new ConsumerGroup<EmbeddedConsumer>(config.groupId, (topic) => this.partitions(topic).length);
      this.groups.set(config.groupId, group);
    }
    const consumer = new EmbeddedConsumer(this, group, config);
    this.consumers.add(consumer);
    return consumer;
  }

  async read(topic: string, partition: number, fromOffset: number, maxRecords: number): Promise<LogRecord[]> {
    return this.readSync(topic, partition, fromOffset, maxRecords);
  }

  async endOffset(topic: string, partition: number): Promise<number> {
    return this.index(topic, partition).visible;
  }

  /** @internal endOffset without a promise, for the consumers' test before a poll. */
  visibleEnd(topic: string, partition: number): number {
    return this.index(topic, partition).visible;
  }

  /** @internal Appends records and offset commits as one atomic journal frame; resolves once durable. */
  async append(
    sends: ReadonlyArray<{ topic: string; records: readonly OutgoingRecord[] }>,
    commits: readonly JournalCommit[],
  ): Promise<RecordPosition[]> {
    if (this.closed) throw new ParleyError('unavailable', 'The embedded log is closed');
    const now = Date.now();
    const records: JournalRecord[] = [];
    const targets: Array<{ index: PartitionIndex; offset: number }> = [];
    const positions: RecordPosition[] = [];
    for (const { topic, records: out } of sends) {
      const parts = this.partitions(topic);
      for (const r of out) {
        if (r.value.length > this.maxRecordBytes) {
          throw new ParleyError(
            'payload_too_large',
            `Record of ${r.value.length} bytes exceeds ${this.maxRecordBytes}`,
          );
        }
        const partition = r.partition ?? partitionForKey(r.key, parts.length);
        const index = parts[partition];
        if (!index) throw new ParleyError('bad_request', `Topic ${topic} has no partition ${partition}`);
        records.push({
          topic,
          partition,
          timestamp: now,
          key: r.key,
          headers: { ...(r.headers ?? {}) },
          value: r.value,
        });
        targets.push({ index, offset: index.reserved++ });
        positions.push({ topic, partition, offset: targets[targets.length - 1]!.offset });
      }
    }
    // A plain send to topics synced with the next write (options.syncWithNextWrite) takes no fsync.
    const sync = commits.length > 0 || sends.some(({ topic }) => !this.syncWithNextWrite.has(topic));
    // Commits waiting for a write (commitAsync) go first in the same frame (a synced one: they were
    // promised the next durable write); only this append's own are applied when it is durable (a waiting
    // one may have been overtaken in memory meanwhile).
    const waiting = sync ? this.takeCommits() : [];
    await this.journal.append(records, [...waiting, ...commits], (framePos) => {
      records.forEach((record, i) => {
        const { index, offset } = targets[i]!;
        index.add(toLogRecord(record, offset), framePos, true);
      });
      for (const c of commits) this.committed.set(commitKey(c.group, c.topic, c.partition), c.offset);
      for (const c of [...waiting, ...commits])
        this.commitFrames.set(commitKey(c.group, c.topic, c.partition), framePos);
      this.notify();
      // After the whole group commit's onDurable calls: the checkpoint must index every frame it covers.
      if (this.journal.bytes - this.checkpointedBytes >= CHECKPOINT_BYTES)
        queueMicrotask(() => void this.checkpoint());
    }, sync);
    return positions;
  }

  /** @internal Reads from the decoded tail where it can, else scans the journal from the sparse index's entry. */
  readSync(topic: string, partition: number, fromOffset: number, maxRecords: number): LogRecord[] {
    const index = this.index(topic, partition);
    const out: LogRecord[] = [];
    // Below the log start (records removed by retention), a read starts at the oldest kept, as a Kafka
    // consumer with auto.offset.reset=earliest does.
    let offset = Math.max(index.start, fromOffset);
    while (offset < index.visible && out.length < maxRecords) {
      const cached = index.cached(offset);
      if (cached) {
        out.push(cached);
        offset++;
        continue;
      }
      const start = index.seek(offset);
      const before = out.length;
      let next = start.offset;
      this.journal.scan(start.pos, (frame, framePos) => {
        let first = true;
        for (const { record } of frame.records) {
          if (record.partition !== partition || record.topic !== topic) continue;
          if (first) {
            index.remember(next, framePos);
            first = false;
          }
          if (next === offset && out.length < maxRecords && next < index.visible) {
            out.push(toLogRecord(record, next));
            offset++;
          }
          next++;
        }
        return out.length < maxRecords && offset < index.visible && !index.cached(offset);
      });
      if (out.length === before) {
        throw new ParleyError(
          'corrupt',
          `the journal holds ${next} records of ${topic}/${partition}, its index ${index.visible}`,
        );
      }
    }
    return out;
  }

  /**
   * Writes a checkpoint of what the journal holds now (index and committed offsets), unless one is being
   * written. A failure is logged: the next open replays more of the journal, nothing else.
   */
  private checkpoint(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const checkpoint = this.checkpointNow();
    this.checkpointedBytes = checkpoint.journalBytes;
    this.checkpointing = writeCheckpoint(join(this.dir, CHECKPOINT_FILE), encodeCheckpoint(checkpoint))
      .catch((error: unknown) =>
        this.logger.warn('log checkpoint not written; the next start replays more of the journal', { error }),
      )
      .finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  /** What the index and the committed offsets are now, as of the journal's durable end. */
  private checkpointNow(): Checkpoint {
    return {
      journalBytes: this.journal.bytes,
      lastFrame: this.journal.lastFrame ?? null,
      topics: Object.fromEntries([...this.topics].map(([name, parts]) => [name, parts.map((p) => p.data())])),
      committed: [...this.committed].map(([key, offset]) => {
        const [group, topic, partition] = key.split('\u0000');
        return [group!, topic!, Number(partition), offset, this.commitFrames.get(key)];
      }),
      segments: this.journal.segments.map((s) => [s.seq, s.base, s.size]),
    };
  }

  /**
   * Applies the topics' `retention.ms` to the sealed segments, oldest first: a segment sealed longer
   * than a topic's retention ago is rewritten without that topic's records, and without the offset
   * commits that a later commit of the same group and partition superseded. The events topic keeps
   * everything; commands go after their week, as on Kafka. A failure is logged and tried again at the
   * next check: nothing is lost, the disk is freed later.
   */
  enforceRetention(): Promise<void> {
    this.cleaning ??= this.clean().finally(() => (this.cleaning = undefined));
    return this.cleaning;
  }

  private async clean(): Promise<void> {
    if (this.closed || this.held > 0) return;
    let rewritten = 0;
    try {
      const retention = [...this.configs]
        .map(([topic, config]) => [topic, configMs(config, 'retention.ms')] as const)
        .filter(([, ms]) => ms < Infinity);
      const segments = this.journal.segments;
      for (let i = 0; i < segments.length - 1 && !this.closed && this.held === 0; i++) {
        const seg = segments[i]!;
        const next = segments[i + 1]!;
        const due = retention
          .filter(([topic, ms]) => !seg.dropped.includes(topic) && next.created + ms <= Date.now())
          .map(([topic]) => topic);
        if (due.length === 0) continue;
        const drop = new Set([...due, ...seg.dropped]);
        let records = 0;
        let commits = 0;
        const saved = await this.journal.rewrite(
          seg.seq,
          due,
          (frame, framePos) => {
            const kept = {
              records: frame.records.map((r) => r.record).filter((r) => !drop.has(r.topic)),
              commits: frame.commits.filter(
                (c) =>
                  (this.commitFrames.get(commitKey(c.group, c.topic, c.partition)) ?? framePos) <= framePos,
              ),
            };
            records += frame.records.length - kept.records.length;
            commits += frame.commits.length - kept.commits.length;
            return kept;
          },
          (moved) => {
            for (const topic of due) {
              this.topics.get(topic)?.forEach((index, p) => {
                const start = next.counts[topic]?.[p];
                if (start !== undefined) index.dropBefore(start, next.base);
              });
            }
            for (const parts of this.topics.values()) for (const index of parts) index.moved(moved);
            for (const [key, pos] of this.commitFrames) {
              const to = moved.get(pos);
              if (to !== undefined) this.commitFrames.set(key, to);
            }
          },
        );
        rewritten++;
        this.logger.info('journal segment cleaned by retention', {
          segment: seg.path,
          topics: due,
          recordsRemoved: records,
          commitsRemoved: commits,
          bytesFreed: saved,
        });
      }
    } catch (error) {
      this.logger.warn(
        'journal retention failed; it is tried again at the next check (nothing is lost, disk is freed later)',
        { error },
      );
    }
    if (rewritten > 0 && !this.closed) {
      // The checkpoint on disk names the old segment sizes and no longer fits: write one that does.
      await this.checkpointing;
      await this.checkpoint();
    }
  }

  /**
   * For an online backup: stops retention from rewriting segments until `release`, and returns `cut`,
   * which names the log's files with the bytes to copy of each (the segments' durable prefixes, the
   * newest one's as of the call). Segments are append-only and a rewrite waits for the release, so
   * copying those prefixes later, while the log keeps taking writes, copies the log as of the cut.
   */
  async holdForBackup(): Promise<{ cut(): LogCut; release(): void }> {
    this.held++;
    await this.cleaning;
    let released = false;
    return {
      cut: () => ({
        dir: this.dir,
        files: [
          { path: 'topics.json', bytes: undefined },
          ...this.journal.segments.map((seg) => ({ path: relative(this.dir, seg.path), bytes: seg.headerBytes + seg.size })),
        ],
        records: [...this.topics].reduce((n, [, parts]) => n + parts.reduce((m, p) => m + p.visible - p.start, 0), 0),
        // A checkpoint of exactly the cut: a node started on the copy reads none of its journal.
        checkpoint: encodeCheckpoint(this.checkpointNow()),
      }),
      release: () => {
        if (!released) this.held--;
        released = true;
      },
    };
  }

  /** @internal The group's committed offset for a partition, if any. */
  committedOffset(group: string, topic: string, partition: number): number | undefined {
    return this.committed.get(commitKey(group, topic, partition));
  }

  /** @internal Records a non-transactional commit: visible at once, durable with the next journal write (at most COMMIT_INTERVAL_MS later). */
  commitAsync(commit: JournalCommit): void {
    const key = commitKey(commit.group, commit.topic, commit.partition);
    this.committed.set(key, commit.offset);
    // Written with the next append, or within COMMIT_INTERVAL_MS (like Kafka's auto-commit interval):
    // one journal write for many batches instead of one each.
    this.unwritten.set(key, commit);
    if (!this.commitTimer) {
      this.commitTimer = setTimeout(() => this.writeCommits(), COMMIT_INTERVAL_MS);
      this.commitTimer.unref();
    }
  }

  /** The non-transactional commits not yet in the journal, taken to be written now. */
  private takeCommits(): JournalCommit[] {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    const commits = [...this.unwritten.values()];
    this.unwritten.clear();
    return commits;
  }

  private writeCommits(): Promise<void> {
    const commits = this.takeCommits();
    if (commits.length === 0 || this.closed) return Promise.resolve();
    const written = (framePos: number): void => {
      for (const c of commits) this.commitFrames.set(commitKey(c.group, c.topic, c.partition), framePos);
    };
    return this.journal.append([], commits, written).catch((error: unknown) => {
      this.logger.warn(
        'offset commit failed to reach the journal; the batch will be redelivered after a restart',
        { error },
      );
    });
  }

  /** @internal Resolves on the next append, commit or rebalance (or after `ms`). */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }

  /** @internal */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** @internal */
  forget(consumer: EmbeddedConsumer): void {
    this.consumers.delete(consumer);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes every consumer, flushes and syncs the journal. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.close()));
    await this.writeCommits();
    this.closed = true;
    clearInterval(this.cleanTimer);
    await this.cleaning;
    this.notify();
    await this.journal.close();
    await this.checkpointing;
    // Everything is on disk now: the next open replays nothing.
    await this.checkpoint();
  }

  private partitions(topic: string): PartitionIndex[] {
    const parts = this.topics.get(topic);
    if (!parts) throw new ParleyError('not_found', `Unknown topic "${topic}": create it first`);
    return parts;
  }

  private index(topic: string, partition: number): PartitionIndex {
    const index = this.partitions(topic)[partition];
    if (!index) throw new ParleyError('bad_request', `Topic ${topic} has no partition ${partition}`);
    return index;
  }
}

/** The checkpoint's file, beside journal.log. */
const CHECKPOINT_FILE = 'index.checkpoint';

function toLogRecord(r: JournalRecord, offset: number): LogRecord {
  return {
    topic: r.topic,
    partition: r.partition,
    offset,
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: r.timestamp,
  };
}

function commitKey(group: string, topic: string, partition: number): string {
  return `${group}\u0000${topic}\u0000${partition}`;
}

async function readTopics(path: string): Promise<Record<string, TopicEntry>> {
  let raw: Record<string, number | TopicEntry>;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, number | TopicEntry>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ParleyError('corrupt', `Cannot read ${path}`, { cause: error });
  }
  const out: Record<string, TopicEntry> = {};
  for (const [name, entry] of Object.entries(raw)) {
    const partitions = typeof entry === 'number' ? entry : entry?.partitions;
    const config = typeof entry === 'number' ? {} : (entry?.config ?? {});
    if (!Number.isInteger(partitions) || partitions < 1 || typeof config !== 'object' || config === null) {
      throw new ParleyError('corrupt', `${path}: topic ${name} is not {partitions, config}`);
    }
    out[name] = { partitions, config };
  }
  return out;
}

/**
 * A topic's `retention.ms` or `segment.ms`, as Kafka reads them: milliseconds, -1 (or absent) for none.
 * The embedded log keeps a topic without `retention.ms` forever (Kafka's default is a week).
 */
function configMs(config: Readonly<Record<string, string>>, name: string): number {
  const raw = config[name];
  if (raw === undefined || raw === '-1') return Infinity;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(ms) || ms < 1)
    throw new ParleyError(
      'bad_request',
      `Topic config ${name} must be -1 or a positive whole number of milliseconds, not "${raw}"`,
    );
  return ms;
}
