import { crc32 } from 'node:zlib';
import { encodeTagged } from '@parley/core';

/**
 * A journal segment's header: the first bytes of every file in `segments/`, before its frames.
 *
 *   "PLSG" | u8 format (1) | u32 LE crc32(body) | u32 LE bodyLength | body
 *   body = JSON (utf8) {
 *     seq,      0, 1, 2, ...: consecutive; a gap means a segment is missing
 *     base,     the journal position of the segment's first frame (positions count frame bytes only)
 *     created,  when the segment was started, ms since the epoch; the next segment's `created` is when
 *               this one was sealed
 *     counts,   { topic: [next offset of each partition] } when the segment was started: a record's
 *               offset is the partition's count here plus its index among the partition's records in
 *               the segment
 *     dropped   topics whose records the retention cleaner has removed from this segment
 *   }
 *
 * The file is named after `base`, 20 digits, `.seg`: names sort in journal order.
 */
export interface SegmentHeader {
  seq: number;
  base: number;
  created: number;
  counts: Record<string, number[]>;
  dropped: string[];
}

const MAGIC = 'PLSG';
const FORMAT = 1;
/** Bytes before the header's JSON body. */
export const SEGMENT_PREFIX = 13;

export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  return encodeTagged(MAGIC, FORMAT, Buffer.from(JSON.stringify(header), 'utf8'), true);
}

/** Bytes the header takes when its prefix says its body is `prefix.readUInt32LE(9)` long. */
export function segmentHeaderLength(prefix: Buffer): number | string {
  if (prefix.length < SEGMENT_PREFIX || prefix.toString('latin1', 0, 4) !== MAGIC)
    return 'not a segment (bad magic or truncated header)';
  if (prefix.readUInt8(4) !== FORMAT) return `segment format ${prefix.readUInt8(4)} is not ${FORMAT}`;
  const length = prefix.readUInt32LE(9);
  if (length > 64 << 20) return `segment header claims ${length} bytes`;
  return SEGMENT_PREFIX + length;
}

/** Decodes a whole header (prefix and body), or says why it cannot. */
export function decodeSegmentHeader(bytes: Buffer): SegmentHeader | string {
  const length = segmentHeaderLength(bytes);
  if (typeof length === 'string') return length;
  if (bytes.length < length) return 'segment header truncated';
  const body = bytes.subarray(SEGMENT_PREFIX, length);
  if (crc32(body) !== bytes.readUInt32LE(5)) return 'segment header checksum mismatch';
  try {
    const h = JSON.parse(body.toString('utf8')) as SegmentHeader;
    const ok =
      Number.isSafeInteger(h.seq) &&
      h.seq >= 0 &&
      Number.isSafeInteger(h.base) &&
      h.base >= 0 &&
      Number.isFinite(h.created) &&
      typeof h.counts === 'object' &&
      h.counts !== null &&
      Object.values(h.counts).every(
        (c) => Array.isArray(c) && c.every((n) => Number.isSafeInteger(n) && n >= 0),
      ) &&
      Array.isArray(h.dropped) &&
      h.dropped.every((t) => typeof t === 'string');
    return ok ? h : 'segment header malformed';
  } catch {
    return 'segment header is not JSON';
  }
}

export function segmentFileName(base: number): string {
  return `${String(base).padStart(20, '0')}.seg`;
}

export const SEGMENT_FILE = /^(\d{20})\.seg$/;
