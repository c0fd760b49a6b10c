import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { BlobStore } from '../ports/blob-store.js';
import { isParleyError, type ErrorCode } from '../parley-error.js';

/**
 * What every BlobStore adapter must do, written once and run against each (local directory, S3).
 * `open` gives a store over fresh, empty storage; `reopen` closes it and opens another over the same
 * storage, as a restarted process would; `leftovers` names whatever the adapter keeps besides stored
 * blobs (temp files, temp keys, unfinished multipart uploads), which must be nothing once puts settled.
 */
export interface BlobStoreHarness {
  open(): Promise<{
    store: BlobStore;
    reopen(): Promise<BlobStore>;
    leftovers(): Promise<string[]>;
    cleanup(): Promise<void>;
  }>;
}

const MiB = 1024 * 1024;

/** `size` deterministic pseudo-random bytes (xorshift32 from `seed`): incompressible, and cheap to make. */
function generatedBytes(seed: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Yields copies of `bytes` in chunks whose sizes cycle through `chunkSizes` (odd sizes on purpose). */
async function* chunked(
  bytes: Uint8Array,
  chunkSizes: readonly number[] = [65_537, 1, 13, 100_003, 4_099],
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const n = chunkSizes[i % chunkSizes.length]!;
    yield Uint8Array.from(bytes.subarray(offset, offset + n));
    offset += n;
  }
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

async function listed(store: BlobStore): Promise<string[]> {
  const all: string[] = [];
  for await (const sha of store.list()) all.push(sha);
  return all.sort();
}

const rejectsWith = (promise: Promise<unknown>, code: ErrorCode): Promise<void> =>
  assert.rejects(promise, (error) => {
    assert.ok(isParleyError(error, code), `expected ParleyError ${code}, got ${String(error)}`);
    return true;
  });

/**
 * A body far larger than `limit`, in `chunk`-byte chunks, that fails the test (by throwing something other
 * than a ParleyError) if it is asked for more than `limit + chunk` bytes: a store must stop reading once
 * the limit is passed, not read on and complain after.
 */
function endless(limit: number, chunk: number) {
  const state = { produced: 0, released: false };
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        if (state.produced >= limit + chunk)
          throw new Error(
            `the store read past the limit: ${state.produced} bytes were asked for, limit ${limit}`,
          );
        state.produced += chunk;
        yield new Uint8Array(chunk).fill(0x5a);
      }
    } finally {
      state.released = true;
    }
  }
  return { body: body(), state };
}

