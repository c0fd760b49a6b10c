import { ParleyError } from '../parley-error.js';

/**
 * Blob storage for attachments: a local directory on a single node (@parley/blob-local), an S3-compatible
 * object store distributed (@parley/blob-s3); both pass libs/core/src/conformance/blob-store.conformance.ts.
 *
 * Contract:
 * - A blob is named by the SHA-256 of its bytes (64 lowercase hex digits), so writes are idempotent and
 *   two uploads of the same bytes share one blob. Every `sha256` argument is checked with
 *   {@link assertSha256} before it reaches a path or a key.
 * - `put` never holds a whole body in memory and enforces its limit while the bytes arrive: it stops
 *   reading the body (its iterator's `return` is called) as soon as the limit is passed.
 * - A blob that `put` answered for is durable (fsync'd, or acknowledged by the object store): an event may
 *   reference it from then on. A failed or refused `put` leaves nothing that `list` shows.
 * - Blobs are immutable; `delete` is the only way one goes, and it is for cleanup jobs that know no
 *   message references it any more.
 */
export interface BlobStore {
  /**
   * Streams `body` into the store, content-addressed by SHA-256 (hex). Rejects with
   * ParleyError('payload_too_large') as soon as more than `maxBytes` arrive (while streaming, not after),
   * and with ParleyError('bad_request') for zero bytes, leaving nothing stored. Storing content already
   * there is a no-op with the same answer. Resolves only once the blob is durable. An error thrown by
   * `body` (an upload cut short) rejects with that error, nothing stored.
   */
  put(
    body: AsyncIterable<Uint8Array>,
    options: { maxBytes: number },
  ): Promise<{ sha256: string; size: number }>;
  /**
   * A stored blob's bytes, all or the inclusive range [start, end]; undefined if absent. A range past the
   * end is clamped; a start past the end is a ParleyError('bad_request'), and so is a range that is not
   * `0 <= start <= end` in safe integers. `size` is the whole blob's size (for Content-Range), not the
   * range's: the body holds `min(end, size - 1) - start + 1` bytes.
   */
  get(
    sha256: string,
    range?: { start: number; end: number },
  ): Promise<{ body: AsyncIterable<Uint8Array>; size: number } | undefined>;
  /** The blob's size, or undefined if absent. */
  size(sha256: string): Promise<number | undefined>;
  /** Removes a blob; removing an absent one is fine. */
  delete(sha256: string): Promise<void>;
  /** Every stored blob's sha256 (for cleanup jobs), in no particular order. */
  list(): AsyncIterable<string>;
  /** Idempotent. Operations after it reject with ParleyError('unavailable'). */
  close(): Promise<void>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether `value` names a blob: 64 lowercase hex digits, nothing else (no path, no key prefix). */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** Throws ParleyError('bad_request') unless `value` is 64 lowercase hex digits. */
export function assertSha256(value: unknown): asserts value is string {
  if (!isSha256(value))
    throw new ParleyError('bad_request', 'A blob is named by its SHA-256: 64 lowercase hex digits.');
}

/** Throws ParleyError('bad_request') unless `maxBytes` is a positive safe integer. */
export function assertMaxBytes(maxBytes: unknown): asserts maxBytes is number {
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1)
    throw new ParleyError('bad_request', `maxBytes must be a positive integer, not ${String(maxBytes)}.`);
}

/** Throws ParleyError('bad_request') unless `range` is `0 <= start <= end`, safe integers. */
export function assertBlobRange(range: { start: number; end: number } | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new ParleyError(
      'bad_request',
      `A byte range needs 0 <= start <= end, not [${String(start)}, ${String(end)}].`,
    );
}
