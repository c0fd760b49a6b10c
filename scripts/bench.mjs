#!/usr/bin/env node
// `npm run bench -- <scenario> [options]`: build what changed, then run one benchmark (bench/src/run.ts).
// `npm run bench -- install-k6` builds k6 from the Go module proxy (also done on first `--driver k6`).
// The Kafka broker's jars (distributed mode) are fetched by the same fixtures the tests use.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
if (!existsSync(`${root}/node_modules/.bin/turbo`)) {
  console.error('Dependencies are missing: run `npm install` first.');
  process.exit(1);
}
console.error('Building Parley (first time takes a minute)...');
const build = spawnSync(`${root}/node_modules/.bin/turbo`, ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit', env });
if (build.status !== 0) {
  console.error('The build failed; see the errors above.');
  process.exit(build.status ?? 1);
}
const [first, ...rest] = process.argv.slice(2);
const main = first === 'install-k6' ? `${root}/bench/dist/k6-install.js` : `${root}/bench/dist/run.js`;
const child = spawn(process.execPath, ['--enable-source-maps', main, ...(first === 'install-k6' ? rest : process.argv.slice(2))], { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
