import { open, readdir, mkdir, rm, type FileHandle } from 'node:fs/promises';
import { readSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ParleyError, syncDirectory, writeAll, type Logger } from '@parley/core';
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
import {
  SEGMENT_FILE,
  SEGMENT_PREFIX,
  decodeSegmentHeader,
  encodeSegmentHeader,
  segmentFileName,
  segmentHeaderLength,
  type SegmentHeader,
} from './segment.js';

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
  /** False: no fsync of its own under `always`; the next synced write covers it (see append). */
  sync: boolean;
  onDurable: (framePosition: number) => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One file of the journal: its header, where its frames start in the file, and their bytes. */
export interface Segment extends SegmentHeader {
  path: string;
  fh: FileHandle;
  /** File offset of the first frame (0 for the legacy `journal.log`, which has no header). */
  headerBytes: number;
  /** Bytes of frames; the segment holds positions [base, base + size). */
  size: number;
  legacy: boolean;
}

export interface JournalOptions {
  /** The log directory: segments live in `<dir>/segments/`; a `<dir>/journal.log` from before segments is read as the first. */
  readonly dir: string;
  readonly policy: FsyncPolicy;
  readonly logger: Logger;
  /** A new segment is started before a write once the current one holds this many bytes... */
  readonly segmentBytes: number;
  /** ...or was started this long ago (and holds a frame). */
  readonly segmentMs: () => number;
  /** The next offset of every partition now (what a new segment's header records). */
  readonly counts: () => Record<string, number[]>;
}

/** What a checkpoint can test of the journal before the replay: its end, its segments, the frame header at a position. */
export interface FrameCheck {
  readonly size: number;
  readonly segments: ReadonlyArray<{ seq: number; base: number; size: number; legacy: boolean }>;
  frameAt(position: number): { end: number; crc: number } | undefined;
}

export interface ReplayFrom {
  position: number;
  last: { pos: number; crc: number } | undefined;
  accept: (check: FrameCheck) => boolean;
  onRestart: () => void;
}

/** Bytes read at once when scanning frames for a read older than the decoded tail. */
const SCAN_CHUNK = 4 << 20;
/**
 * A retention rewrite decodes and writes this many bytes of frames at a time, then yields: each step runs
 * on the log's thread, between appends (docs/BENCHMARKS.md 12).
 */
const REWRITE_STEP = 256 << 10;
const LEGACY_FILE = 'journal.log';
const SEGMENTS_DIR = 'segments';

/**
 * The append-only journal under the embedded log, split into segments (segment.ts) and with group commit:
 * appends queued while a write is in flight go out together, under one fsync. A position is a frame's
 * place in the journal counting frame bytes only, so it stays the same whatever segment holds it; the
 * retention cleaner rewrites a sealed segment shorter and tells the caller how its positions moved.
 */
