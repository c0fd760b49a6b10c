import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from './byte-range.js';

test('parseRange: the three single-range forms, clamped to the size', () => {
  assert.equal(parseRange(undefined, 100), undefined);
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-200', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=50-', 100), { start: 50, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-500', 100), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=99-99', 100), { start: 99, end: 99 });
  // The unit in any case, whitespace around the numbers.
  assert.deepEqual(parseRange('BYTES=0-1', 100), { start: 0, end: 1 });
  assert.deepEqual(parseRange('bytes= 0-1', 100), { start: 0, end: 1 });
  assert.deepEqual(parseRange('bytes=0 - 1 ', 100), { start: 0, end: 1 });
});

test('parseRange: malformed, multiple, reversed, past the end and -0 are unsatisfiable', () => {
  for (const header of ['bytes=100-', 'bytes=100-200', 'bytes=5-4', 'bytes=-0', 'bytes=-', 'bytes=0-1,5-6', 'items=0-1', 'bytes=a-b', 'bytes= 1-2x', '']) {
    assert.equal(parseRange(header, 100), 'unsatisfiable', header);
  }
});
