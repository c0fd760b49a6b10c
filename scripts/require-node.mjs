// Imported first by scripts/start.mjs and scripts/bench.mjs: before building anything, stop with one clear
// line when this Node.js is older than package.json `engines.node` (">=major.minor"). The apps check the
// same minimum at start (libs/core/src/node-version.ts; a unit test holds the two together).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const need = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(pkg.engines?.node ?? '');
if (!need) throw new Error(`package.json engines.node must read ">=major.minor", not ${JSON.stringify(pkg.engines?.node)}`);
const required = [Number(need[1]), Number(need[2]), Number(need[3] ?? 0)];
const running = process.versions.node.split('.').map(Number);
const older = running[0] !== required[0] ? running[0] < required[0] : running[1] !== required[1] ? running[1] < required[1] : running[2] < required[2];
if (older) {
  console.error(
    `Parley needs Node.js ${required.join('.')} or newer, but this is Node.js ${process.versions.node} (${process.execPath}). ` +
      'Upgrade Node.js (https://nodejs.org/en/download, your package manager, or a version manager: `nvm install 20`, `fnm install 20`), then run again.',
  );
  process.exit(2);
}
