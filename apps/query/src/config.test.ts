import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadQueryConfig } from './config.js';

const required = { KAFKA_BROKERS: 'k:9092', DATABASE_URL: 'postgres://x', PARLEY_TOKEN_SECRET: 'a'.repeat(64) };
const s3 = { PARLEY_S3_BUCKET: 'parley-files', PARLEY_S3_ENDPOINT: 'http://s3:7070', PARLEY_S3_ACCESS_KEY_ID: 'parley', PARLEY_S3_SECRET_ACCESS_KEY: 'secret' };

test('query config: files go to S3 or a shared directory, one of which is required; upload limits are read', () => {
  assert.throws(() => loadQueryConfig(required), /PARLEY_BLOB_DIR is required when PARLEY_S3_BUCKET is not set/, 'replicas must share the bytes: no default directory');
  const c = loadQueryConfig({ ...required, ...s3 });
  assert.deepEqual(c.blobs, { kind: 's3', bucket: 'parley-files', prefix: '', endpoint: 'http://s3:7070', region: 'us-east-1', accessKeyId: 'parley', secretAccessKey: 'secret', forcePathStyle: true });
  assert.ok(Object.isFrozen(c.blobs));
  assert.deepEqual(loadQueryConfig({ ...required, PARLEY_BLOB_DIR: '/mnt/parley-blobs' }).blobs, { kind: 'local', dir: '/mnt/parley-blobs' });
  assert.equal(c.uploads.quotaBytes, 2 * 1024 * 1024 * 1024);
  assert.equal(c.uploads.urlTtlSeconds, 300);
  assert.equal(loadQueryConfig({ ...required, ...s3, PARLEY_UPLOAD_TTL_SECONDS: '3600' }).uploads.ttlSeconds, 3600);
  assert.throws(() => loadQueryConfig({ ...required, ...s3, PARLEY_UPLOAD_QUOTA_BYTES: 'lots' }), /PARLEY_UPLOAD_QUOTA_BYTES must be an integer/);
  assert.throws(() => loadQueryConfig({ ...required, PARLEY_S3_BUCKET: 'parley-files' }), /PARLEY_S3_ACCESS_KEY_ID is required/);
});
