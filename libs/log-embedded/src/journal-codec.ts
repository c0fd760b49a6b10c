import { crc32 } from 'node:zlib';

/**
 * Wire format of the journal, the one append-only file that holds every topic's records and every
 * group's committed offsets. One frame per write (one producer send or one transaction):
 *
 *   u32 LE bodyLength | u32 LE crc32(body) | body
 *   body   = u8 version (1) | u32 LE recordCount | record* | u32 LE commitCount | commit*
 *   record = u16 topicLen | topic (utf8) | u32 partition | f64 timestamp | u32 keyLen | key (utf8)
 *            | u32 headersLen | headers (JSON object, utf8) | u32 valueLen | value
 *   commit = u16 groupLen | group | u16 topicLen | topic | u32 partition | f64 nextOffset
 *
 * Offsets are not stored: a record's offset is its index among its partition's records in journal order.
 * A frame is all-or-nothing: a torn or corrupt frame (crash mid-write) is cut off at recovery, and with it
 * every record and commit it carried, which is what makes a transaction atomic.
 */
export interface JournalRecord {
  topic: string;
  partition: number;
  timestamp: number;
  key: string;
  headers: Record<string, string>;
  value: Uint8Array;
}

export interface JournalCommit {
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

export const FRAME_HEADER = 8;
const VERSION = 1;

/** Encodes one frame; `recordSpans` receives each record's [start, length] within the frame. */
export function encodeFrame(
  records: readonly JournalRecord[],
  commits: readonly JournalCommit[],
  recordSpans: Array<[number, number]>,
): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer): void => {
    parts.push(b);
    size += b.length;
  };
  const head = Buffer.alloc(5);
  head.writeUInt8(VERSION, 0);
  head.writeUInt32LE(records.length, 1);
  push(head);
  for (const r of records) {
    const start = FRAME_HEADER + size;
    push(encodeRecord(r));
    recordSpans.push([start, FRAME_HEADER + size - start]);
  }
  const count = Buffer.alloc(4);
  count.writeUInt32LE(commits.length, 0);
  push(count);
  for (const c of commits) {
    const group = Buffer.from(c.group, 'utf8');
    const topic = Buffer.from(c.topic, 'utf8');
    const b = Buffer.alloc(2 + group.length + 2 + topic.length + 4 + 8);
    let o = b.writeUInt16LE(group.length, 0);
    o += group.copy(b, o);
    o = b.writeUInt16LE(topic.length, o);
    o += topic.copy(b, o);
    o = b.writeUInt32LE(c.partition, o);
    b.writeDoubleLE(c.offset, o);
    push(b);
  }
  const body = Buffer.concat(parts, size);
  const header = Buffer.alloc(FRAME_HEADER);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

function encodeRecord(r: JournalRecord): Buffer {
  const topic = Buffer.from(r.topic, 'utf8');
  const key = Buffer.from(r.key, 'utf8');
  const headers = Buffer.from(JSON.stringify(r.headers), 'utf8');
  const b = Buffer.alloc(2 + topic.length + 4 + 8 + 4 + key.length + 4 + headers.length + 4 + r.value.length);
  let o = b.writeUInt16LE(topic.length, 0);
  o += topic.copy(b, o);
  o = b.writeUInt32LE(r.partition, o);
  o = b.writeDoubleLE(r.timestamp, o);
  o = b.writeUInt32LE(key.length, o);
  o += key.copy(b, o);
  o = b.writeUInt32LE(headers.length, o);
  o += headers.copy(b, o);
  o = b.writeUInt32LE(r.value.length, o);
  b.set(r.value, o);
  return b;
}

export class CorruptFrame extends Error {}

/** Decodes one record at `offset` of `buf`; returns it and the offset after it. */
export function decodeRecord(buf: Buffer, offset: number): [JournalRecord, number] {
  let o = offset;
  const need = (n: number): void => {
    if (o + n > buf.length) throw new CorruptFrame('record runs past its frame');
  };
  need(2);
  const topicLen = buf.readUInt16LE(o);
  o += 2;
  need(topicLen + 16);
  const topic = buf.toString('utf8', o, o + topicLen);
  o += topicLen;
  const partition = buf.readUInt32LE(o);
  const timestamp = buf.readDoubleLE(o + 4);
  const keyLen = buf.readUInt32LE(o + 12);
  o += 16;
  need(keyLen + 4);
  const key = buf.toString('utf8', o, o + keyLen);
  o += keyLen;
  const headersLen = buf.readUInt32LE(o);
  o += 4;
  need(headersLen + 4);
  const headers = JSON.parse(buf.toString('utf8', o, o + headersLen)) as Record<string, string>;
  o += headersLen;
  const valueLen = buf.readUInt32LE(o);
  o += 4;
  need(valueLen);
  const value = Uint8Array.prototype.slice.call(buf, o, o + valueLen);
  o += valueLen;
  return [{ topic, partition, timestamp, key, headers, value }, o];
}

export interface DecodedFrame {
  records: Array<{ record: JournalRecord; start: number; length: number }>;
  commits: JournalCommit[];
}

/** Decodes a frame's body (after its 8-byte header has been checked); positions are relative to the frame. */
export function decodeFrameBody(body: Buffer): DecodedFrame {
  if (body.readUInt8(0) !== VERSION)
    throw new CorruptFrame(`unknown journal frame version ${body.readUInt8(0)}`);
  const recordCount = body.readUInt32LE(1);
  let o = 5;
  const records: DecodedFrame['records'] = [];
  for (let i = 0; i < recordCount; i++) {
    const [record, next] = decodeRecord(body, o);
    records.push({ record, start: FRAME_HEADER + o, length: next - o });
    o = next;
  }
  const commitCount = body.readUInt32LE(o);
  o += 4;
  const commits: JournalCommit[] = [];
  for (let i = 0; i < commitCount; i++) {
    const groupLen = body.readUInt16LE(o);
    const group = body.toString('utf8', o + 2, o + 2 + groupLen);
    o += 2 + groupLen;
    const topicLen = body.readUInt16LE(o);
    const topic = body.toString('utf8', o + 2, o + 2 + topicLen);
    o += 2 + topicLen;
    commits.push({ group, topic, partition: body.readUInt32LE(o), offset: body.readDoubleLE(o + 4) });
    o += 12;
  }
  if (o !== body.length) throw new CorruptFrame('frame has trailing bytes');
  return { records, commits };
}

export function checkFrame(header: Buffer, body: Buffer): boolean {
  return crc32(body) === header.readUInt32LE(4);
}