export class Journal {
  private queue: Pending[] = [];
  private flushing = false;
  private failed: unknown = undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;
  private rewriting: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: JournalOptions,
    private readonly segs: Segment[],
    /** The newest frame: its position and its body's crc32 (a checkpoint names it to prove it fits this journal). */
    private last: { pos: number; crc: number } | undefined,
  ) {
    if (options.policy.mode === 'interval') {
      this.timer = setInterval(
        () => void this.active.fh.datasync().catch((e: unknown) => this.fail(e)),
        options.policy.intervalMs,
      );
      this.timer.unref();
    }
  }

  /**
   * Opens (or creates) the journal and replays every intact frame from `from` (a checkpoint's end; default
   * 0) through `onFrame`, in order, calling `onSegment` with the header of each segment whose frames are
   * replayed from its first. A torn or corrupt tail of the newest segment is truncated, with a warning
   * saying how many bytes were cut; a bad frame in an older segment, or a missing segment, refuses to open
   * (`corrupt`). `from.accept(check)`, called first, may refuse the checkpoint: the replay then starts at
   * 0, after `from.onRestart`.
   */
  static async open(
    options: JournalOptions,
    onFrame: (frame: DecodedFrame, framePosition: number) => void,
    onSegment: (header: SegmentHeader) => void,
    from?: ReplayFrom,
  ): Promise<Journal> {
    const { logger } = options;
    const segs = await loadSegments(options);
    const end = (): number => segs[segs.length - 1]!.base + segs[segs.length - 1]!.size;
    const segmentAt = (pos: number): Segment | undefined => {
      for (let i = segs.length - 1; i >= 0; i--) if (segs[i]!.base <= pos) return segs[i];
      return undefined;
    };
    let pos = segs[0]!.base;
    let last: { pos: number; crc: number } | undefined;
    if (from) {
      const frameAt = (at: number): { end: number; crc: number } | undefined => {
        const seg = segmentAt(at);
        if (!seg || at + FRAME_HEADER > seg.base + seg.size) return undefined;
        const header = Buffer.alloc(FRAME_HEADER);
        if (readSync(seg.fh.fd, header, 0, FRAME_HEADER, seg.headerBytes + at - seg.base) !== FRAME_HEADER)
          return undefined;
        return { end: at + FRAME_HEADER + header.readUInt32LE(0), crc: header.readUInt32LE(4) };
      };
      if (
        from.accept({
          size: end(),
          segments: segs.map((s) => ({ seq: s.seq, base: s.base, size: s.size, legacy: s.legacy })),
          frameAt,
        })
      ) {
        pos = from.position;
        last = from.last;
      } else from.onRestart();
    }
    const start = pos;
    let frames = 0;
    try {
      for (let i = 0; i < segs.length; i++) {
        const seg = segs[i]!;
        const segEnd = seg.base + seg.size;
        if (segEnd < pos || (segEnd === pos && i < segs.length - 1)) continue;
        if (pos <= seg.base) {
          pos = seg.base;
          onSegment(seg);
        }
        const walked = walkFrames(seg, pos, segEnd, SCAN_CHUNK * 2, (frame, at, _next, header) => {
          last = { pos: at, crc: header.readUInt32LE(4) };
          onFrame(frame, at);
          frames++;
          return true;
        });
        pos = walked.pos;
        const bad = walked.bad;
        if (pos < segEnd) {
          if (i < segs.length - 1) {
            throw new ParleyError(
              'corrupt',
              `journal segment ${seg.path} is damaged at byte ${seg.headerBytes + pos - seg.base} (${bad}) and later segments follow it: restore the log directory from a backup`,
            );
          }
          logger.warn('journal had a torn or corrupt tail; cut it off (nothing in it was acknowledged)', {
            path: seg.path,
            bytesCut: segEnd - pos,
          });
          await seg.fh.truncate(seg.headerBytes + pos - seg.base);
          await seg.fh.datasync();
          seg.size = pos - seg.base;
        }
      }
    } catch (error) {
      for (const s of segs) await s.fh.close().catch(() => undefined);
      throw error;
    }
    logger.info('journal replayed', {
      dir: options.dir,
      segments: segs.length,
      frames,
      bytes: pos - start,
      fromByte: start,
    });
    return new Journal(options, segs, last);
  }

  private get active(): Segment {
    return this.segs[this.segs.length - 1]!;
  }

  /** The segments, oldest first (the last is the one written to). */
  get segments(): readonly Segment[] {
    return this.segs;
  }

  /**
   * Appends one atomic frame. `onDurable` runs with the frame's position once it is durable under the
   * policy, before the promise resolves and before any later append's `onDurable`. With `sync` false the
   * frame takes no fsync of its own under `always`: it resolves once written to the OS, and the next
   * synced write makes it durable too (an fdatasync covers every earlier byte of the segment, and a
   * segment is synced when sealed), so a machine crash can lose it only together with everything after it
   * that was not synced either. For records whose loss acknowledges nothing (commands: the sender is
   * told only when the event they lead to is durable).
   */
  append(
    records: readonly JournalRecord[],
    commits: readonly JournalCommit[],
    onDurable: (framePosition: number) => void,
    sync = true,
  ): Promise<void> {
    if (this.failed !== undefined) {
      return Promise.reject(
        new ParleyError('unavailable', 'The embedded log failed to write earlier; restart Parley', {
          cause: this.failed,
        }),
      );
    }
    if (this.closed) return Promise.reject(new ParleyError('unavailable', 'The embedded log is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, commits, sync, onDurable, resolve, reject });
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
      try {
        if (this.dueToRoll()) await this.roll();
      } catch (error) {
        this.fail(error);
        for (const entry of batch)
          entry.reject(
            new ParleyError('unavailable', 'The embedded log could not start a new segment', {
              cause: error,
            }),
          );
        continue;
      }
      const seg = this.active;
      const frames: Buffer[] = [];
      const starts: number[] = [];
      let at = seg.base + seg.size;
      for (const entry of batch) {
        const frame = encodeFrame(entry.records, entry.commits, []);
        starts.push(at);
        at += frame.length;
        frames.push(frame);
      }
      const data = Buffer.concat(frames);
      try {
        await writeAll(seg.fh, data, seg.headerBytes + seg.size);
        if (this.options.policy.mode === 'always' && batch.some((entry) => entry.sync)) await seg.fh.datasync();
      } catch (error) {
        this.fail(error);
        for (const entry of batch)
          entry.reject(
            new ParleyError('unavailable', 'The embedded log could not write to disk', { cause: error }),
          );
        continue;
      }
      seg.size += data.length;
      const lastFrame = frames[frames.length - 1]!;
      this.last = { pos: starts[starts.length - 1]!, crc: lastFrame.readUInt32LE(4) };
      batch.forEach((entry, i) => entry.onDurable(starts[i]!));
      for (const entry of batch) entry.resolve();
    }
    this.flushing = false;
    this.markIdle();
  }

  private dueToRoll(): boolean {
    const seg = this.active;
    return (
      seg.size > 0 &&
      (seg.size >= this.options.segmentBytes || Date.now() - seg.created >= this.options.segmentMs())
    );
  }

  /**
   * Seals the active segment (synced, whatever the policy, so that a machine crash cannot leave a hole
   * before the next one) and starts the next: its header is written and synced, and the directory
   * synced, before any frame goes into it.
   */
  private async roll(): Promise<void> {
    const sealed = this.active;
    await sealed.fh.datasync();
    const header: SegmentHeader = {
      seq: sealed.seq + 1,
      base: sealed.base + sealed.size,
      created: Date.now(),
      counts: this.options.counts(),
      dropped: [],
    };
    const seg = await createSegment(join(this.options.dir, SEGMENTS_DIR), header);
    this.segs.push(seg);
    this.options.logger.debug('journal segment started', { seq: seg.seq, base: seg.base });
  }

  private fail(error: unknown): void {
    this.failed ??= error;
    for (const entry of this.queue.splice(0))
      entry.reject(
        new ParleyError('unavailable', 'The embedded log could not write to disk', { cause: error }),
      );
  }

  /**
   * Decodes the frames written earlier from `position` (a frame's start) on, in order and across
   * segments, calling `visit` with each and its position until it returns false or the durable end is
   * reached. Reads in chunks of SCAN_CHUNK bytes; a frame that fails its crc here is corruption after
   * the start-up check.
   */
  scan(
    position: number,
    visit: (frame: DecodedFrame, framePosition: number, nextPosition: number, header: Buffer, body: Buffer) => boolean,
  ): void {
    let i = this.segs.length - 1;
    while (i > 0 && this.segs[i]!.base > position) i--;
    let pos = position;
    for (; i < this.segs.length; i++) {
      const seg = this.segs[i]!;
      if (pos < seg.base) pos = seg.base;
      let stopped = false;
      const walked = walkFrames(seg, pos, seg.base + seg.size, SCAN_CHUNK, (...frame) => {
        stopped = !visit(...frame);
        return !stopped;
      });
      if (stopped) return;
      if (walked.bad !== undefined) throw new ParleyError('corrupt', `journal frame at ${walked.pos} of ${seg.path}: ${walked.bad}`);
      pos = walked.pos;
    }
  }

  /**
   * Rewrites the sealed segment `seq` keeping what `keep` returns of each frame (nothing: the frame goes),
   * with `dropped` added to its header: the new file is written and synced beside the old one, then,
   * synchronously, put in its place and `moved` called with each kept frame's old and new position, so
   * that no read sees the new file with old positions. Returns the bytes it saved.
   */
  rewrite(
    seq: number,
    dropped: readonly string[],
    keep: (
      frame: DecodedFrame,
      framePosition: number,
    ) => { records: JournalRecord[]; commits: JournalCommit[] } | undefined,
    moved: (positions: ReadonlyMap<number, number>) => void,
  ): Promise<number> {
    const run = this.rewriting.then(async () => {
      const index = this.segs.findIndex((s) => s.seq === seq);
      const seg = this.segs[index];
      if (!seg || index === this.segs.length - 1)
        throw new ParleyError('bad_request', `segment ${seq} is not a sealed segment`);
      const dir = join(this.options.dir, SEGMENTS_DIR);
      const path = join(dir, segmentFileName(seg.base));
      const header: SegmentHeader = {
        seq: seg.seq,
        base: seg.base,
        created: seg.created,
        counts: seg.counts,
        dropped: [...new Set([...seg.dropped, ...dropped])],
      };
      const head = encodeSegmentHeader(header);
      const tmp = `${path}.clean`;
      const fh = await open(tmp, 'w+');
      const positions = new Map<number, number>();
      let size = 0;
      try {
        await writeAll(fh, head, 0);
        // In pieces of about SCAN_CHUNK bytes, so that a large segment is never held in memory whole.
        let cursor = seg.base;
        const end = seg.base + seg.size;
        while (cursor < end) {
          const out: Buffer[] = [];
          let pending = 0;
          this.scan(cursor, (frame, pos, next, header, body) => {
            if (pos >= end) return false;
            cursor = next;
            const kept = keep(frame, pos);
            if (kept && (kept.records.length > 0 || kept.commits.length > 0)) {
              // A frame that keeps everything is copied as it is (the scan's buffer is reused: a copy).
              const whole = kept.records.length === frame.records.length && kept.commits.length === frame.commits.length;
              const bytes = whole ? Buffer.concat([header, body]) : encodeFrame(kept.records, kept.commits, []);
              positions.set(pos, seg.base + size + pending);
              pending += bytes.length;
              out.push(bytes);
            }
            return pending < REWRITE_STEP && cursor < end;
          });
          if (pending > 0) await writeAll(fh, Buffer.concat(out, pending), head.length + size);
          size += pending;
        }
        await fh.sync();
      } catch (error) {
        await fh.close();
        await rm(tmp, { force: true });
        throw error;
      }
      // From here to the end of this block nothing awaits: reads see the old file or the new, whole.
      renameSync(tmp, path);
      const saved = seg.size - size;
      const old = seg.fh;
      const oldPath = seg.path;
      Object.assign(seg, {
        fh,
        path,
        headerBytes: head.length,
        size,
        legacy: false,
        dropped: header.dropped,
      });
      moved(positions);
      if (oldPath !== path) rmSync(oldPath, { force: true });
      await old.close();
      await syncDirectory(dir);
      if (oldPath !== path) await syncDirectory(this.options.dir);
      return saved;
    });
    this.rewriting = run.catch(() => undefined);
    return run;
  }

  /** The end of the journal: the position the next frame gets. */
  get bytes(): number {
    return this.active.base + this.active.size;
  }

  /** The newest frame's position and crc32, if any. */
  get lastFrame(): { pos: number; crc: number } | undefined {
    return this.last;
  }

  /** Waits for queued appends and rewrites, syncs and closes the files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.idle;
    await this.rewriting;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.failed === undefined) await this.active.fh.datasync().catch(() => undefined);
    for (const seg of this.segs) await seg.fh.close();
  }
}


/**
 * Walks the frames of `seg` from `pos` (a frame's start) up to `end`, calling `visit` with each (decoded,
 * its position, the next one's, its header and body bytes) until it returns false. Returns the position it
 * stopped at and, when that is a bad frame (torn, failing its crc, or not decoding), why; what a bad frame
 * means (a torn tail to cut, or corruption) is the caller's to say.
 */
function walkFrames(
  seg: Segment,
  pos: number,
  end: number,
  chunk: number,
  visit: (frame: DecodedFrame, framePosition: number, nextPosition: number, header: Buffer, body: Buffer) => boolean,
): { pos: number; bad?: string } {
  const reader = chunkReader(seg, chunk);
  while (pos < end) {
    const header = reader(pos, FRAME_HEADER);
    if (!header) return { pos, bad: 'a frame header runs past the end' };
    const body = reader(pos + FRAME_HEADER, header.readUInt32LE(0));
    if (!body) return { pos, bad: 'a frame runs past the end' };
    if (!checkFrame(header, body)) return { pos, bad: 'a frame fails its checksum' };
    let frame: DecodedFrame;
    try {
      frame = decodeFrameBody(body);
    } catch (error) {
      if (error instanceof CorruptFrame) return { pos, bad: error.message };
      throw error;
    }
    const next = pos + FRAME_HEADER + body.length;
    if (!visit(frame, pos, next, header, body)) return { pos };
    pos = next;
  }
  return { pos };
}

/** Reads [position, position + length) of a segment through a chunk cache; undefined past its end. */
function chunkReader(
  seg: Segment,
  chunkBytes: number,
): (position: number, length: number) => Buffer | undefined {
  let chunk = Buffer.alloc(0);
  let chunkStart = 0;
  const end = seg.base + seg.size;
  return (position, length) => {
    if (position + length > end) return undefined;
    if (position < chunkStart || position + length > chunkStart + chunk.length) {
      chunk = Buffer.allocUnsafe(Math.max(chunkBytes, length));
      const want = Math.min(chunk.length, end - position);
      let n = 0;
      while (n < want) {
        const got = readSync(seg.fh.fd, chunk, n, want - n, seg.headerBytes + position - seg.base + n);
        if (got === 0) break;
        n += got;
      }
      chunk = chunk.subarray(0, n);
      chunkStart = position;
      if (n < length) return undefined;
    }
    return chunk.subarray(position - chunkStart, position - chunkStart + length);
  };
}

async function createSegment(dir: string, header: SegmentHeader): Promise<Segment> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, segmentFileName(header.base));
  const head = encodeSegmentHeader(header);
  const fh = await open(path, 'w+');
  try {
    await writeAll(fh, head, 0);
    await fh.sync();
    await syncDirectory(dir);
  } catch (error) {
    await fh.close();
    throw error;
  }
  return { ...header, path, fh, headerBytes: head.length, size: 0, legacy: false };
}

