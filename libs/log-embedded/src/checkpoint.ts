import { decodeTagged, encodeTagged } from '@parley/core';
import { readFile } from 'node:fs/promises';
import { replaceFileDurably } from './durable-file.js';
import type { JournalCommit } from './journal-codec.js';
import type { FrameCheck } from './journal.js';
import type { PartitionIndexData } from './partition-index.js';

/**
 * Wire format of the log's checkpoint, `index.checkpoint` beside the journal: what a replay of the journal
 * up to `journalBytes` would rebuild, so that opening the log reads only the frames after it.
 *
 *   "PLCP" | u8 format (1) | u32 LE crc32(body) | body
 *   body = JSON (utf8) {
 *     journalBytes,                 the journal length it covers (a frame boundary)
 *     lastFrame: {pos, crc} | null, the last frame it covers: its position and its body's crc32
 *     topics: { name: [{count, entries: [[offset, framePosition], ...], lastFrame}, ...] },  per partition
 *     committed: [[group, topic, partition, nextOffset, framePosition], ...],  framePosition: the frame that wrote it
 *     segments: [[seq, base, size], ...]   the journal's segments as it was written
 *   }
 *
 * It is written (to a .tmp, fsync'd, renamed) every CHECKPOINT_BYTES of journal and on close. It is used
 * only when its crc holds, the journal is at least `journalBytes` long and holds a frame ending exactly
 * there with the same crc, every segment but its last has the same base and size (a retention rewrite
 * changes them), and every topic it names is in topics.json with the same partition count;
 * otherwise the journal is replayed from its first byte, as before checkpoints existed.
 */
export interface Checkpoint {
  journalBytes: number;
  lastFrame: { pos: number; crc: number } | null;
  topics: Record<string, PartitionIndexData[]>;
  committed: Array<[string, string, number, number, number?]>;
  /** Absent in checkpoints from before segments: those fit only a journal that is one legacy file. */
  segments?: Array<[number, number, number]>;
}

const MAGIC = 'PLCP';
const FORMAT = 1;

export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  return encodeTagged(MAGIC, FORMAT, Buffer.from(JSON.stringify(checkpoint), 'utf8'));
}

/** The checkpoint at `path`, or why it cannot be used (undefined: there is none). */
export async function readCheckpoint(path: string): Promise<Checkpoint | string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `cannot read it: ${(error as Error).message}`;
  }
  const tagged = decodeTagged(bytes, MAGIC, [FORMAT]);
  if ('problem' in tagged) {
    if (tagged.problem === 'magic') return 'not a checkpoint (bad magic or truncated)';
    if (tagged.problem === 'format') return `format ${tagged.format} is not ${FORMAT}`;
    return 'checksum mismatch (truncated or corrupt)';
  }
  const body = tagged.body;
  try {
    const c = JSON.parse(body.toString('utf8')) as Checkpoint;
    if (
      !Number.isSafeInteger(c.journalBytes) ||
      c.journalBytes < 0 ||
      typeof c.topics !== 'object' ||
      !Array.isArray(c.committed)
    )
      return 'malformed';
    return c;
  } catch {
    return 'body is not JSON';
  }
}

/** Why `checkpoint` does not fit this journal and these topics, or undefined when it does. */
export function misfit(
  checkpoint: Checkpoint,
  file: FrameCheck,
  partitionCounts: ReadonlyMap<string, number>,
): string | undefined {
  if (file.size < checkpoint.journalBytes)
    return `it covers ${checkpoint.journalBytes} bytes, the journal has ${file.size}`;
  if (checkpoint.lastFrame === null) {
    if (checkpoint.journalBytes !== 0) return 'it names no last frame';
  } else {
    const frame = file.frameAt(checkpoint.lastFrame.pos);
    if (!frame || frame.end !== checkpoint.journalBytes || frame.crc !== checkpoint.lastFrame.crc)
      return 'the journal does not hold its last frame: it belongs to another journal';
  }
  if (!checkpoint.segments) {
    if (file.segments.length !== 1 || !file.segments[0]!.legacy) return 'it is from before journal segments';
  } else {
    const now = new Map(file.segments.map((s) => [s.seq, s]));
    for (const [i, [seq, base, size]] of checkpoint.segments.entries()) {
      const seg = now.get(seq);
      if (!seg || seg.base !== base) return `the journal's segment ${seq} is not the one it covered`;
      if (i < checkpoint.segments.length - 1 && seg.size !== size)
        return `segment ${seq} was rewritten after it`;
    }
  }
  for (const [topic, parts] of Object.entries(checkpoint.topics)) {
    if (partitionCounts.get(topic) !== parts.length)
      return `it has ${parts.length} partitions of ${topic}, topics.json ${partitionCounts.get(topic) ?? 'none'}`;
  }
  return undefined;
}

export function commitsOf(
  checkpoint: Checkpoint,
): Array<JournalCommit & { framePosition: number | undefined }> {
  return checkpoint.committed.map(([group, topic, partition, offset, framePosition]) => ({
    group,
    topic,
    partition,
    offset,
    framePosition,
  }));
}

/** Replaces the checkpoint at `path` atomically (tmp, fsync, rename, fsync of the directory). */
export function writeCheckpoint(path: string, bytes: Buffer): Promise<void> {
  return replaceFileDurably(path, bytes);
}
