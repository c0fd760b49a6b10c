#!/usr/bin/env node
// `npm test`: everything CI runs. Installs what the tests need (Chromium), builds, typechecks, lints,
// then runs every test file of every package in one node:test run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const run = (label, cmd, args, options = {}, last = false) => {
  console.log(`\n=== ${label}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...options });
  if (result.status !== 0) {
    console.error(`\n${label} failed (exit ${result.status ?? result.signal}); see above.`);
    process.exit(result.status ?? 1);
  }
  // The test runner's own summary must stay the last lines of the output.
  if (!last) console.log(`=== ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
};

if (!existsSync(join(root, 'node_modules/.bin/turbo'))) run('installing dependencies (npm install)', 'npm', ['install', '--no-audit', '--no-fund']);

const chromium = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(`The browser test needs Chromium at ${chromium}. Install it (Debian: sudo apt-get install -y chromium) or set PARLEY_CHROMIUM.`);
    process.exit(1);
  }
  run('installing Chromium for the browser test (apt-get update)', 'apt-get', ['update', '-q']);
  run('installing Chromium for the browser test (apt-get install chromium)', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], {
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

run('build, typecheck, lint', join(root, 'node_modules/.bin/turbo'), ['run', 'build', 'typecheck', 'lint', '--output-logs=errors-only', '--concurrency=2']);

const dirs = ['schemas', ...['libs', 'apps', 'test'].flatMap((d) => readdirSync(join(root, d)).map((p) => `${d}/${p}`))]
  .map((d) => join(root, d, 'dist'))
  .filter((d) => existsSync(d));
run('tests', process.execPath, [join(root, 'scripts/run-node-tests.mjs'), ...dirs], {}, true);
