import { open, type FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';
import { ParleyError, type Logger } from '@parley/core';
import {
  FRAME_HEADER,
  checkFrame,
  decodeFrameBody,
  encodeFrame,
  CorruptFrame,
  type DecodedFrame,
  type JournalCommit,
  type JournalRecord,
} from './journal-codec.js';

/**
 * When an append counts as durable:
 * - `always` (default): fdatasync after every group-committed write, before any append resolves.
 *   A crash, even of the machine, loses nothing that was acknowledged.
 * - `interval`: appends resolve once written to the OS; fdatasync runs every `intervalMs`. A process crash
 *   loses nothing; a machine crash may lose the last interval.
 * - `never`: leave flushing to the OS (tests and benchmarks of the upper bound only).
 */
export type FsyncPolicy = { mode: 'always' } | { mode: 'interval'; intervalMs: number } | { mode: 'never' };

interface Pending {
  records: readonly JournalRecord[];
  commits: readonly JournalCommit[];
  onDurable: (framePosition: number) => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Bytes read at once when scanning frames for a read older than the decoded tail. */
const SCAN_CHUNK = 4 << 20;

/** What a checkpoint can test of the file before the replay: its size, and the frame header at a position. */
export interface FrameCheck {
  readonly size: number;
  frameAt(position: number): { end: number; crc: number } | undefined;
}

/** The append-only file under the embedded log, with group commit: appends queued while a write is in flight go out together, under one fsync. */
export class Journal {
  private queue: Pending[] = [];
  private flushing = false;
  private failed: unknown = undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  private constructor(
    private readonly fh: FileHandle,
    private size: number,
    private readonly policy: FsyncPolicy,
    /** The newest frame: its position and its body's crc32 (a checkpoint names it to prove it fits this file). */
    private last: { pos: number; crc: number } | undefined,
  ) {
    if (policy.mode === 'interval') {
      this.timer = setInterval(() => void this.fh.datasync().catch((e: unknown) => this.fail(e)), policy.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * Opens (or creates) the journal and replays every intact frame from `from` (a checkpoint's end; default
   * 0) through `onFrame`, in order. A torn or corrupt tail is truncated, with a warning saying how many
   * bytes were cut. `accept(size, frameAt)`, called first, may refuse the checkpoint (returns false): the
   * replay then starts at 0, after `onRestart`.
   */
  static async open(
    path: string,
    policy: FsyncPolicy,
    logger: Logger,
    onFrame: (frame: DecodedFrame, framePosition: number) => void,
    from?: { position: number; last: { pos: number; crc: number } | undefined; accept: (check: FrameCheck) => boolean; onRestart: () => void },
  ): Promise<Journal> {
    const fh = await open(path, 'a+');
    const size = (await fh.stat()).size;
    let pos = 0;
    let last: { pos: number; crc: number } | undefined;
    let chunk = Buffer.alloc(0);
    let chunkStart = 0;
    const slice = (from: number, length: number): Buffer | undefined => {
      if (from + length > size) return undefined;
      if (from < chunkStart || from + length > chunkStart + chunk.length) {
        chunk = Buffer.allocUnsafe(Math.max(8 << 20, length));
        const n = readSync(fh.fd, chunk, 0, Math.min(chunk.length, size - from), from);
        chunk = chunk.subarray(0, n);
        chunkStart = from;
      }
      return chunk.subarray(from - chunkStart, from - chunkStart + length);
    };
    if (from) {
      const frameAt = (at: number): { end: number; crc: number } | undefined => {
        const header = at + FRAME_HEADER <= size ? Buffer.alloc(FRAME_HEADER) : undefined;
        if (!header || readSync(fh.fd, header, 0, FRAME_HEADER, at) !== FRAME_HEADER) return undefined;
        return { end: at + FRAME_HEADER + header.readUInt32LE(0), crc: header.readUInt32LE(4) };
      };
      if (from.accept({ size, frameAt })) {
        pos = from.position;
        last = from.last;
      } else from.onRestart();
    }
    const start = pos;
    let frames = 0;
    while (pos < size) {
      const header = slice(pos, FRAME_HEADER);
      if (!header) break;
      const bodyLength = header.readUInt32LE(0);
      const body = slice(pos + FRAME_HEADER, bodyLength);
      if (!body || !checkFrame(header, body)) break;
      last = { pos, crc: header.readUInt32LE(4) };
      let frame: DecodedFrame;
      try {
        frame = decodeFrameBody(body);
      } catch (error) {
        if (error instanceof CorruptFrame) break;
        throw error;
      }
      onFrame(frame, pos);
      frames++;
      pos += FRAME_HEADER + bodyLength;
    }
    if (pos < size) {
      logger.warn('journal had a torn or corrupt tail; cut it off (nothing in it was acknowledged)', {
        path,
        bytesCut: size - pos,
      });
      await fh.truncate(pos);
      await fh.datasync();
    }
    logger.info('journal replayed', { path, frames, bytes: pos, fromByte: start });
    return new Journal(fh, pos, policy, last);
  }

  /**
   * Appends one atomic frame. `onDurable` runs with the frame's position once it is durable under the
   * policy, before the promise resolves and before any later append's `onDurable`.
   */
  append(
    records: readonly JournalRecord[],
    commits: readonly JournalCommit[],
    onDurable: (framePosition: number) => void,
  ): Promise<void> {
    if (this.failed !== undefined) {
      return Promise.reject(new ParleyError('unavailable', 'The embedded log failed to write earlier; restart Parley', { cause: this.failed }));
    }
    if (this.closed) return Promise.reject(new ParleyError('unavailable', 'The embedded log is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, commits, onDurable, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        this.idle = new Promise((r) => (this.markIdle = r));
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const frames: Buffer[] = [];
      const starts: number[] = [];
      let at = this.size;
      for (const entry of batch) {
        const frame = encodeFrame(entry.records, entry.commits, []);
        starts.push(at);
        at += frame.length;
        frames.push(frame);
      }
      const data = Buffer.concat(frames);
      try {
        let written = 0;
        while (written < data.length) {
          const { bytesWritten } = await this.fh.write(data, written, data.length - written, this.size + written);
          written += bytesWritten;
        }
        if (this.policy.mode === 'always') await this.fh.datasync();
      } catch (error) {
        this.fail(error);
        for (const entry of batch) entry.reject(new ParleyError('unavailable', 'The embedded log could not write to disk', { cause: error }));
        continue;
      }
      this.size += data.length;
      const lastFrame = frames[frames.length - 1]!;
      this.last = { pos: starts[starts.length - 1]!, crc: lastFrame.readUInt32LE(4) };
      batch.forEach((entry, i) => entry.onDurable(starts[i]!));
      for (const entry of batch) entry.resolve();
    }
    this.flushing = false;
    this.markIdle();
  }

  private fail(error: unknown): void {
    this.failed ??= error;
    for (const entry of this.queue.splice(0)) entry.reject(new ParleyError('unavailable', 'The embedded log could not write to disk', { cause: error }));
  }

  /**
   * Decodes the frames written earlier from `position` (a frame's start) on, in order, calling `visit`
   * with each and its position until it returns false or the durable end is reached. Reads the file in
   * chunks of SCAN_CHUNK bytes; a frame that fails its crc here is corruption after the start-up check.
   */
  scan(position: number, visit: (frame: DecodedFrame, framePosition: number) => boolean): void {
    let chunk = Buffer.alloc(0);
    let chunkStart = position;
    const slice = (from: number, length: number): Buffer => {
      if (from + length > this.size) throw new ParleyError('corrupt', `journal frame at ${from} runs past the end (${this.size})`);
      if (from < chunkStart || from + length > chunkStart + chunk.length) {
        chunk = Buffer.allocUnsafe(Math.max(SCAN_CHUNK, length));
        let n = 0;
        const want = Math.min(chunk.length, this.size - from);
        while (n < want) {
          const got = readSync(this.fh.fd, chunk, n, want - n, from + n);
          if (got === 0) throw new ParleyError('corrupt', `journal ends before position ${from + want}`);
          n += got;
        }
        chunk = chunk.subarray(0, n);
        chunkStart = from;
      }
      return chunk.subarray(from - chunkStart, from - chunkStart + length);
    };
    let pos = position;
    while (pos < this.size) {
      const header = slice(pos, FRAME_HEADER);
      const bodyLength = header.readUInt32LE(0);
      const body = slice(pos + FRAME_HEADER, bodyLength);
      if (!checkFrame(header, body)) throw new ParleyError('corrupt', `journal frame at ${pos} fails its checksum`);
      if (!visit(decodeFrameBody(body), pos)) return;
      pos += FRAME_HEADER + bodyLength;
    }
  }

  get bytes(): number {
    return this.size;
  }

  /** The newest frame's position and crc32, if any. */
  get lastFrame(): { pos: number; crc: number } | undefined {
    return this.last;
  }

  /** Waits for queued appends, syncs and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.idle;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.failed === undefined) await this.fh.datasync().catch(() => undefined);
    await this.fh.close();
  }
}