/**
 * The journal's segments, oldest first, each open for reading and writing: the legacy `journal.log` (from
 * before segments) as segment 0 when present, then `segments/*.seg`. A newest segment whose header is
 * unreadable was being started when the process died and holds no frame: it is removed. Any other
 * unreadable header, or a gap in the sequence numbers, refuses to open. With no file at all, segment 0 is
 * created.
 */
async function loadSegments(options: JournalOptions): Promise<Segment[]> {
  const dir = join(options.dir, SEGMENTS_DIR);
  const names = (
    await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)))
  )
    .filter((n) => SEGMENT_FILE.test(n))
    .sort();
  for (const n of await readdir(dir).catch(() => [] as string[]))
    if (n.endsWith('.seg.clean')) await rm(join(dir, n), { force: true });
  const segs: Segment[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const path = join(dir, name);
      const fh = await open(path, 'r+');
      const { size } = await fh.stat();
      const prefix = Buffer.alloc(SEGMENT_PREFIX);
      await fh.read(prefix, 0, SEGMENT_PREFIX, 0);
      const length = segmentHeaderLength(prefix);
      let header: SegmentHeader | string = typeof length === 'string' ? length : 'segment header truncated';
      if (typeof length === 'number' && length <= size) {
        const bytes = Buffer.alloc(length);
        await fh.read(bytes, 0, length, 0);
        header = decodeSegmentHeader(bytes);
      }
      if (typeof header === 'string') {
        await fh.close();
        if (i === names.length - 1 && i > 0) {
          options.logger.warn(
            'the newest journal segment was being started when the process stopped; removed it (it held no frame)',
            { path, reason: header },
          );
          await rm(path, { force: true });
          continue;
        }
        throw new ParleyError(
          'corrupt',
          `journal segment ${path}: ${header}. Restore the log directory from a backup`,
        );
      }
      if (String(header.base).padStart(20, '0') !== name.slice(0, 20)) {
        await fh.close();
        throw new ParleyError(
          'corrupt',
          `journal segment ${path} says its base is ${header.base}, not its name's`,
        );
      }
      segs.push({
        ...header,
        path,
        fh,
        headerBytes: length as number,
        size: size - (length as number),
        legacy: false,
      });
    }
    const legacyPath = join(options.dir, LEGACY_FILE);
    const legacy = await open(legacyPath, 'r+').catch((e: NodeJS.ErrnoException) =>
      e.code === 'ENOENT' ? undefined : Promise.reject(e),
    );
    if (legacy) {
      if (segs[0]?.seq === 0) {
        // The cleaner rewrote journal.log as segment 0 and the process stopped before removing it.
        await legacy.close();
        await rm(legacyPath, { force: true });
      } else {
        const { size, mtimeMs } = await legacy.stat();
        segs.unshift({
          seq: 0,
          base: 0,
          created: segs.length > 0 ? Math.min(mtimeMs, segs[0]!.created) : mtimeMs,
          counts: {},
          dropped: [],
          path: legacyPath,
          fh: legacy,
          headerBytes: 0,
          size,
          legacy: true,
        });
      }
    }
    for (let i = 1; i < segs.length; i++) {
      const [prev, seg] = [segs[i - 1]!, segs[i]!];
      if (seg.seq !== prev.seq + 1) {
        throw new ParleyError(
          'corrupt',
          `journal segment ${prev.seq + 1} is missing (${prev.path} is followed by ${seg.path}, segment ${seg.seq}): restore it from a backup`,
        );
      }
      if (seg.base < prev.base + prev.size)
        throw new ParleyError('corrupt', `journal segments ${prev.path} and ${seg.path} overlap`);
    }
    if (segs.length > 0 && segs[0]!.seq !== 0) {
      options.logger.warn(
        'the journal starts at a later segment: older segments were removed, and their records with them',
        { firstSegment: segs[0]!.path },
      );
    }
    if (segs.length === 0)
      segs.push(await createSegment(dir, { seq: 0, base: 0, created: Date.now(), counts: {}, dropped: [] }));
    return segs;
  } catch (error) {
    for (const s of segs) await s.fh.close().catch(() => undefined);
    throw error;
  }
}
