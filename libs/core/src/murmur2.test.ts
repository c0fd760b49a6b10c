import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey } from './murmur2.js';

test("murmur2 matches Kafka's Utils.murmur2 test vectors", () => {
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, expected] of vectors) assert.equal(murmur2(Buffer.from(key)), expected, key);
});

test('partitionForKey is stable and in range', () => {
  for (const key of ['a', 'c:g.01HZ', 'u:alice', '']) {
    const p = partitionForKey(key, 7);
    assert.ok(p >= 0 && p < 7);
    assert.equal(partitionForKey(key, 7), p);
  }
});
