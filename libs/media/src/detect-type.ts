import { fileTypeFromBuffer } from 'file-type';
import type { AttachmentKind } from '@parley/protocol';

/** What a file whose bytes say nothing known is called. */
export const UNKNOWN_MIME = 'application/octet-stream';

/**
 * How many of a file's first bytes {@link detectType} should be given. Most signatures sit in the first few
 * bytes; a few (ZIP-based office files, some MP4 brands) need more, and none of what Parley tells apart
 * needs more than this.
 */
export const DETECT_HEAD_BYTES = 64 * 1024;

/** The image types a message of kind `image` may carry: what browsers show and the server can thumbnail. */
export const IMAGE_MIMES: readonly string[] = Object.freeze(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/tiff']);

/**
 * The media type of a file from its first bytes (magic numbers, file-type 21), never from its name or
 * what a client claims: {@link UNKNOWN_MIME} when nothing is recognised (plain text among others).
 * `head` may be the whole file or its first {@link DETECT_HEAD_BYTES}.
 */
export async function detectType(head: Uint8Array): Promise<string> {
  if (head.byteLength === 0) return UNKNOWN_MIME;
  const found = await fileTypeFromBuffer(head.subarray(0, DETECT_HEAD_BYTES));
  return found?.mime ?? UNKNOWN_MIME;
}

/**
 * The containers browsers record voice in (MediaRecorder): WebM in Chromium and Firefox, MP4 in Safari.
 * Their signature says nothing about the tracks, so file-type calls them video.
 */
export const VOICE_CONTAINERS: readonly string[] = Object.freeze(['video/webm', 'video/mp4', 'video/ogg']);

/**
 * Whether a file of media type `mime` (as {@link detectType} found it) may be sent as `kind`: image: one
 * of {@link IMAGE_MIMES}; voice: audio/* or a container browsers record voice in ({@link VOICE_CONTAINERS});
 * video: video/*; file: anything.
 */
export function kindAccepts(kind: AttachmentKind, mime: string): boolean {
  switch (kind) {
    case 'image':
      return IMAGE_MIMES.includes(mime);
    case 'voice':
      return mime.startsWith('audio/') || VOICE_CONTAINERS.includes(mime);
    case 'video':
      return mime.startsWith('video/');
    case 'file':
      return true;
  }
}

/**
 * The media type a message of `kind` names for a file detected as `mime`: a voice recording in a
 * {@link VOICE_CONTAINERS} container is its audio type (`video/webm` -> `audio/webm`), what an <audio>
 * element plays; every other one as detected.
 */
export function mimeForKind(kind: AttachmentKind, mime: string): string {
  return kind === 'voice' && VOICE_CONTAINERS.includes(mime) ? `audio/${mime.slice('video/'.length)}` : mime;
}
