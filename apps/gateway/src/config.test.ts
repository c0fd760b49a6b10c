import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSingleNodeConfig } from './config.js';

test('single-node config: defaults, overrides, and errors that name the variable', () => {
  const d = loadSingleNodeConfig({});
  assert.equal(d.port, 8080);
  assert.equal(d.host, '127.0.0.1');
  assert.equal(d.maxContentBytes, 16 * 1024);
  assert.deepEqual(d.fsync, { mode: 'always' });
  assert.ok(Object.isFrozen(d));
  const o = loadSingleNodeConfig({ PORT: '0', PARLEY_LOG_FSYNC: 'interval', PARLEY_LOG_FSYNC_INTERVAL_MS: '50', PARLEY_DATA_DIR: '/tmp/x' });
  assert.deepEqual([o.port, o.fsync, o.dataDir], [0, { mode: 'interval', intervalMs: 50 }, '/tmp/x']);
  assert.throws(() => loadSingleNodeConfig({ PORT: 'http' }), /PORT must be an integer/);
  assert.throws(() => loadSingleNodeConfig({ PARLEY_LOG_FSYNC: 'sometimes' }), /PARLEY_LOG_FSYNC must be one of always, interval, never/);
  assert.throws(() => loadSingleNodeConfig({ PARLEY_MAX_CONTENT_BYTES: '0' }), /PARLEY_MAX_CONTENT_BYTES must be between/);
});

test('TCP and heartbeat config: defaults per mode, off, 0, TLS needs both files, the timeout must exceed the interval', async () => {
  const { loadGatewayConfig } = await import('./gateway-config.js');
  const d = loadSingleNodeConfig({});
  assert.deepEqual(d.tcp, { port: 8081, tls: undefined });
  assert.deepEqual(d.heartbeat, { intervalMs: 20_000, timeoutMs: 60_000 });
  const distributed = { DATABASE_URL: 'postgres://x', REDIS_URL: 'redis://x', KAFKA_BROKERS: 'k:9092', PARLEY_TOKEN_SECRET: 'a'.repeat(64), PARLEY_INTERNAL_TOKEN: 'b'.repeat(32) };
  assert.equal(loadGatewayConfig(distributed).tcp.port, undefined, 'the distributed gateway has no TCP listener unless asked');
  assert.equal(loadGatewayConfig({ ...distributed, PARLEY_TCP_PORT: '7000' }).tcp.port, 7000);
  assert.equal(loadSingleNodeConfig({ PARLEY_TCP_PORT: 'off' }).tcp.port, undefined);
  assert.equal(loadSingleNodeConfig({ PARLEY_TCP_PORT: '0' }).tcp.port, 0);
  assert.deepEqual(loadSingleNodeConfig({ PARLEY_TCP_TLS_CERT: '/c.pem', PARLEY_TCP_TLS_KEY: '/k.pem' }).tcp.tls, { certFile: '/c.pem', keyFile: '/k.pem' });
  assert.throws(() => loadSingleNodeConfig({ PARLEY_TCP_PORT: '70000' }), /PARLEY_TCP_PORT must be a port from 0 to 65535 \(0: any free port\) or off/);
  assert.throws(() => loadSingleNodeConfig({ PARLEY_TCP_TLS_CERT: '/c.pem' }), /PARLEY_TCP_TLS_KEY must be set too/);
  assert.deepEqual(loadSingleNodeConfig({ PARLEY_HEARTBEAT_INTERVAL_MS: '100', PARLEY_HEARTBEAT_TIMEOUT_MS: '300' }).heartbeat, { intervalMs: 100, timeoutMs: 300 });
  assert.throws(() => loadSingleNodeConfig({ PARLEY_HEARTBEAT_TIMEOUT_MS: '20000' }), /PARLEY_HEARTBEAT_TIMEOUT_MS \(20000\) must exceed PARLEY_HEARTBEAT_INTERVAL_MS \(20000\)/);
  assert.throws(() => loadSingleNodeConfig({ PARLEY_HEARTBEAT_INTERVAL_MS: 'soon' }), /PARLEY_HEARTBEAT_INTERVAL_MS must be an integer/);
});

test('single-node blob store and upload limits: files under the data directory by default, S3 when configured', () => {
  const d = loadSingleNodeConfig({ PARLEY_DATA_DIR: '/var/lib/parley' });
  assert.deepEqual(d.blobs, { kind: 'local', dir: '/var/lib/parley/blobs' });
  assert.equal(d.uploads.chunkBytes, 4 * 1024 * 1024);
  assert.equal(d.uploads.maxBytes.video, 200 * 1024 * 1024);
  assert.ok(Object.isFrozen(d.uploads.maxBytes));
  assert.deepEqual(loadSingleNodeConfig({ PARLEY_DATA_DIR: '/var/lib/parley', PARLEY_BLOB_DIR: '/mnt/files' }).blobs, { kind: 'local', dir: '/mnt/files' });
  const s3 = loadSingleNodeConfig({ PARLEY_S3_BUCKET: 'parley-files', PARLEY_S3_ACCESS_KEY_ID: 'k', PARLEY_S3_SECRET_ACCESS_KEY: 's' });
  assert.equal(s3.blobs.kind, 's3');
  assert.equal(loadSingleNodeConfig({ PARLEY_UPLOAD_MAX_IMAGE_BYTES: '1000' }).uploads.maxBytes.image, 1000);
  assert.throws(() => loadSingleNodeConfig({ PARLEY_UPLOAD_CHUNK_BYTES: '1' }), /PARLEY_UPLOAD_CHUNK_BYTES must be between/);
  assert.throws(() => loadSingleNodeConfig({ PARLEY_S3_BUCKET: 'parley-files' }), /PARLEY_S3_ACCESS_KEY_ID is required/);
});
