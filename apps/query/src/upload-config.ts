import { deepFreeze, readInt, type Env } from '@parley/core';
import type { AttachmentKind } from '@parley/protocol';

/** How much may be uploaded and for how long (README and docs/OPERATIONS.md "uploads"); both modes read it. */
export interface UploadLimits {
  /** The largest file per kind, in bytes (PARLEY_UPLOAD_MAX_{IMAGE,VOICE,VIDEO,FILE}_BYTES). */
  readonly maxBytes: Readonly<Record<AttachmentKind, number>>;
  /** Bytes one user may hold in uploads and the files of their messages (PARLEY_UPLOAD_QUOTA_BYTES). */
  readonly quotaBytes: number;
  /** The largest chunk one PUT may carry (PARLEY_UPLOAD_CHUNK_BYTES). */
  readonly chunkBytes: number;
  /**
   * How long after it was last touched an unfinished upload, or an attachment no message uses, is
   * deleted (PARLEY_UPLOAD_TTL_SECONDS); a ref lives half of it, so a ref still good always names files
   * that are kept.
   */
  readonly ttlSeconds: number;
  /** How long a download URL works (PARLEY_ATTACHMENT_URL_TTL_SECONDS). */
  readonly urlTtlSeconds: number;
  /** How often the sweeper looks for uploads and attachments to delete (PARLEY_UPLOAD_SWEEP_SECONDS). */
  readonly sweepSeconds: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Past this a size stops being a file a chat takes (and sums of them stay exact doubles). */
const MAX_FILE = 1024 * GiB;

/** The upload limits from the environment; a value out of its range fails naming its variable. */
export function readUploadLimits(env: Env): UploadLimits {
  const bytes = (name: string, fallback: number, min = 1, max = MAX_FILE) => readInt(env, name, fallback, { min, max });
  return deepFreeze({
    maxBytes: {
      image: bytes('PARLEY_UPLOAD_MAX_IMAGE_BYTES', 20 * MiB),
      voice: bytes('PARLEY_UPLOAD_MAX_VOICE_BYTES', 20 * MiB),
      video: bytes('PARLEY_UPLOAD_MAX_VIDEO_BYTES', 200 * MiB),
      file: bytes('PARLEY_UPLOAD_MAX_FILE_BYTES', 100 * MiB),
    },
    quotaBytes: bytes('PARLEY_UPLOAD_QUOTA_BYTES', 2 * GiB, 1, 1024 * MAX_FILE),
    // A chunk is held by no one in memory (it streams into a blob), but each is a blob and a database row.
    chunkBytes: bytes('PARLEY_UPLOAD_CHUNK_BYTES', 4 * MiB, 64 * 1024, 1024 * MiB),
    ttlSeconds: readInt(env, 'PARLEY_UPLOAD_TTL_SECONDS', 86_400, { min: 120, max: 365 * 86_400 }),
    urlTtlSeconds: readInt(env, 'PARLEY_ATTACHMENT_URL_TTL_SECONDS', 300, { min: 1, max: 7 * 86_400 }),
    sweepSeconds: readInt(env, 'PARLEY_UPLOAD_SWEEP_SECONDS', 600, { min: 1, max: 86_400 }),
  });
}
