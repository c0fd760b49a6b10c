import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerHealth, healthReport } from '@parley/core';
import { startOpsServer } from './ops-server.js';

test('/healthz: 503 starting, 200 ok with quarantined records listed, 503 naming the stuck consumer and partition', async () => {
  let ready = false;
  let now = 0;
  const health = new ConsumerHealth('parley-fanout', () => now);
  const ops = await startOpsServer({ port: 0, host: '127.0.0.1', ready: () => ready, health: () => healthReport([health], { stuckMs: 30_000, maxLag: 1000 }, now) });
  const get = async () => {
    const res = await fetch(`http://127.0.0.1:${ops.port}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  try {
    assert.deepEqual(await get(), { status: 503, body: { status: 'starting' } });
    ready = true;
    health.quarantined({ consumer: 'parley-fanout', topic: 'parley.events', partition: 2, offset: 9, key: 'g.1', error: 'undecodable', at: 5 });
    const ok = await get();
    assert.equal(ok.status, 200);
    assert.equal(ok.body['status'], 'ok');
    assert.deepEqual(ok.body['problems'], []);
    assert.deepEqual(ok.body['quarantined'], [
      { consumer: 'parley-fanout', topic: 'parley.events', partition: 2, count: 1, last: { consumer: 'parley-fanout', topic: 'parley.events', partition: 2, offset: 9, key: 'g.1', error: 'undecodable', at: 5 } },
    ]);
    health.failed('parley.events', 3, 40, new Error('presence unreachable'));
    now = 31_000;
    const stuck = await get();
    assert.equal(stuck.status, 503);
    assert.equal(stuck.body['status'], 'unhealthy');
    assert.deepEqual(stuck.body['problems'], [
      { consumer: 'parley-fanout', topic: 'parley.events', partition: 3, reason: 'stuck', offset: 40, detail: 'retrying offset 40 for 31 s (1 failures): presence unreachable' },
    ]);
  } finally {
    await ops.close();
  }
});
