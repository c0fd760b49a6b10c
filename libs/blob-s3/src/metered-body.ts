import { createHash } from 'node:crypto';
import { ParleyError } from '@parley/core';

/**
 * A body read through a meter: counts and hashes the bytes as they pass, and throws
 * ParleyError('payload_too_large') the moment they pass `maxBytes`, and then calls the source's `return`:
 * nothing more is read from the sender. `failure` keeps what stopped the reading
 * (the refusal, or the source's own error), which the S3 client may report wrapped or not at all.
 */
export class MeteredBody {
  size = 0;
  failure: unknown;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly maxBytes: number,
  ) {}

  async *chunks(): AsyncGenerator<Uint8Array> {
    const source = this.source[Symbol.asyncIterator]();
    try {
      for (;;) {
        // Only the source and the meter set `failure`: an error thrown into this generator by whoever reads
        // it (a Readable destroyed because the upload failed) is theirs to report.
        let step: IteratorResult<Uint8Array>;
        try {
          step = await source.next();
        } catch (error) {
          this.failure = error;
          throw error;
        }
        if (step.done) return;
        const chunk = step.value;
        if (chunk.byteLength === 0) continue;
        this.size += chunk.byteLength;
        if (this.size > this.maxBytes) {
          this.failure = new ParleyError(
            'payload_too_large',
            `The blob is larger than ${this.maxBytes} bytes.`,
          );
          throw this.failure;
        }
        this.hash.update(chunk);
        yield chunk;
      }
    } finally {
      // However this ends, the sender is not read any further.
      await source.return?.();
    }
  }

  /** The SHA-256 (hex) of everything read; once only, after the last chunk. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}

/** `first`, then the rest of `rest`; returning early returns `rest` too (so its source is released). */
export async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  let delegated = false;
  try {
    yield first;
    delegated = true;
    // yield* forwards an early return to `rest` itself.
    yield* { [Symbol.asyncIterator]: () => rest };
  } finally {
    if (!delegated) await rest.return?.();
  }
}
