import { randomUUID } from 'node:crypto';
import { ParleyError, assertSnapshotName, partitionForKey, type EventLog, type LogRecord, type SnapshotStore, type TopicSpec } from '@parley/core';

/** Kafka refuses records over message.max.bytes (1 MiB by default): a snapshot is written in chunks of this. */
const CHUNK_BYTES = 512 * 1024;
/**
 * Records of the partition read first, back from its end, while loading; each further step reads back
 * four times as far, up to STEP_MAX records a read (each read is a consumer session on Kafka, and most
 * records are 512 KiB chunks: a read holds at most 128 MiB of them).
 */
const FIRST_STEP = 64;
const STEP_MAX = 256;

/** The snapshots topic as created when missing: compacted, so it keeps about one snapshot per name. */
export function snapshotTopicSpec(name: string, partitions: number): TopicSpec {
  return {
    name,
    partitions,
    config: { 'cleanup.policy': 'compact', 'segment.ms': String(3_600_000), 'min.cleanable.dirty.ratio': '0.1', 'min.compaction.lag.ms': '0' },
  };
}

/**
 * Snapshots on Kafka: a compacted topic, `parley.snapshots` by default, that survives the instance that
 * wrote it, so whichever instance takes over a partition finds its state. One snapshot is written, in one
 * send to the partition its name hashes to, as:
 *   chunks   key `<name>/<i>`, value: bytes [i * 512 KiB, ...) of the snapshot,
 *            headers parley-snapshot (a fresh id), parley-chunk (i), parley-chunks (n)
 *   manifest key `<name>`, empty value, headers parley-snapshot (the id), parley-chunks (n), parley-bytes
 * The manifest comes last, so a reader that sees it has seen its chunks. `load` reads the partition back
 * from its end, a step at a time (the topic holds every save until compaction, which runs only on rolled
 * segments: reading it all from the start took minutes with a million messages' worth), and answers with
 * the newest save of the name whose manifest and every chunk (same id) it found: a save that did not
 * finish (chunks, no manifest) leaves the one before it readable. Compaction keeps the newest record per
 * key, so once it has run, an unfinished save may have replaced the chunks of the newest manifest: with
 * no complete save left, `load` throws `corrupt` and the caller folds from the log.
 */
export class TopicSnapshotStore implements SnapshotStore {
  private partitions: number | undefined;

  constructor(
    private readonly log: EventLog,
    readonly topic = 'parley.snapshots',
  ) {}

  async load(name: string): Promise<Uint8Array | undefined> {
    assertSnapshotName(name);
    const partition = await this.partitionOf(name);
    /** This name's manifests and chunks read so far, in offset order. */
    let mine: LogRecord[] = [];
    let from = await this.log.endOffset(this.topic, partition);
    for (let step = FIRST_STEP; from > 0; step = Math.min(step * 4, STEP_MAX)) {
      const lower = Math.max(0, from - step);
      const read: LogRecord[] = [];
      for (let at = lower; at < from; ) {
        const records = (await this.log.read(this.topic, partition, at, from - at)).filter((r) => r.offset < from);
        if (records.length === 0) break;
        read.push(...records.filter((r) => r.key === name || r.key.startsWith(`${name}/`)));
        at = records[records.length - 1]!.offset + 1;
      }
      mine = [...read, ...mine];
      from = lower;
      const found = newestComplete(name, mine);
      if (found) return found;
    }
    if (mine.some((r) => r.key === name)) {
      throw new ParleyError('corrupt', `snapshot ${name} is incomplete: the chunks of its saves were replaced by later saves that did not finish`);
    }
    return undefined;
  }

  async save(name: string, data: Uint8Array): Promise<void> {
    assertSnapshotName(name);
    const partition = await this.partitionOf(name);
    const id = randomUUID();
    const count = Math.max(1, Math.ceil(data.byteLength / CHUNK_BYTES));
    const records = Array.from({ length: count }, (_, i) => ({
      key: `${name}/${i}`,
      partition,
      value: data.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
      headers: { 'parley-snapshot': id, 'parley-chunk': String(i), 'parley-chunks': String(count) },
    }));
    // One chunk per send keeps each produce request under the broker's limit; the manifest goes last.
    const producer = this.log.producer();
    try {
      for (const record of records) await producer.send(this.topic, [record]);
      await producer.send(this.topic, [{ key: name, partition, value: new Uint8Array(0), headers: { 'parley-snapshot': id, 'parley-chunks': String(count), 'parley-bytes': String(data.byteLength) } }]);
    } finally {
      await producer.close();
    }
  }

  private async partitionOf(name: string): Promise<number> {
    this.partitions ??= await this.log.partitionCount(this.topic);
    return partitionForKey(name, this.partitions);
  }
}

/**
 * The bytes of the newest save among `records` (one name's, in offset order) whose manifest and every
 * chunk, written before it under the same id, are there; undefined when none is whole.
 */
function newestComplete(name: string, records: readonly LogRecord[]): Uint8Array | undefined {
  for (let m = records.length - 1; m >= 0; m--) {
    const manifest = records[m]!;
    if (manifest.key !== name) continue;
    const id = manifest.headers['parley-snapshot'];
    const count = Number(manifest.headers['parley-chunks']);
    const bytes = Number(manifest.headers['parley-bytes']);
    const parts = new Map<number, Uint8Array>();
    for (let c = m - 1; c >= 0 && parts.size < count; c--) {
      const chunk = records[c]!;
      const index = Number(chunk.headers['parley-chunk']);
      if (chunk.key === `${name}/${index}` && chunk.headers['parley-snapshot'] === id && !parts.has(index)) parts.set(index, chunk.value);
    }
    if (parts.size !== count) continue;
    const data = Buffer.concat(Array.from({ length: count }, (_, i) => parts.get(i)!));
    if (data.length === bytes) return data;
  }
  return undefined;
}
