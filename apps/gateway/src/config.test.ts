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
