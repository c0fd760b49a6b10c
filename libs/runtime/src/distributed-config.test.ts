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

test('blob store config: a directory, or S3 when PARLEY_S3_BUCKET is set; errors name the variable and what to do', async () => {
  const { readBlobConfig } = await import('./blob-config.js');
  const { resolve } = await import('node:path');
  assert.deepEqual(readBlobConfig({}, '/data/blobs'), { kind: 'local', dir: '/data/blobs' }, 'the default directory');
  assert.deepEqual(readBlobConfig({ PARLEY_BLOB_DIR: 'shared/blobs' }, '/data/blobs'), { kind: 'local', dir: resolve('shared/blobs') });
  assert.deepEqual(readBlobConfig({ PARLEY_BLOB_DIR: '/mnt/blobs' }), { kind: 'local', dir: '/mnt/blobs' });
  assert.throws(() => readBlobConfig({}), /PARLEY_BLOB_DIR is required when PARLEY_S3_BUCKET is not set: set PARLEY_S3_BUCKET/, 'no default: one of the two');
  const keys = { PARLEY_S3_ACCESS_KEY_ID: 'AKIA', PARLEY_S3_SECRET_ACCESS_KEY: 'secret' };
  assert.deepEqual(readBlobConfig({ PARLEY_S3_BUCKET: 'parley-files', ...keys }), {
    kind: 's3',
    bucket: 'parley-files',
    prefix: '',
    endpoint: undefined,
    region: 'us-east-1',
    accessKeyId: 'AKIA',
    secretAccessKey: 'secret',
    forcePathStyle: true,
  });
  const custom = readBlobConfig({ PARLEY_S3_BUCKET: 'b.c-d', PARLEY_S3_ENDPOINT: 'http://s3:7070', PARLEY_S3_REGION: 'eu-central-1', PARLEY_S3_PREFIX: 'parley/prod/', PARLEY_S3_FORCE_PATH_STYLE: 'false', ...keys }, '/data/blobs');
  assert.deepEqual(custom.kind === 's3' && [custom.endpoint, custom.region, custom.prefix, custom.forcePathStyle], ['http://s3:7070', 'eu-central-1', 'parley/prod/', false], 'S3 wins over the default directory');
  assert.throws(() => readBlobConfig({ PARLEY_S3_BUCKET: 'parley-files', PARLEY_S3_ACCESS_KEY_ID: 'AKIA' }), /PARLEY_S3_SECRET_ACCESS_KEY is required/);
  assert.throws(() => readBlobConfig({ PARLEY_S3_BUCKET: 'parley-files', PARLEY_S3_SECRET_ACCESS_KEY: 's' }), /PARLEY_S3_ACCESS_KEY_ID is required/);
  assert.throws(() => readBlobConfig({ PARLEY_S3_BUCKET: 'Parley_Files', ...keys }), /PARLEY_S3_BUCKET must be an S3 bucket name/);
  assert.throws(() => readBlobConfig({ PARLEY_S3_BUCKET: 'parley-files', PARLEY_BLOB_DIR: '/x', ...keys }), /PARLEY_BLOB_DIR and PARLEY_S3_BUCKET are both set/);
  assert.throws(() => readBlobConfig({ PARLEY_S3_ENDPOINT: 'http://s3:7070' }, '/data/blobs'), /PARLEY_S3_ENDPOINT is set but PARLEY_S3_BUCKET is not/, 'half an S3 configuration is a mistake, not a directory');
  assert.throws(() => readBlobConfig({ PARLEY_S3_BUCKET: 'parley-files', PARLEY_S3_ENDPOINT: 's3:7070', ...keys }), /PARLEY_S3_ENDPOINT must be an http:\/\/ or https:\/\/ URL/);
  assert.throws(() => readBlobConfig({ PARLEY_S3_BUCKET: 'parley-files', PARLEY_S3_PREFIX: 'parley', ...keys }), /PARLEY_S3_PREFIX must end with "\/"/);
  assert.throws(() => readBlobConfig({ PARLEY_S3_BUCKET: 'parley-files', PARLEY_S3_FORCE_PATH_STYLE: 'maybe', ...keys }), /PARLEY_S3_FORCE_PATH_STYLE must be true or false/);
});
