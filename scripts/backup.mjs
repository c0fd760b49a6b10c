#!/usr/bin/env node
// `npm run backup -- create <dest>` / `npm run backup -- restore <backup>`: build what changed, then back up
// or restore the single node's data directory (docs/OPERATIONS.md "Backups").
import './require-node.mjs';
import { resolve } from 'node:path';
import { buildThenRun, root } from './build-then-run.mjs';

// npm runs scripts in the project's root, as `npm start` (so PARLEY_DATA_DIR means the same to both); the
// path on the command line is the caller's, from the directory npm was run in (INIT_CWD).
const [command, path, ...rest] = process.argv.slice(2);
const args = path === undefined ? [command, ...rest] : [command, resolve(process.env.INIT_CWD ?? process.cwd(), path), ...rest];
buildThenRun(`${root}/apps/gateway/dist/backup-main.js`, args.filter((a) => a !== undefined), process.cwd());
