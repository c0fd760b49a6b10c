import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopTally, spread } from './log-ceiling.js';

test('spread: median (mean of the middle two when even), min and max; undefined values left out', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
  assert.deepEqual(spread([4, 1, undefined, 2, 3]), { median: 2.5, min: 1, max: 4 });
  assert.equal(spread([]), undefined);
});

test('LoopTally: latency of first sightings, duplicates, and acknowledged ids never seen', () => {
  const t = new LoopTally();
  t.acked(5, [3]); // ids 0..4 sent, 3 not acknowledged
  assert.equal(t.ackedCount, 4);
  t.seen(0, 100, 110);
  t.seen(1, 100, 130);
  t.seen(1, 100, 140); // a duplicate
  t.seen(3, 100, 150); // seen though its ack failed: not lost, counted
  assert.deepEqual(t.latencies, [10, 30, 50]);
  assert.equal(t.duplicates, 1);
  assert.equal(t.lost(), 2); // 2 and 4
  assert.equal(t.complete(), false);
  t.seen(2, 100, 160);
  t.seen(70_000, 100, 170); // beyond the initial array: it grows
  t.seen(4, 100, 180);
  assert.equal(t.lost(), 0);
  assert.equal(t.complete(), true);
  assert.equal(t.lastSeenAt, 180);
});
