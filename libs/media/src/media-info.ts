import { Readable } from 'node:stream';
import { parseStream, type IAudioMetadata } from 'music-metadata';
import { ISO_BMFF_VIDEO_MIMES, Mp4MoovScanner } from './mp4-moov-scanner.js';

export interface MediaInfo {
  /** The recording's length, where its format says it. */
  readonly durationMs?: number;
  /** A video's displayed size, where its format says it. */
  readonly width?: number;
  readonly height?: number;
}

export interface MediaInfoOptions {
  /** How long reading may take (default 30 s); past it what was found so far (often nothing) is answered. */
  readonly timeoutMs?: number;
}

/** The largest width or height believed (the Attachment schema's bound). */
const MAX_DIMENSION = 1_000_000;

/**
 * What a voice or video file's own headers say about it: its duration (music-metadata 11) and, for a
 * video, its displayed size (music-metadata for Matroska/WebM; the `moov` box for MP4 and QuickTime,
 * {@link Mp4MoovScanner}, whose movie duration is also preferred). Best effort: a format that says
 * nothing, bytes that do not parse, or a read past `timeoutMs` answer what was found, never an error.
 *
 * Bounded: `body` is read once, as a stream, and never past `size` bytes (the size the caller stored);
 * music-metadata skips cover art; only a `moov` box up to 16 MiB is held. The body is released (its
 * iterator's `return`) when this answers.
 */
export async function mediaInfo(body: Uint8Array | AsyncIterable<Uint8Array>, mime: string, size: number, options: MediaInfoOptions = {}): Promise<MediaInfo> {
  const scanner = ISO_BMFF_VIDEO_MIMES.includes(mime) ? new Mp4MoovScanner() : undefined;
  async function* bounded(): AsyncGenerator<Uint8Array> {
    let left = size;
    for await (const chunk of body instanceof Uint8Array ? [body] : body) {
      const part = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
      left -= part.byteLength;
      scanner?.push(part);
      yield part;
      if (left <= 0) return;
    }
  }
  const stream = Readable.from(bounded(), { objectMode: false });
  let metadata: IAudioMetadata | undefined;
  const work = (async () => {
    metadata = await parseStream(stream, { mimeType: mime, size }, { duration: true, skipCovers: true }).catch(() => undefined);
    // music-metadata may stop before a moov at the end of the file: the scanner reads on to it.
    if (scanner && !scanner.done && !stream.destroyed) {
      const rest = stream[Symbol.asyncIterator]();
      while (!scanner.done && !(await rest.next()).done);
    }
  })().catch(() => undefined); // the body failed: answer what was found
  // A stalled body (or parser) is let go at the deadline: destroying the stream alone does not settle the parse.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs ?? 30_000)));
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
  scanner?.end();
  const moov = scanner?.findings ?? {};
  const video = metadata?.format.trackInfo.find((t) => t.video)?.video;
  // Matroska's display size is in pixels only when its unit is (0, the default); else the pixel size.
  const display = video && (video.displayUnit ?? 0) === 0 && video.displayWidth && video.displayHeight ? { width: video.displayWidth, height: video.displayHeight } : undefined;
  const seconds = metadata?.format.duration;
  return pick({
    durationMs: moov.durationMs ?? (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined),
    width: moov.width ?? display?.width ?? video?.pixelWidth,
    height: moov.height ?? display?.height ?? video?.pixelHeight,
  });
}

/** Only the fields a stored Attachment may carry: integers within its bounds, and width with height. */
function pick(found: { durationMs?: number; width?: number; height?: number }): MediaInfo {
  const out: { durationMs?: number; width?: number; height?: number } = {};
  if (found.durationMs !== undefined && Number.isSafeInteger(found.durationMs) && found.durationMs >= 0) out.durationMs = found.durationMs;
  const dim = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n >= 1 && n <= MAX_DIMENSION;
  if (dim(found.width) && dim(found.height)) {
    out.width = found.width;
    out.height = found.height;
  }
  return out;
}
