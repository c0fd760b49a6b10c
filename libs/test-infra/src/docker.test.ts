import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useContainers } from './docker.js';

/**
 * useContainers() against a stand-in `docker` on PATH, so the engine's answer is what the test says it is
 * rather than whatever this machine has. The stand-in records the arguments it was called with.
 */
function withDocker(script: string | undefined, body: (calls: () => string[]) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'parley-docker-probe-'));
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  if (script !== undefined) {
    writeFileSync(join(dir, 'docker'), `#!/bin/sh\necho "$*" >> '${log}'\n${script}\n`);
    chmodSync(join(dir, 'docker'), 0o755);
  }
  const saved = { path: process.env['PATH'], infra: process.env['PARLEY_TEST_INFRA'] };
  try {
    // Only the stand-in's folder (its shebang and `echo` need no PATH): no real docker can answer.
    process.env['PATH'] = dir;
    delete process.env['PARLEY_TEST_INFRA'];
    body(() => readFileSync(log, 'utf8').split('\n').filter(Boolean));
  } finally {
    for (const [name, value] of [['PATH', saved.path], ['PARLEY_TEST_INFRA', saved.infra]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an engine that answers `docker info` with its version means containers', () => {
  withDocker('echo 27.3.1', (calls) => {
    assert.equal(useContainers(), true);
    assert.deepEqual(calls(), ['info --format {{.ServerVersion}}']);
  });
});

test('a docker CLI whose engine does not answer means local binaries', () => {
  withDocker('echo "Cannot connect to the Docker daemon" >&2; exit 1', (calls) => {
    assert.equal(useContainers(), false);
    assert.equal(calls().length, 1, 'the engine was asked');
  });
  // Exit 0 but no version (e.g. a stub or a broken context): not an engine.
  withDocker('exit 0', () => assert.equal(useContainers(), false));
});

test('no docker CLI at all means local binaries', () => {
  withDocker(undefined, () => assert.equal(useContainers(), false));
});

test('PARLEY_TEST_INFRA=docker or =local overrides the engine, without asking it', () => {
  withDocker('exit 1', (calls) => {
    process.env['PARLEY_TEST_INFRA'] = 'docker';
    assert.equal(useContainers(), true);
    assert.deepEqual(calls(), [], 'a forced choice does not probe the engine');
  });
  withDocker('echo 27.3.1', (calls) => {
    process.env['PARLEY_TEST_INFRA'] = 'local';
    assert.equal(useContainers(), false);
    assert.deepEqual(calls(), []);
  });
});
