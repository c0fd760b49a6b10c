// Shared by `npm start` and `npm run bench`: build what changed (turbo), then run one Node entry point in
// the foreground, passing signals on and exiting with its code.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export function buildThenRun(main, args, cwd) {
  // MALLOC_MMAP_THRESHOLD_: glibc serves allocations of 128 KiB and more with mmap and gives them back when
  // freed; left to itself it raises that threshold after the first large free, and the heap then keeps
  // start-up's large buffers (snapshots, the log's chunks) for good: 50-100 MB of resident memory that
  // varies from run to run (docs/BENCHMARKS.md 12). The image sets the same (Dockerfile).
  const env = { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
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
  const child = spawn(process.execPath, ['--enable-source-maps', main, ...args], { cwd, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
