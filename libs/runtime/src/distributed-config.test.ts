import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCommonConfig, readInternalToken, readTokenSecret } from './distributed-config.js';

test('distributed config: brokers parsed, secrets checked, errors name the variable', () => {
  const c = readCommonConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092', PARLEY_INSTANCE_ID: 'ingest/0' });
  assert.deepEqual(c.kafkaBrokers, ['k1:9092', 'k2:9092']);
  assert.equal(c.instanceId, 'ingest-0');
  assert.throws(() => readCommonConfig({}), /KAFKA_BROKERS is required/);
  assert.throws(() => readCommonConfig({ KAFKA_BROKERS: 'nohost' }), /KAFKA_BROKERS entry "nohost"/);
  assert.equal(readTokenSecret({ PARLEY_TOKEN_SECRET: 'ab'.repeat(32) }).length, 32);
  assert.throws(() => readTokenSecret({ PARLEY_TOKEN_SECRET: 'abcd' }), /at least 32 bytes/);
  assert.throws(() => readInternalToken({ PARLEY_INTERNAL_TOKEN: 'short' }), /at least 24/);
});
