import type { Attachment, AttachmentKind, UploadCompleted, UploadView } from '@parley/protocol';
import { ParleyClientError } from './http-api.js';
import type { ExchangeOptions } from './http-client.js';
import { enc } from './http-client.js';

/** An upload as the server holds it (GET /v1/uploads/{id}): how far it got, and the chunk size it takes. */
export type Upload = UploadView;
/** What completing an upload answers: the file as messages will describe it, and the ref to send it with. */
export type UploadResult = UploadCompleted;

/** The client's one way to reach the server (HttpClient.exchange), handed to the uploads API. */
export type Exchange = <T>(method: string, path: string, options?: ExchangeOptions) => Promise<T>;

/** How hard `upload` tries before it gives up on a chunk (or the completion) that keeps failing. */
export interface UploadRetry {
  /** Failed tries in a row (network errors, 5xx, 408, 429, offset mismatches) before it rejects. Default 6. */
  readonly attempts?: number;
  /** The wait after the first failure, doubled after each further one up to `maxDelayMs`. Default 500 ms. */
  readonly minDelayMs?: number;
  /** Default 10 s. */
  readonly maxDelayMs?: number;
}

export interface UploadOptions {
  readonly kind: AttachmentKind;
  /** The file's name as messages show it (1-255 characters). */
  readonly name: string;
  /** The media type the client believes it is: recorded, never trusted (the server reads the bytes). */
  readonly mime?: string;
  /** Whenever the bytes the server holds change (after each chunk it took): `sent` of `total`. Called first with where it starts. */
  readonly onProgress?: (sent: number, total: number) => void;
  /** Called once the upload exists on the server (made or resumed): keep `upload.id` to resume it later. */
  readonly onUpload?: (upload: Upload) => void;
  /** Stops the upload: `upload` rejects with `aborted` (its details name the upload); `cancel` deletes it. */
  readonly signal?: AbortSignal;
  /** Goes on with this earlier upload of the same bytes (after a reload) from where the server is. */
  readonly resume?: string;
  readonly retry?: UploadRetry;
}

/**
 * Uploading files for the attachment kinds (docs/openapi.yaml, tag "uploads"), as `client.uploads`:
 * `upload` makes an upload (POST /v1/uploads), sends the bytes in chunks of the server's `chunkBytes`
 * (PUT /v1/uploads/{id}?offset=N), then completes it (POST .../complete) into an attachment and a `ref`
 * that a message of that kind sends as its body: `send(id, '[Image] cat.png', { kind: 'image', body: {
 * attachment: ref } })`.
 *
 * The server's `offset` is the truth: after a network failure or a 5xx the upload asks the server where it
 * is (GET /v1/uploads/{id}), and a 409 `offset_mismatch` (another try of the same chunk got there first)
 * names it; it goes on from there, so no byte is sent twice into the file and none is skipped. Failures in
 * a row are tried again a bounded number of times (`UploadOptions.retry`), with a growing wait. Browser-safe: a Blob is read slice by slice
 * (Blob.slice), never whole.
 */
export class UploadsApi {
  /** The attachment of each ref this client completed lately, newest last (see `attachmentFor`). */
  private readonly completed = new Map<string, Attachment>();

  constructor(private readonly exchange: Exchange) {}

  /**
   * The file a ref this client completed names (the last 200). The client's own message echo uses it: the
   * server puts the file's description in place of the ref, so our copy of the message does too.
   */
  attachmentFor(ref: string): Attachment | undefined {
    return this.completed.get(ref);
  }

