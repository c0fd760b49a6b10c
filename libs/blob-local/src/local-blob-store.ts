import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ParleyError,
  assertBlobRange,
  assertMaxBytes,
  assertSha256,
  isSha256,
  type BlobStore,
} from '@parley/core';
import { syncDirectory, writeAll } from '@parley/core';
import { isNotFound } from './durable-fs.js';

export interface LocalBlobStoreOptions {
  /** The directory that holds the blobs (created if missing), e.g. `<data dir>/blobs`. */
  readonly dir: string;
  /**
   * Temp files older than this are removed when the store opens: what a crash in the middle of a `put`
   * left behind. Younger ones may belong to another store open on the same directory. Default 1 hour.
   */
  readonly staleTempMs?: number;
}

/** Temp files sit in the top directory, beside the fan-out directories: same filesystem, so rename is atomic. */
const TEMP_PREFIX = '.tmp-';
const FAN_OUT = /^[0-9a-f]{2}$/;

/**
 * The blob store of a single node: a directory on local disk.
 *
 * Layout: `<dir>/<first two hex digits>/<sha256>` per blob (two-level fan-out keeps directories small),
 * and `<dir>/.tmp-<uuid>` for a put in progress. A put streams into its temp file while hashing and
 * counting, fsyncs it, renames it to its final name and fsyncs that directory, so a blob that `put` answered
 * for survives a crash and a blob is never seen half-written. Renaming over an existing blob replaces it
 * with the same bytes, which makes concurrent puts of one content safe without a lock.
 */
export class LocalBlobStore implements BlobStore {
  private closed = false;

  private constructor(private readonly dir: string) {}

  static async open(options: LocalBlobStoreOptions): Promise<LocalBlobStore> {
    await mkdir(options.dir, { recursive: true });
    const staleBefore = Date.now() - (options.staleTempMs ?? 60 * 60 * 1000);
    for (const name of await readdir(options.dir)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const path = join(options.dir, name);
      const stats = await stat(path).catch(() => undefined);
      if (stats && stats.mtimeMs < staleBefore) await rm(path, { force: true });
    }
    return new LocalBlobStore(options.dir);
  }

  async put(
    body: AsyncIterable<Uint8Array>,
    options: { maxBytes: number },
  ): Promise<{ sha256: string; size: number }> {
    this.assertOpen();
    assertMaxBytes(options.maxBytes);
    const temp = join(this.dir, `${TEMP_PREFIX}${randomUUID()}`);
    const file = await open(temp, 'wx');
    let fileOpen = true;
    try {
      const hash = createHash('sha256');
      let size = 0;
      // Leaving this loop by a throw calls the body's `return`: the sender stops being read at once.
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > options.maxBytes)
          throw new ParleyError('payload_too_large', `The blob is larger than ${options.maxBytes} bytes.`);
        hash.update(chunk);
        await writeAll(file, chunk);
      }
      if (size === 0) throw new ParleyError('bad_request', 'A blob cannot be empty.');
      await file.sync();
      fileOpen = false;
      await file.close();
      const sha256 = hash.digest('hex');
      const fanOut = join(this.dir, sha256.slice(0, 2));
      // mkdir answers the directory it created, if any: then the top directory has a new entry to sync.
      if ((await mkdir(fanOut, { recursive: true })) !== undefined) await syncDirectory(this.dir);
      await rename(temp, join(fanOut, sha256));
      await syncDirectory(fanOut);
      return { sha256, size };
    } catch (error) {
      if (fileOpen) await file.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(
    sha256: string,
    range?: { start: number; end: number },
  ): Promise<{ body: AsyncIterable<Uint8Array>; size: number } | undefined> {
    this.assertOpen();
    assertSha256(sha256);
    assertBlobRange(range);
    // Open first, then stat the open file: a delete in between cannot make the size and the bytes disagree.
    const file = await open(this.pathOf(sha256), 'r').catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (file === undefined) return undefined;
    try {
      const { size } = await file.stat();
      if (range && range.start >= size)
        throw new ParleyError(
          'bad_request',
          `The range starts at ${range.start}, past the blob's ${size} bytes.`,
        );
      // The stream closes the file when it ends or is destroyed (a reader that breaks out of the loop).
      const body = file.createReadStream(
        range ? { start: range.start, end: Math.min(range.end, size - 1) } : {},
      );
      return { body, size };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async size(sha256: string): Promise<number | undefined> {
    this.assertOpen();
    assertSha256(sha256);
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    this.assertOpen();
    assertSha256(sha256);
    await unlink(this.pathOf(sha256)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  async *list(): AsyncIterable<string> {
    this.assertOpen();
    for (const fanOut of await readdir(this.dir)) {
      if (!FAN_OUT.test(fanOut)) continue;
      const names = await readdir(join(this.dir, fanOut)).catch((error: unknown) => {
        if (isNotFound(error)) return [];
        throw error;
      });
      for (const name of names) if (isSha256(name) && name.startsWith(fanOut)) yield name;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  private assertOpen(): void {
    if (this.closed) throw new ParleyError('unavailable', 'The blob store is closed.');
  }
}
