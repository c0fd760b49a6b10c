import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpFrameDecoder, encodeTcpFrame } from './tcp-framing.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test('the wire form is a 4-byte big-endian length, then the UTF-8 JSON', () => {
  assert.deepEqual([...encodeTcpFrame('{"type":"ping"}')], [0, 0, 0, 15, ...new TextEncoder().encode('{"type":"ping"}')]);
  assert.deepEqual([...encodeTcpFrame('é').subarray(0, 4)], [0, 0, 0, 2], 'the length counts bytes, not characters');
});

test('frames split at every byte boundary, or coalesced, decode to the same frames', () => {
  const frames = ['{"type":"ping"}', '{"type":"send","content":"😀 中文"}', JSON.stringify({ type: 'x', pad: 'y'.repeat(300) })];
  const stream = Buffer.concat(frames.map((f) => encodeTcpFrame(f)));
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new TcpFrameDecoder(1000);
    const got = [...d.push(stream.subarray(0, cut)).frames, ...d.push(stream.subarray(cut)).frames].map(text);
    assert.deepEqual(got, frames, `cut at ${cut}`);
    assert.equal(d.pendingBytes, 0);
  }
  const d = new TcpFrameDecoder(1000);
  const oneByOne = [...stream].flatMap((b) => d.push(Uint8Array.of(b)).frames).map(text);
  assert.deepEqual(oneByOne, frames, 'one byte per read');
});

test('a partial frame waits; a zero or oversized length breaks the stream for good', () => {
  const d = new TcpFrameDecoder(100);
  const f = encodeTcpFrame('{"type":"ping"}');
  assert.deepEqual(d.push(f.subarray(0, 10)).frames, []);
  assert.equal(d.pendingBytes, 10);
  assert.deepEqual(d.push(f.subarray(10)).frames.map(text), ['{"type":"ping"}']);

  const big = new TcpFrameDecoder(100);
  assert.deepEqual(big.push(Uint8Array.of(0, 0, 0, 101)).error, { kind: 'frame_too_large', length: 101 });
  assert.deepEqual(big.push(encodeTcpFrame('{}')).error, { kind: 'frame_too_large', length: 101 }, 'nothing after the break is decoded');
  const huge = new TcpFrameDecoder(100);
  assert.deepEqual(huge.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff)).error, { kind: 'frame_too_large', length: 0xffffffff });

  const empty = new TcpFrameDecoder(100);
  const r = empty.push(Buffer.concat([encodeTcpFrame('{"a":1}'), Buffer.from([0, 0, 0, 0])]));
  assert.deepEqual(r.frames.map(text), ['{"a":1}'], 'frames before the break are still returned');
  assert.deepEqual(r.error, { kind: 'empty_frame' });
});
