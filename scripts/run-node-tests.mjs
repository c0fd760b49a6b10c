#!/usr/bin/env node
// Runs node's test runner over every compiled *.test.js under the given directories (default: dist).
// Node 20's `--test` does not take globs, so this finds the files and hands them over in one run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (entry.endsWith('.test.js')) files.push(path);
  }
};
for (const dir of dirs.length ? dirs : ['dist']) if (existsSync(dir)) walk(dir);
if (files.length === 0) {
  console.error(`No test files under ${dirs.join(', ')}: build first (npm run build).`);
  process.exit(1);
}
files.sort();
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-timeout=300000', '--test-concurrency=1', ...passThrough, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