  /** Uploads `data` and completes it; rejects with the server's code (`payload_too_large`, `quota_exceeded`, `type_mismatch`, ...). */
  async upload(data: Blob | Uint8Array, options: UploadOptions): Promise<UploadResult> {
    const total = data instanceof Uint8Array ? data.byteLength : data.size;
    const { signal } = options;
    const withSignal = signal ? { signal } : {};
    const stopped = (upload: string | undefined) => new ParleyClientError('aborted', 'The upload was stopped', undefined, upload ? { upload } : undefined);
    if (signal?.aborted) throw stopped(options.resume);
    // Making the upload is not tried again: a lost answer would leave a second upload counted against the quota.
    const body = { kind: options.kind, name: options.name, size: total, ...(options.mime ? { mime: options.mime } : {}) };
    let up: Upload | undefined = options.resume
      ? undefined
      : await this.exchange<Upload>('POST', '/v1/uploads', { json: body, ...withSignal }).catch((e: unknown) => {
          throw signal?.aborted ? stopped(undefined) : e;
        });
    const id = up?.id ?? options.resume!;
    let announced = false;
    let reported = -1;
    const report = (sent: number) => {
      if (sent !== reported) options.onProgress?.((reported = sent), total);
    };
    const retry = new Backoff(options.retry, signal);
    // `up` is the upload as the server last said it is; undefined: ask it again before going on.
    for (;;) {
      if (signal?.aborted) throw stopped(id);
      try {
        if (!up) up = await this.status(id, signal);
        if (!announced) {
          if (up.size !== total || up.kind !== options.kind)
            throw new ParleyClientError('bad_request', `Upload ${id} is for ${up.size} bytes of kind ${up.kind}, not these ${total} bytes of kind ${options.kind}`);
          announced = true;
          options.onUpload?.(up);
        }
        report(up.offset);
        if (up.complete || up.offset >= total) return this.remember(await this.exchange<UploadResult>('POST', `/v1/uploads/${enc(id)}/complete`, withSignal));
        const end = Math.min(total, up.offset + up.chunkBytes);
        const chunk = data instanceof Uint8Array ? data.subarray(up.offset, end) : data.slice(up.offset, end);
        const before = up.offset;
        up = await this.exchange<Upload>('PUT', `/v1/uploads/${enc(id)}?offset=${before}`, { bytes: chunk, ...withSignal });
        if (up.offset > before) retry.reset();
        report(up.offset);
      } catch (error) {
        if (signal?.aborted) throw stopped(id);
        const offset = error instanceof ParleyClientError && error.code === 'offset_mismatch' ? error.details?.['offset'] : undefined;
        if (up && typeof offset === 'number') {
          // Another try of this chunk got there first: the server says where to go on; no need to wait.
          up = { ...up, offset };
          if (retry.count()) continue;
        } else if (retryable(error) || (error instanceof ParleyClientError && (error.code === 'offset_mismatch' || error.code === 'upload_incomplete'))) {
          up = undefined;
          if (await retry.wait()) continue;
        }
        throw error;
      }
    }
  }

  private remember(result: UploadResult): UploadResult {
    this.completed.set(result.ref, result.attachment);
    for (const ref of this.completed.keys()) {
      if (this.completed.size <= MAX_REMEMBERED) break;
      this.completed.delete(ref);
    }
    return result;
  }

  /** Where an upload of the caller's stands (`not_found` when it is gone, or not theirs). */
  status(id: string, signal?: AbortSignal): Promise<Upload> {
    return this.exchange<Upload>('GET', `/v1/uploads/${enc(id)}`, signal ? { signal } : {});
  }

  /** Deletes an unfinished upload, or a completed one no message has used yet. */
  cancel(id: string): Promise<void> {
    return this.exchange('DELETE', `/v1/uploads/${enc(id)}`).then(() => undefined);
  }
}

const MAX_REMEMBERED = 200;

/** A failure worth another try: no answer at all (fetch's TypeError), or the server busy or failing. */
function retryable(error: unknown): boolean {
  if (error instanceof ParleyClientError) return error.status !== undefined && (error.status >= 500 || error.status === 408 || error.status === 429);
  return error instanceof TypeError;
}

/** Failures in a row, with an exponential wait between tries that an abort cuts short. */
class Backoff {
  private failures = 0;
  private readonly attempts: number;
  private readonly min: number;
  private readonly max: number;

  constructor(
    options: UploadRetry | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.attempts = options?.attempts ?? 6;
    this.min = options?.minDelayMs ?? 500;
    this.max = options?.maxDelayMs ?? 10_000;
  }

  reset(): void {
    this.failures = 0;
  }

  /** Counts a failure; false when the tries are used up. */
  count(): boolean {
    return ++this.failures < this.attempts;
  }

  /** Counts a failure and waits before the next try; false when the tries are used up (or it was aborted meanwhile). */
  async wait(): Promise<boolean> {
    if (!this.count()) return false;
    const delay = Math.min(this.max, this.min * 2 ** (this.failures - 1)) * (0.75 + Math.random() / 4);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      this.signal?.addEventListener('abort', done);
    });
    return !this.signal?.aborted;
  }
}
