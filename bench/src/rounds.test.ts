import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, summarize } from './rounds.js';

test('median: odd and even counts, unsorted input', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('summarize: median, min and max of each numeric leaf present in every round', () => {
  const s = summarize([
    { loadAverage: [1, 2, 3], parley: { latencyMs: { p99: 30 }, cpu: 50 }, only: 1 },
    { loadAverage: [1, 2, 3], parley: { latencyMs: { p99: 10 }, cpu: 70 } },
    { loadAverage: [1, 2, 3], parley: { latencyMs: { p99: 20 }, cpu: 60 }, name: 'x' },
  ]);
  assert.deepEqual(s['parley.latencyMs.p99'], { median: 20, min: 10, max: 30 });
  assert.deepEqual(s['parley.cpu'], { median: 60, min: 50, max: 70 });
  assert.equal(s['only'], undefined, 'a figure missing from a round has no median');
  assert.equal(s['loadAverage'], undefined, 'lists are not figures');
});
