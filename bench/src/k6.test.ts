import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findK6 } from './k6.js';

test('findK6 takes PARLEY_K6, else k6 on PATH, else says how to get k6 (it never installs one)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-k6-find-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const empty = join(dir, 'empty');
  const bin = join(dir, 'bin');
  await mkdir(empty);
  await mkdir(bin);
  const k6 = join(bin, 'k6');
  await writeFile(k6, '#!/bin/sh\nexit 0\n');
  await chmod(k6, 0o755);

  assert.equal(await findK6({ PATH: [empty, bin].join(delimiter) }), k6);
  assert.equal(await findK6({ PATH: empty, PARLEY_K6: k6 }), k6);
  await assert.rejects(findK6({ PATH: empty }), (error: Error) => {
    assert.match(error.message, /k6 is not on PATH/);
    assert.match(error.message, /does not install/);
    assert.match(error.message, /github\.com\/grafana\/k6\/releases/);
    assert.match(error.message, /PARLEY_K6/);
    return true;
  });
  await assert.rejects(findK6({ PATH: [empty, bin].join(delimiter), PARLEY_K6: join(empty, 'k6') }), /PARLEY_K6=.* is not an executable file/);
});
