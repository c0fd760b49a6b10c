import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useContainers } from './docker.js';

test('PARLEY_TEST_INFRA forces containers or local binaries; otherwise a Docker engine decides', () => {
  const saved = process.env['PARLEY_TEST_INFRA'];
  try {
    process.env['PARLEY_TEST_INFRA'] = 'docker';
    assert.equal(useContainers(), true);
    process.env['PARLEY_TEST_INFRA'] = 'local';
    assert.equal(useContainers(), false);
    delete process.env['PARLEY_TEST_INFRA'];
    const engine = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000 }).status === 0;
    assert.equal(useContainers(), engine);
  } finally {
    if (saved === undefined) delete process.env['PARLEY_TEST_INFRA'];
    else process.env['PARLEY_TEST_INFRA'] = saved;
  }
});
