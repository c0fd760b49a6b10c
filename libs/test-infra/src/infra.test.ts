import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { startPostgres, startRedis, startKafka } from './index.js';

test('Postgres, Redis and a KRaft Kafka broker start on free ports and answer', async () => {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const kafka = await startKafka();
  try {
    const url = await postgres.createDatabase('infra_check');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    assert.equal((await client.query('select 1 + 1 as two')).rows[0].two, 2);
    await client.end();

    const r = new Redis(redis.url);
    await r.set('k', 'v');
    assert.equal(await r.get('k'), 'v');
    r.disconnect();
    await redis.restart();
    const r2 = new Redis(redis.url);
    assert.equal(await r2.get('k'), null, 'a restarted Redis comes back empty');
    r2.disconnect();

    const admin = new Kafka({ clientId: 'check', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'infra-check', numPartitions: 2 }], waitForLeaders: true });
    assert.ok((await admin.listTopics()).includes('infra-check'));
    await admin.disconnect();
  } finally {
    await Promise.all([postgres.stop(), redis.stop(), kafka.stop()]);
  }
});
