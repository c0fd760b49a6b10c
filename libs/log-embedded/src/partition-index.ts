import type { LogRecord } from '@parley/core';

/** A sparse index entry is added every this many records of a partition... */
export const INDEX_EVERY_RECORDS = 256;
/** ...or when this many journal bytes lie between a partition's record and its previous one. */
export const INDEX_GAP_BYTES = 256 * 1024;

/** What a checkpoint keeps of one partition (checkpoint.ts). */
export interface PartitionIndexData {
  /** Records in the partition: the next offset. */
  count: number;
  /** Sparse entries [offset, frame position]: the frame at `position` holds the record at `offset` as its first of this partition. */
  entries: Array<[number, number]>;
  /** Frame position of the partition's newest record (-1: none). */
  lastFrame: number;
  /** The oldest offset still in the journal (records before it were removed by retention); absent: 0. */
  start?: number;
}

/**
 * Where one partition's records live in the journal, kept sparse as Kafka's offset index is: an entry
 * (offset -> position of the frame holding it) every INDEX_EVERY_RECORDS records, and wherever the
 * partition's records are more than INDEX_GAP_BYTES apart, so that reaching any offset scans at most
 * about INDEX_EVERY_RECORDS of its records and never a long stretch of other partitions' frames. Memory
 * is a few numbers per 256 records, not per record. A window of the newest records is kept decoded
 * (consumers usually read the tail, so most reads never touch the disk).
 */
export class PartitionIndex {
  /** Offsets below this are durable and readable... */
  visible = 0;
  /** ...and at or above this: older ones were removed by retention (Kafka's log start offset). */
  start = 0;
  /** Offsets reserved by appends in flight; the next append gets this one. */
  reserved = 0;
  private offsets: number[] = [];
  private positions: number[] = [];
  private lastFrame = -1;
  private tail: LogRecord[] = [];
  private tailBase = 0;
  /** Where the last disk read stopped: the first offset of this partition in the frame at `pos`. */
  private hint: { offset: number; pos: number } | undefined;

  constructor(private readonly tailSize: number) {}

  /** A record of this partition, the next offset, was made durable in the frame at `framePosition`. */
  add(record: LogRecord, framePosition: number, keepDecoded: boolean): void {
    const offset = this.visible;
    const last = this.offsets.length - 1;
    if (
      framePosition !== this.lastFrame &&
      (last < 0 ||
        offset - this.offsets[last]! >= INDEX_EVERY_RECORDS ||
        framePosition - this.lastFrame >= INDEX_GAP_BYTES)
    ) {
      this.offsets.push(offset);
      this.positions.push(framePosition);
    }
    this.lastFrame = framePosition;
    this.visible = offset + 1;
    if (this.reserved < this.visible) this.reserved = this.visible;
    if (!keepDecoded) return;
    if (this.tailBase + this.tail.length !== record.offset) {
      this.tail = [];
      this.tailBase = record.offset;
    }
    this.tail.push(record);
    if (this.tail.length > this.tailSize * 2) {
      this.tail = this.tail.slice(this.tail.length - this.tailSize);
      this.tailBase = record.offset + 1 - this.tail.length;
    }
  }

  cached(offset: number): LogRecord | undefined {
    return offset >= this.tailBase && offset >= this.start ? this.tail[offset - this.tailBase] : undefined;
  }

  /**
   * A segment starts with the partition's next offset at `count` (its header): records before it that
   * this replay has not seen were removed by retention, so a partition with none seen starts there.
   */
  startsAt(count: number): void {
    if (this.visible >= count) return;
    if (this.offsets.length === 0) this.start = count;
    this.visible = this.reserved = count;
    this.tail = [];
    this.tailBase = count;
  }

  /** Retention removed the records before `start`, all in frames before position `before`. */
  dropBefore(start: number, before: number): void {
    if (start <= this.start) return;
    this.start = Math.min(start, this.visible);
    let keep = 0;
    while (keep < this.offsets.length && this.positions[keep]! < before) keep++;
    this.offsets = this.offsets.slice(keep);
    this.positions = this.positions.slice(keep);
    // The partition's records from `start` on are counted from the first frame at or after `before`.
    if (this.start < this.visible && this.offsets[0] !== this.start) {
      this.offsets.unshift(this.start);
      this.positions.unshift(before);
    }
    this.hint = undefined;
  }

  /** A segment was rewritten: the frames at the old positions are now at the new. */
  moved(positions: ReadonlyMap<number, number>): void {
    this.positions = this.positions.map((p) => positions.get(p) ?? p);
    const last = positions.get(this.lastFrame);
    if (last !== undefined) this.lastFrame = last;
    this.hint = undefined;
  }

  /** The frame to start scanning from to reach `offset`, and the offset of that frame's first record here. */
  seek(offset: number): { offset: number; pos: number } {
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const entry = { offset: this.offsets[lo] ?? this.start, pos: this.positions[lo] ?? 0 };
    const hint = this.hint;
    return hint && hint.offset <= offset && hint.offset > entry.offset ? hint : entry;
  }

  /** Remembers where a disk read stopped, so that the next read from there does not scan again. */
  remember(offset: number, pos: number): void {
    this.hint = { offset, pos };
  }

  data(): PartitionIndexData {
    return {
      count: this.visible,
      entries: this.offsets.map((o, i) => [o, this.positions[i]!]),
      lastFrame: this.lastFrame,
      start: this.start,
    };
  }

  static fromData(data: PartitionIndexData, tailSize: number): PartitionIndex {
    const index = new PartitionIndex(tailSize);
    index.visible = index.reserved = data.count;
    index.offsets = data.entries.map(([o]) => o);
    index.positions = data.entries.map(([, p]) => p);
    index.lastFrame = data.lastFrame;
    index.start = data.start ?? 0;
    index.tailBase = data.count;
    return index;
  }
}