export function blobStoreConformance(adapter: string, harness: BlobStoreHarness): void {
  describe(`BlobStore conformance: ${adapter}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    const fresh = async () => {
      const h = await harness.open();
      cleanups.push(h.cleanup);
      return h;
    };

    it('stores a small body and gives it back whole, named by its SHA-256', async () => {
      const { store, leftovers } = await fresh();
      const bytes = Buffer.from('hello, Parley ✓');
      const stored = await store.put(chunked(bytes, [3, 1, 5]), { maxBytes: 1000 });
      assert.deepEqual(stored, { sha256: sha256(bytes), size: bytes.length });
      assert.equal(await store.size(stored.sha256), bytes.length);
      const got = await store.get(stored.sha256);
      assert.equal(got?.size, bytes.length);
      assert.deepEqual(await readAll(got!.body), bytes);
      assert.deepEqual(await listed(store), [stored.sha256]);
      assert.deepEqual(await leftovers(), []);
    });

    it('streams a multi-MB body in odd chunk sizes both ways', async () => {
      const { store, leftovers } = await fresh();
      const bytes = generatedBytes(1, 11 * MiB + 12_345);
      const stored = await store.put(chunked(bytes), { maxBytes: 12 * MiB });
      assert.deepEqual(stored, { sha256: sha256(bytes), size: bytes.length });
      const got = await store.get(stored.sha256);
      assert.equal(got?.size, bytes.length);
      const back = await readAll(got!.body);
      assert.equal(back.length, bytes.length);
      assert.equal(sha256(back), stored.sha256);
      // A range across the 5 MiB mark (a multipart part boundary on S3).
      const mid = await store.get(stored.sha256, { start: 5 * MiB - 100, end: 5 * MiB + 99 });
      assert.deepEqual(await readAll(mid!.body), bytes.subarray(5 * MiB - 100, 5 * MiB + 100));
      assert.deepEqual(await leftovers(), []);
    });

    it('accepts a body of exactly maxBytes', async () => {
      const { store } = await fresh();
      const bytes = generatedBytes(2, 4096);
      assert.deepEqual(await store.put(chunked(bytes, [1000]), { maxBytes: 4096 }), {
        sha256: sha256(bytes),
        size: 4096,
      });
    });

    it('stores the same content once, answering the same each time', async () => {
      const { store, leftovers } = await fresh();
      const bytes = generatedBytes(3, 300_000);
      const first = await store.put(chunked(bytes, [7_001]), { maxBytes: MiB });
      const second = await store.put(chunked(bytes, [99_999, 3]), { maxBytes: MiB });
      assert.deepEqual(second, first);
      assert.deepEqual(await listed(store), [first.sha256]);
      assert.deepEqual(await readAll((await store.get(first.sha256))!.body), bytes);
      assert.deepEqual(await leftovers(), []);
    });

    it('stores concurrent puts of the same content once, intact', async () => {
      const { store, leftovers } = await fresh();
      const bytes = generatedBytes(4, 2 * MiB + 17);
      const answers = await Promise.all(
        [[65_536], [1_000_003, 5], [333_333], [4_097, 70_001]].map((sizes) =>
          store.put(chunked(bytes, sizes), { maxBytes: 3 * MiB }),
        ),
      );
      for (const a of answers) assert.deepEqual(a, { sha256: sha256(bytes), size: bytes.length });
      assert.deepEqual(await listed(store), [sha256(bytes)]);
      assert.equal(sha256(await readAll((await store.get(sha256(bytes)))!.body)), sha256(bytes));
      assert.deepEqual(await leftovers(), []);
    });

    it('refuses an empty body (no chunks, or only empty ones) and stores nothing', async () => {
      const { store, leftovers } = await fresh();
      async function* none(): AsyncGenerator<Uint8Array> {
        return;
      }
      async function* empties(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(0);
        yield new Uint8Array(0);
      }
      await rejectsWith(store.put(none(), { maxBytes: 100 }), 'bad_request');
      await rejectsWith(store.put(empties(), { maxBytes: 100 }), 'bad_request');
      assert.deepEqual(await listed(store), []);
      assert.deepEqual(await leftovers(), []);
    });

    it('stops reading a body as soon as it passes maxBytes, refuses it, and leaves nothing behind', async () => {
      const { store, leftovers } = await fresh();
      // Small: the limit falls inside a chunk.
      const small = endless(1000, 64);
      await rejectsWith(store.put(small.body, { maxBytes: 1000 }), 'payload_too_large');
      assert.ok(small.state.produced <= 1000 + 64, `read ${small.state.produced} bytes`);
      assert.ok(small.state.released, 'the body was released (its iterator returned)');
      // Large: past several multipart parts on S3 (5 MiB each).
      const limit = 12 * MiB + 1;
      const large = endless(limit, 64 * 1024);
      await rejectsWith(store.put(large.body, { maxBytes: limit }), 'payload_too_large');
      assert.ok(large.state.produced <= limit + 64 * 1024, `read ${large.state.produced} bytes`);
      assert.ok(large.state.released, 'the body was released (its iterator returned)');
      assert.deepEqual(await listed(store), []);
      assert.deepEqual(await leftovers(), []);
    });

    it('rejects with the body’s own error when the body fails mid-way, and leaves nothing behind', async () => {
      const { store, leftovers } = await fresh();
      const cut = new Error('client went away');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield generatedBytes(5, 6 * MiB);
        throw cut;
      }
      await assert.rejects(
        store.put(failing(), { maxBytes: 10 * MiB }),
        (e) => e === cut || (e instanceof Error && e.cause === cut),
      );
      assert.deepEqual(await listed(store), []);
      assert.deepEqual(await leftovers(), []);
    });

    it('refuses a maxBytes that is not a positive integer', async () => {
      const { store } = await fresh();
      for (const maxBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
        await rejectsWith(store.put(chunked(Buffer.from('x')), { maxBytes }), 'bad_request');
    });

    it('serves inclusive byte ranges: start, middle, end, a clamped end; refuses a start past the end', async () => {
      const { store } = await fresh();
      const bytes = generatedBytes(6, 1000);
      const { sha256: id } = await store.put(chunked(bytes, [333]), { maxBytes: 1000 });
      const range = async (start: number, end: number) => {
        const got = await store.get(id, { start, end });
        assert.equal(got?.size, 1000, 'size is the whole blob');
        return readAll(got!.body);
      };
      assert.deepEqual(await range(0, 0), bytes.subarray(0, 1));
      assert.deepEqual(await range(0, 99), bytes.subarray(0, 100));
      assert.deepEqual(await range(400, 599), bytes.subarray(400, 600));
      assert.deepEqual(await range(900, 999), bytes.subarray(900));
      assert.deepEqual(await range(999, 999), bytes.subarray(999));
      assert.deepEqual(await range(950, 5000), bytes.subarray(950), 'clamped');
      assert.deepEqual(await range(0, Number.MAX_SAFE_INTEGER), bytes, 'clamped');
      await rejectsWith(store.get(id, { start: 1000, end: 1000 }), 'bad_request');
      await rejectsWith(store.get(id, { start: 5000, end: 6000 }), 'bad_request');
      for (const [start, end] of [
        [-1, 10],
        [10, 9],
        [0.5, 10],
        [0, Number.NaN],
      ] as const)
        await rejectsWith(store.get(id, { start, end }), 'bad_request');
    });

    it('answers undefined for an absent blob, and deleting one is fine', async () => {
      const { store } = await fresh();
      const absent = sha256(Buffer.from('never stored'));
      assert.equal(await store.get(absent), undefined);
      assert.equal(await store.get(absent, { start: 0, end: 10 }), undefined);
      assert.equal(await store.size(absent), undefined);
      await store.delete(absent);
    });

    it('deletes a blob, which can then be stored again', async () => {
      const { store } = await fresh();
      const bytes = generatedBytes(7, 5000);
      const keep = await store.put(chunked(generatedBytes(8, 10)), { maxBytes: 5000 });
      const { sha256: id } = await store.put(chunked(bytes), { maxBytes: 5000 });
      await store.delete(id);
      assert.equal(await store.get(id), undefined);
      assert.equal(await store.size(id), undefined);
      assert.deepEqual(await listed(store), [keep.sha256]);
      await store.delete(id);
      assert.deepEqual(await store.put(chunked(bytes), { maxBytes: 5000 }), { sha256: id, size: 5000 });
      assert.deepEqual(await readAll((await store.get(id))!.body), bytes);
    });

    it('lists every stored blob', async () => {
      const { store } = await fresh();
      assert.deepEqual(await listed(store), []);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++)
        ids.push((await store.put(chunked(generatedBytes(100 + i, 10 + i)), { maxBytes: 100 })).sha256);
      assert.deepEqual(await listed(store), ids.sort());
    });

    it('refuses sha256 arguments that are not 64 lowercase hex digits, so no path or key can be injected', async () => {
      const { store } = await fresh();
      const real = await store.put(chunked(Buffer.from('target')), { maxBytes: 100 });
      const bad = [
        '',
        'abc',
        real.sha256.toUpperCase(),
        real.sha256.slice(1),
        `${real.sha256}0`,
        `${real.sha256}\n`,
        ` ${real.sha256}`,
        `../${real.sha256.slice(3)}`,
        `${real.sha256.slice(0, 2)}/${real.sha256.slice(3)}`,
        `blobs/${real.sha256}`,
        '../../../../etc/passwd',
        'g'.repeat(64),
        '.'.repeat(64),
      ];
      for (const id of bad) {
        await rejectsWith(store.get(id), 'bad_request');
        await rejectsWith(store.get(id, { start: 0, end: 1 }), 'bad_request');
        await rejectsWith(store.size(id), 'bad_request');
        await rejectsWith(store.delete(id), 'bad_request');
      }
      assert.deepEqual(await listed(store), [real.sha256]);
    });

    it('keeps blobs across a restart', async () => {
      const { store, reopen } = await fresh();
      const bytes = generatedBytes(9, 70_000);
      const { sha256: id } = await store.put(chunked(bytes), { maxBytes: 100_000 });
      const again = await reopen();
      assert.deepEqual(await listed(again), [id]);
      assert.equal(await again.size(id), bytes.length);
      assert.deepEqual(await readAll((await again.get(id))!.body), bytes);
    });

    it('closes idempotently, and refuses work after', async () => {
      const { store } = await fresh();
      const { sha256: id } = await store.put(chunked(Buffer.from('x')), { maxBytes: 10 });
      await store.close();
      await store.close();
      await rejectsWith(store.put(chunked(Buffer.from('y')), { maxBytes: 10 }), 'unavailable');
      await rejectsWith(store.get(id), 'unavailable');
      await rejectsWith(store.size(id), 'unavailable');
      await rejectsWith(store.delete(id), 'unavailable');
    });
  });
}
