import { randomUUID } from 'node:crypto';
import { ParleyError, assertSnapshotName, partitionForKey, type EventLog, type LogRecord, type SnapshotStore, type TopicSpec } from '@parley/core';

/** Kafka refuses records over message.max.bytes (1 MiB by default): a snapshot is written in chunks of this. */
const CHUNK_BYTES = 512 * 1024;
/** Records read per call while loading (each read is a consumer session on Kafka). */
const READ_RECORDS = 100_000;

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
 * The manifest comes last, so a reader that sees it has seen its chunks. `load` reads the partition, takes
 * the newest manifest of the name and the newest chunk under each chunk key, and answers only when every
 * chunk carries the manifest's id; compaction keeps the newest record per key, so an unfinished later
 * save may leave a manifest whose chunks were replaced: `load` then throws `corrupt` and the caller folds
 * from the log.
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
    const end = await this.log.endOffset(this.topic, partition);
    let manifest: LogRecord | undefined;
    const chunks = new Map<string, LogRecord>();
    for (let from = 0; from < end; ) {
      const records = await this.log.read(this.topic, partition, from, READ_RECORDS);
      if (records.length === 0) break;
      for (const r of records) {
        if (r.key === name) manifest = r;
        else if (r.key.startsWith(`${name}/`)) chunks.set(r.key, r);
      }
      from = records[records.length - 1]!.offset + 1;
    }
    if (!manifest) return undefined;
    const id = manifest.headers['parley-snapshot'];
    const count = Number(manifest.headers['parley-chunks']);
    const bytes = Number(manifest.headers['parley-bytes']);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const chunk = chunks.get(`${name}/${i}`);
      if (!chunk || chunk.headers['parley-snapshot'] !== id) {
        throw new ParleyError('corrupt', `snapshot ${name} is incomplete: chunk ${i} of ${count} was replaced by a later save that did not finish`);
      }
      parts.push(chunk.value);
    }
    const data = Buffer.concat(parts);
    if (data.length !== bytes) throw new ParleyError('corrupt', `snapshot ${name} has ${data.length} bytes, its manifest says ${bytes}`);
    return data;
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
