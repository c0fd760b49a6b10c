import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaInfo } from './media-info.js';
import { chunks, mp4, wav } from './test-media.js';

test('mediaInfo: a WAV built by hand says its duration', async () => {
  const bytes = wav(1500);
  assert.deepEqual(await mediaInfo(chunks(bytes, 4096), 'audio/wav', bytes.byteLength), { durationMs: 1500 });
  const short = wav(250, 16000);
  assert.deepEqual(await mediaInfo(short, 'audio/wav', short.byteLength), { durationMs: 250 });
});

test('mediaInfo: a minimal MP4 says its duration and size (mvhd, tkhd)', async () => {
  const bytes = mp4({ durationMs: 2500, width: 640, height: 360 });
  assert.deepEqual(await mediaInfo(chunks(bytes, 100), 'video/mp4', bytes.byteLength), { durationMs: 2500, width: 640, height: 360 });
});

test('mediaInfo: an MP4 turned a quarter (phone held upright) is as displayed', async () => {
  const bytes = mp4({ durationMs: 1000, width: 1920, height: 1080, rotated: true });
  assert.deepEqual(await mediaInfo(bytes, 'video/mp4', bytes.byteLength), { durationMs: 1000, width: 1080, height: 1920 });
});

test('mediaInfo: moov after a large mdat (64-bit size), in small chunks, is found', async () => {
  const bytes = mp4({ durationMs: 61_000, width: 320, height: 240, moovLast: true, mdatBytes: 300_000, largeMdat: true });
  assert.deepEqual(await mediaInfo(chunks(bytes, 7), 'video/mp4', bytes.byteLength), { durationMs: 61_000, width: 320, height: 240 });
});

test('mediaInfo: bytes that do not parse answer nothing, not an error', async () => {
  const junk = new Uint8Array(5000).fill(0x5a);
  assert.deepEqual(await mediaInfo(junk, 'audio/mpeg', junk.byteLength), {});
  assert.deepEqual(await mediaInfo(junk, 'video/mp4', junk.byteLength), {});
});

test('mediaInfo reads no further than size, and releases the body', async () => {
  const bytes = wav(500);
  let read = 0;
  let released = false;
  async function* endless() {
    try {
      for (;;) {
        for await (const c of chunks(bytes, 1024)) {
          read += c.byteLength;
          yield c;
        }
      }
    } finally {
      released = true;
    }
  }
  assert.deepEqual(await mediaInfo(endless(), 'audio/wav', bytes.byteLength), { durationMs: 500 });
  assert.ok(read <= bytes.byteLength + 1024, `read ${read} of ${bytes.byteLength}`);
  assert.ok(released, 'the body was released');
});

test('mediaInfo: a body that stalls answers at the timeout with what was found', async () => {
  const head = mp4({ durationMs: 1000, width: 64, height: 64 }).subarray(0, 20);
  const stalled: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      let sent = false;
      return {
        next: () => (sent ? new Promise<IteratorResult<Uint8Array>>(() => undefined) : ((sent = true), Promise.resolve({ value: head, done: false }))),
      };
    },
  };
  const started = Date.now();
  assert.deepEqual(await mediaInfo(stalled, 'video/mp4', 10_000, { timeoutMs: 200 }), {});
  assert.ok(Date.now() - started < 5000);
});
