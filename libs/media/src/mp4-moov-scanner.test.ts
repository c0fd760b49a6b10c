import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mp4MoovScanner, MAX_MOOV_BYTES } from './mp4-moov-scanner.js';
import { box, mp4 } from './test-media.js';

const scan = (bytes: Uint8Array, step: number) => {
  const s = new Mp4MoovScanner();
  for (let at = 0; at < bytes.byteLength && !s.done; at += step) s.push(bytes.subarray(at, at + step));
  s.end();
  return s.findings;
};

test('Mp4MoovScanner finds the same in any chunking, moov first or last', () => {
  for (const moovLast of [false, true]) {
    const bytes = mp4({ durationMs: 12_345, width: 1280, height: 720, moovLast, mdatBytes: 5000 });
    for (const step of [1, 3, 8, 16, 17, 1000, bytes.byteLength]) {
      assert.deepEqual(scan(bytes, step), { durationMs: 12_345, width: 1280, height: 720 }, `moovLast ${moovLast}, step ${step}`);
    }
  }
});

test('Mp4MoovScanner is done once moov is read: what follows is not looked at', () => {
  const s = new Mp4MoovScanner();
  s.push(mp4({ durationMs: 1000, width: 2, height: 2 }));
  assert.equal(s.done, true);
});

test('Mp4MoovScanner: no moov, a box that lies about its size, or a moov too large find nothing', () => {
  assert.equal(scan(box('ftyp', new Uint8Array(8)), 4), undefined);
  const lying = new Uint8Array(16);
  new DataView(lying.buffer).setUint32(0, 4); // smaller than its own header
  assert.equal(scan(lying, 16), undefined);
  const huge = new Uint8Array(8);
  new DataView(huge.buffer).setUint32(0, MAX_MOOV_BYTES + 9);
  huge.set(new TextEncoder().encode('moov'), 4);
  const s = new Mp4MoovScanner();
  s.push(huge);
  assert.equal(s.done, true);
  assert.equal(s.findings, undefined);
});

test('Mp4MoovScanner: a track that is not video gives no size, the movie still its duration', () => {
  const bytes = mp4({ durationMs: 3000, width: 10, height: 10 });
  const at = Buffer.from(bytes).indexOf('vide');
  bytes.set(new TextEncoder().encode('soun'), at);
  assert.deepEqual(scan(bytes, 64), { durationMs: 3000 });
});
