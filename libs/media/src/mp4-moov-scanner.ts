/** The largest `moov` box read; a bigger one (hours of tiny samples) is passed over, and nothing is found. */
export const MAX_MOOV_BYTES = 16 * 1024 * 1024;

/** The ISO base media file types (file-type's names) whose video `moov` this reads. */
export const ISO_BMFF_VIDEO_MIMES: readonly string[] = Object.freeze(['video/mp4', 'video/quicktime', 'video/3gpp', 'video/3gpp2', 'video/x-m4v']);

export interface MoovFindings {
  readonly durationMs?: number;
  /** The first video track's displayed size: its rotation matrix applied (a portrait phone video is taller). */
  readonly width?: number;
  readonly height?: number;
}

/**
 * Finds a video's duration and displayed size in the `moov` box of an ISO base media file (MP4, MOV,
 * 3GP) while its bytes stream past, holding only that box: what music-metadata does not say for video
 * (it takes the duration from an audio track, and no size). Other boxes (`mdat`, however large, before
 * or after `moov`) are counted past, never kept.
 *
 * Wire format (ISO/IEC 14496-12): a file is a sequence of boxes `size:u32 type:4cc [largesize:u64 when
 * size == 1] payload`, size counting the header; size 0 runs to the end of the file. `moov` holds
 * `mvhd` (v0: version:u8 flags:u24 created:u32 modified:u32 timescale:u32 duration:u32; v1: created,
 * modified and duration u64) and one `trak` per track, each with `tkhd` (v0: version/flags:4 created:4
 * modified:4 trackId:4 reserved:4 duration:4 reserved:8 layer:2 group:2 volume:2 reserved:2 matrix:9xi32
 * width:u16.16 height:u16.16; v1: created, modified, duration 8 bytes each) and `mdia/hdlr`
 * (version/flags:4 pre_defined:4 handler:4cc, `vide` for video).
 */
export class Mp4MoovScanner {
  private readonly header = new Uint8Array(16);
  private headerLength = 0;
  /** Bytes of the current non-moov box still to pass over. */
  private skipping = 0;
  /** The moov payload being collected, and how much of it is still to come (Infinity: to the end). */
  private moov: Uint8Array[] | undefined;
  private moovLength = 0;
  private moovLeft = 0;
  private found: MoovFindings | undefined;
  private finished = false;

  /** Whether nothing more is needed: moov was read, or the bytes are not a box sequence this can follow. */
  get done(): boolean {
    return this.finished;
  }

  /** What was found; undefined before moov is read (call {@link end} once the bytes have ended). */
  get findings(): MoovFindings | undefined {
    return this.found;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength && !this.finished) {
      const left = chunk.byteLength - at;
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, left);
        this.skipping -= n;
        at += n;
      } else if (this.moov) {
        const n = Math.min(this.moovLeft, left);
        this.take(chunk.subarray(at, at + n));
        this.moovLeft -= n;
        at += n;
        if (this.moovLeft === 0) this.readMoov();
      } else {
        const want = this.headerLength >= 8 && this.size32() === 1 ? 16 : 8;
        const n = Math.min(want - this.headerLength, left);
        this.header.set(chunk.subarray(at, at + n), this.headerLength);
        this.headerLength += n;
        at += n;
        if (this.headerLength === want && !(want === 8 && this.size32() === 1)) this.startBox();
      }
    }
  }

  /** The bytes have ended: a moov that ran to the end of the file is read now. */
  end(): void {
    if (this.moov && this.moovLeft === Infinity) this.readMoov();
    this.finished = true;
  }

  private size32(): number {
    return new DataView(this.header.buffer).getUint32(0);
  }

  private startBox(): void {
    const view = new DataView(this.header.buffer);
    const headerBytes = this.headerLength;
    const type = String.fromCharCode(...this.header.subarray(4, 8));
    const declared = this.size32() === 1 ? Number(view.getBigUint64(8)) : this.size32();
    this.headerLength = 0;
    if (declared === 0) {
      // Runs to the end of the file: only a moov is worth following there.
      if (type === 'moov') this.beginMoov(Infinity);
      else this.finished = true;
      return;
    }
    if (!Number.isSafeInteger(declared) || declared < headerBytes) return void (this.finished = true);
    const payload = declared - headerBytes;
    if (type === 'moov') this.beginMoov(payload);
    else this.skipping = payload;
    if (type === 'moov' && payload === 0) this.readMoov();
  }

  private beginMoov(payload: number): void {
    if (payload > MAX_MOOV_BYTES && payload !== Infinity) return void (this.finished = true);
    this.moov = [];
    this.moovLeft = payload;
  }

  private take(part: Uint8Array): void {
    this.moovLength += part.byteLength;
    if (this.moovLength > MAX_MOOV_BYTES) {
      this.moov = undefined;
      this.finished = true;
      return;
    }
    // Copied: the caller's chunk may be reused once push returns.
    this.moov?.push(part.slice());
  }

  private readMoov(): void {
    const parts = this.moov ?? [];
    this.moov = undefined;
    this.finished = true;
    const bytes = new Uint8Array(this.moovLength);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.byteLength;
    }
    try {
      this.found = readMoov(bytes);
    } catch {
      // A box that lies about its size inside moov: nothing is found, as for a file without moov.
      this.found = {};
    }
  }
}

