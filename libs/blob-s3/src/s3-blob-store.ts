import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  ParleyError,
  assertBlobRange,
  assertMaxBytes,
  assertSha256,
  isSha256,
  type BlobStore,
} from '@parley/core';
import { MeteredBody, prepend } from './metered-body.js';
import { s3Status, s3Unavailable } from './s3-errors.js';

export interface S3BlobStoreOptions {
  /** Built by `main.ts` (see createS3Client) and destroyed by it: `close` leaves it alone. */
  readonly client: S3Client;
  /** An existing bucket. */
  readonly bucket: string;
  /** Put before every key, e.g. `parley/` to share a bucket; '' by default. */
  readonly prefix?: string;
  /** Multipart part size, at least 5 MiB (S3's minimum, and the default). */
  readonly partSize?: number;
  /** Parts uploaded at once by one put; memory per put is about (queueSize + 1) * partSize. Default 2. */
  readonly queueSize?: number;
  /** Keys per ListObjectsV2 page (at most 1000, the default). */
  readonly listPageSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** The largest object one CopyObject copies. */
const MAX_COPY_BYTES = 5 * 1024 * 1024 * 1024;

/**
 * The blob store of the distributed mode: an S3-compatible object store.
 *
 * Keys: `<prefix>blobs/<sha256>` per blob, `<prefix>tmp/<uuid>` for a put in progress. The SHA-256 is
 * known only once the body has passed, so a put streams to a temp key (lib-storage's multipart Upload,
 * for a body of unknown length) while hashing and counting, then copies it to its final key (unless a blob
 * is there already: same name, same bytes) and deletes the temp key. A body over the limit throws out
 * of the upload's reader, and the Upload aborts its multipart upload. What a crash in the middle leaves
 * (a temp key, an unfinished multipart upload) is invisible to `list`; a bucket lifecycle rule expiring
 * `<prefix>tmp/` and aborting incomplete multipart uploads after a day sweeps it (to set up by whoever deploys it).
 *
 * Blobs are at most 5 GiB (one CopyObject): a larger maxBytes is a ParleyError('config').
 */
export class S3BlobStore implements BlobStore {
  private readonly options: Readonly<Required<S3BlobStoreOptions>>;
  private closed = false;

  constructor(options: S3BlobStoreOptions) {
    this.options = Object.freeze({
      prefix: '',
      partSize: MIN_PART_SIZE,
      queueSize: 2,
      listPageSize: 1000,
      ...options,
    });
    if (this.options.partSize < MIN_PART_SIZE)
      throw new ParleyError('config', `S3 parts are at least ${MIN_PART_SIZE} bytes.`);
  }

  async put(
    body: AsyncIterable<Uint8Array>,
    options: { maxBytes: number },
  ): Promise<{ sha256: string; size: number }> {
    this.assertOpen();
    assertMaxBytes(options.maxBytes);
    if (options.maxBytes > MAX_COPY_BYTES)
      throw new ParleyError('config', `The S3 blob store keeps blobs of at most ${MAX_COPY_BYTES} bytes.`);
    const metered = new MeteredBody(body, options.maxBytes);
    const chunks = metered.chunks();
    // Read the first bytes before touching the store: an empty body is refused with nothing to undo.
    const first = await chunks.next();
    if (first.done) throw new ParleyError('bad_request', 'A blob cannot be empty.');

    const { client, bucket } = this.options;
    const tempKey = `${this.options.prefix}tmp/${randomUUID()}`;
    const reader = Readable.from(prepend(first.value, chunks));
    try {
      await new Upload({
        client,
        params: { Bucket: bucket, Key: tempKey, Body: reader },
        partSize: this.options.partSize,
        queueSize: this.options.queueSize,
        leavePartsOnError: false,
      }).done();
      const sha256 = metered.sha256();
      const key = this.keyOf(sha256);
      if ((await this.head(key)) === undefined) {
        const copySource = `${bucket}/${tempKey}`.split('/').map(encodeURIComponent).join('/');
        await client.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: copySource }));
      }
      return { sha256, size: metered.size };
    } catch (error) {
      throw metered.failure ?? s3Unavailable('store a blob', error);
    } finally {
      reader.destroy();
      // Idempotent; the temp key is there only if the upload finished.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tempKey })).catch(() => undefined);
    }
  }

  async get(
    sha256: string,
    range?: { start: number; end: number },
  ): Promise<{ body: AsyncIterable<Uint8Array>; size: number } | undefined> {
    this.assertOpen();
    assertSha256(sha256);
    assertBlobRange(range);
    let out;
    try {
      out = await this.options.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.keyOf(sha256),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
    } catch (error) {
      if (s3Status(error) === 404) return undefined;
      if (s3Status(error) === 416 && range)
        throw new ParleyError('bad_request', `The range starts at ${range.start}, past the blob's end.`);
      throw s3Unavailable('read a blob', error);
    }
    // Node's SDK hands the body as a Readable (the HTTP response); whoever reads it must finish or destroy it.
    const body = out.Body as Readable;
    if (!range) return { body, size: out.ContentLength ?? 0 };
    // `bytes <start>-<end>/<size>`: the whole size is only here on a range response.
    const total = /^bytes \d+-\d+\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
    if (total === undefined) {
      body.destroy();
      throw new ParleyError(
        'internal',
        `The object store answered a range request without a usable Content-Range (${String(out.ContentRange)}).`,
      );
    }
    return { body, size: Number(total) };
  }

  async size(sha256: string): Promise<number | undefined> {
    this.assertOpen();
    assertSha256(sha256);
    return this.head(this.keyOf(sha256));
  }

  async delete(sha256: string): Promise<void> {
    this.assertOpen();
    assertSha256(sha256);
    try {
      await this.options.client.send(
        new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(sha256) }),
      );
    } catch (error) {
      if (s3Status(error) !== 404) throw s3Unavailable('delete a blob', error);
    }
  }

  async *list(): AsyncIterable<string> {
    this.assertOpen();
    const prefix = this.keyOf('');
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.options.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            MaxKeys: this.options.listPageSize,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
      } catch (error) {
        throw s3Unavailable('list blobs', error);
      }
      for (const { Key } of page.Contents ?? []) {
        const name = Key?.slice(prefix.length);
        if (isSha256(name)) yield name;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The object's size, or undefined if there is none. */
  private async head(key: string): Promise<number | undefined> {
    try {
      const out = await this.options.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      return out.ContentLength;
    } catch (error) {
      if (s3Status(error) === 404) return undefined;
      throw s3Unavailable('look up a blob', error);
    }
  }

  private keyOf(sha256: string): string {
    return `${this.options.prefix}blobs/${sha256}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new ParleyError('unavailable', 'The blob store is closed.');
  }
}
