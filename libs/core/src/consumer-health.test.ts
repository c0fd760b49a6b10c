import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerHealth, healthBody, healthReport, readHealthBounds } from './consumer-health.js';

const bounds = { stuckMs: 30_000, maxLag: 100 };

test('a partition retrying one offset past the bound is stuck; a success clears it; quarantines keep it ready', async () => {
  let now = 1_000_000;
  const health = new ConsumerHealth('projector', () => now);
  health.started('t', 0, 5);
  health.failed('t', 0, 5, new Error('connection refused'));
  now += 29_000;
  health.failed('t', 0, 5, new Error('connection refused'));
  assert.equal(healthReport([health], bounds, now).healthy, true, 'under the bound');
  now += 2000;
  const stuck = healthReport([health], bounds, now);
  assert.equal(stuck.healthy, false);
  assert.deepEqual(
    stuck.problems.map((p) => [p.consumer, p.partition, p.reason, p.offset]),
    [['projector', 0, 'stuck', 5]],
  );
  assert.match(stuck.problems[0]!.detail, /retrying offset 5 for 31 s \(2 failures\): connection refused/);
  health.succeeded('t', 0, 6);
  health.quarantined({ consumer: 'projector', topic: 't', partition: 0, offset: 6, key: 'g.1', error: 'invalid byte sequence', at: now });
  const ok = healthReport([health], bounds, now + 60_000);
  assert.equal(ok.healthy, true);
  assert.deepEqual(healthBody(ok).quarantined.map((q) => [q.partition, q.count, q.last?.offset]), [[0, 1, 6]]);
  assert.equal(healthBody(ok).status, 'ok');
});

test('a failure at a new offset restarts the clock; a batch in flight too long is stuck; lag past the bound is reported', async () => {
  let now = 0;
  const health = new ConsumerHealth('fanout', () => now);
  health.failed('t', 1, 3, 'x');
  now = 20_000;
  health.failed('t', 1, 4, 'y');
  now = 40_000;
  assert.equal(healthReport([health], bounds, now).healthy, true);
  health.succeeded('t', 1, 5);
  health.started('t', 1, 5);
  now = 71_000;
  assert.deepEqual(healthReport([health], bounds, now).problems.map((p) => p.reason), ['stuck']);
  health.succeeded('t', 1, 10);
  await health.sampleLag({ endOffset: async () => 500 }, [{ topic: 't', partition: 1 }]);
  const lagging = healthReport([health], bounds, now);
  assert.deepEqual(lagging.problems.map((p) => [p.reason, p.offset, p.detail]), [['lagging', 10, '490 records behind (bound 100)']]);
  await health.sampleLag({ endOffset: async () => 500 }, []);
  assert.equal(healthReport([health], bounds, now).healthy, true, 'a partition no longer held is forgotten');
});

test('the bounds are read from the environment and validated', () => {
  assert.deepEqual(readHealthBounds({}), { stuckMs: 30_000, maxLag: 100_000 });
  assert.deepEqual(readHealthBounds({ PARLEY_HEALTH_STUCK_MS: '5000', PARLEY_HEALTH_MAX_LAG: '10' }), { stuckMs: 5000, maxLag: 10 });
  assert.throws(() => readHealthBounds({ PARLEY_HEALTH_STUCK_MS: '10' }), /PARLEY_HEALTH_STUCK_MS must be between 1000/);
});

test('a partition whose state is being rebuilt is unready (recovering) at once, until it is rebuilt', () => {
  let now = 1_000;
  const health = new ConsumerHealth('parley-ingest', () => now);
  const bounds = { stuckMs: 30_000, maxLag: 100 };
  health.rebuilding('parley.commands', 2);
  now += 2_000;
  const report = healthReport([health], bounds, now);
  assert.equal(report.healthy, false);
  assert.deepEqual(report.problems, [{ consumer: 'parley-ingest', topic: 'parley.commands', partition: 2, reason: 'recovering', offset: undefined, detail: 'rebuilding its state from the log for 2 s' }]);
  health.recovered('parley.commands', 2);
  assert.equal(healthReport([health], bounds, now).healthy, true);
});

test('a recovery notice is reported with its count and the newest, and keeps the app ready', () => {
  let now = 5000;
  const health = new ConsumerHealth('parley-fanout', () => now);
  health.notice('parley.events', 2, 'snapshot fanout.parley.events.2 not used, folding the partition from the log: checksum mismatch');
  now = 6000;
  health.notice('parley.events', 2, 'snapshot fanout.parley.events.2 not written: ENOSPC: no space left on device');
  const report = healthReport([health], bounds, now);
  assert.equal(report.healthy, true);
  assert.deepEqual(healthBody(report).notices, [
    { consumer: 'parley-fanout', topic: 'parley.events', partition: 2, count: 2, last: { detail: 'snapshot fanout.parley.events.2 not written: ENOSPC: no space left on device', at: 6000 } },
  ]);
});
