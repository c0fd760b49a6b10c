import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pooledRandom } from './random-bytes.js';

test('pooledRandom: bytes / 256 in [0, 1), fresh randomness past the end of a pool, every value reachable', () => {
  const random = pooledRandom(64);
  const values = Array.from({ length: 64 * 200 }, random);
  assert.ok(values.every((v) => v >= 0 && v < 1 && Number.isInteger(v * 256)));
  assert.equal(new Set(values.map((v) => v * 256)).size, 256, 'every byte value shows up in 12,800 draws');
  const pools = Array.from({ length: 200 }, (_, i) => values.slice(i * 64, (i + 1) * 64).join());
  assert.equal(new Set(pools).size, 200, 'each pool is refilled, not repeated');
});
