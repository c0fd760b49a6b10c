import type { LogRecord } from '@parley/core';

/**
 * Where one partition's records live in the journal, plus a window of the newest records kept decoded in
 * memory (consumers usually read the tail, so most reads never touch the disk).
 */
export class PartitionIndex {
  /** Offsets below this are durable and readable. */
  visible = 0;
  /** Offsets reserved by appends in flight; the next append gets this one. */
  reserved = 0;
  private readonly positions: number[] = [];
  private readonly lengths: number[] = [];
  private tail: LogRecord[] = [];
  private tailBase = 0;

  constructor(private readonly tailSize: number) {}

  add(record: LogRecord, position: number, length: number, keepDecoded: boolean): void {
    this.positions.push(position);
    this.lengths.push(length);
    this.visible = this.positions.length;
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
    return offset >= this.tailBase ? this.tail[offset - this.tailBase] : undefined;
  }

  span(offset: number): [number, number] {
    return [this.positions[offset]!, this.lengths[offset]!];
  }
}