interface Box {
  readonly type: string;
  /** The payload's first byte and the byte after it, within the buffer given. */
  readonly start: number;
  readonly end: number;
}

function* boxes(view: DataView, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    const size32 = view.getUint32(at);
    const type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7));
    let headerBytes = 8;
    let size = size32;
    if (size32 === 1) {
      if (at + 16 > end) return;
      size = Number(view.getBigUint64(at + 8));
      headerBytes = 16;
    } else if (size32 === 0) size = end - at;
    if (!Number.isSafeInteger(size) || size < headerBytes || at + size > end) return;
    yield { type, start: at + headerBytes, end: at + size };
    at += size;
  }
}

function readMoov(bytes: Uint8Array): MoovFindings {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let durationMs: number | undefined;
  let size: { width: number; height: number } | undefined;
  for (const box of boxes(view, 0, bytes.byteLength)) {
    if (box.type === 'mvhd') durationMs = movieDuration(view, box);
    if (box.type === 'trak' && size === undefined) size = videoTrackSize(view, box);
  }
  return { ...(durationMs === undefined ? {} : { durationMs }), ...(size ?? {}) };
}

function movieDuration(view: DataView, box: Box): number | undefined {
  const version = view.getUint8(box.start);
  const [timescaleAt, durationAt, durationBytes] = version === 1 ? [20, 24, 8] : [12, 16, 4];
  if (box.start + durationAt + durationBytes > box.end) return undefined;
  const timescale = view.getUint32(box.start + timescaleAt);
  const duration = durationBytes === 8 ? Number(view.getBigUint64(box.start + durationAt)) : view.getUint32(box.start + durationAt);
  // All ones: unknown (a fragmented or live file); 0: the fragments say it, not mvhd.
  const unknown = durationBytes === 8 ? duration >= Number.MAX_SAFE_INTEGER : duration === 0xffffffff;
  if (timescale === 0 || duration === 0 || unknown) return undefined;
  return Math.round((duration * 1000) / timescale);
}

function videoTrackSize(view: DataView, trak: Box): { width: number; height: number } | undefined {
  let size: { width: number; height: number } | undefined;
  let video = false;
  for (const box of boxes(view, trak.start, trak.end)) {
    if (box.type === 'tkhd') size = trackSize(view, box);
    if (box.type === 'mdia') {
      for (const child of boxes(view, box.start, box.end)) {
        if (child.type === 'hdlr' && child.start + 12 <= child.end) video = view.getUint32(child.start + 8) === 0x76696465; // 'vide'
      }
    }
  }
  return video ? size : undefined;
}

function trackSize(view: DataView, box: Box): { width: number; height: number } | undefined {
  const matrixAt = box.start + (view.getUint8(box.start) === 1 ? 52 : 40);
  if (matrixAt + 44 > box.end) return undefined;
  let width = Math.round(view.getUint32(matrixAt + 36) / 65536);
  let height = Math.round(view.getUint32(matrixAt + 40) / 65536);
  if (width < 1 || height < 1) return undefined;
  // The matrix [a b u; c d v; x y w]: a quarter turn has a = d = 0, which swaps what is displayed.
  if (view.getInt32(matrixAt) === 0 && view.getInt32(matrixAt + 16) === 0) [width, height] = [height, width];
  return { width, height };
}
