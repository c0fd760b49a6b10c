#!/usr/bin/env node
import '@parley/core/require-node'; // first: one clear line and exit 2 on a Node.js too old for Parley
import { resolve } from 'node:path';
import { isParleyError } from '@parley/core';
import { loadSingleNodeConfig } from './config.js';
import { requestOnlineBackup, restoreBackup, writeBackup, offlineSource } from './backup.js';
import { DataDirLock, isDataDirLocked } from './data-dir-lock.js';

// `npm run backup -- create <dest>` / `npm run backup -- restore <backup>`: the single node's data
// directory (PARLEY_DATA_DIR, as for `npm start`) backed up, online or offline, and restored.
const USAGE = `usage:
  npm run backup -- create <dest>      back up PARLEY_DATA_DIR (default ./data) into the new or empty directory <dest>;
                                       online while Parley runs there, offline when it does not
  npm run backup -- restore <backup>   restore <backup> into PARLEY_DATA_DIR, which must be missing or empty
`;
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const [command, target, ...rest] = process.argv.slice(2);
if ((command !== 'create' && command !== 'restore') || !target || rest.length > 0) {
  process.stderr.write(USAGE);
  process.exit(2);
}
let config;
try {
  config = loadSingleNodeConfig(process.env);
} catch (error) {
  say(isParleyError(error) ? error.message : String(error));
  process.exit(2);
}
const path = resolve(target);
try {
  if (command === 'create') {
    const online = await requestOnlineBackup(config.dataDir, path, say);
    if (online) {
      process.stdout.write(`${JSON.stringify({ backup: path, mode: 'online', files: online.files.length, records: online.records })}\n`);
    } else {
      // Nothing answers on the control socket: back up offline, holding the lock so that Parley cannot start meanwhile.
      let lock;
      try {
        lock = await DataDirLock.acquire(config.dataDir);
      } catch (error) {
        if (isDataDirLocked(error)) throw new Error(`${error.message}; it does not answer on ${config.dataDir}/control.sock either: see its log, or stop it and run this again`);
        throw error;
      }
      try {
        say(`Parley is not running on ${config.dataDir}: offline backup`);
        const notes = config.blobs.kind === 'local' ? [] : ['attachments are kept in S3 and are not in this backup: back the bucket up (docs/OPERATIONS.md "Backups")'];
        const manifest = await writeBackup(offlineSource(config.dataDir, config.blobs.kind === 'local' ? config.blobs.dir : undefined, notes), path, say);
        process.stdout.write(`${JSON.stringify({ backup: path, mode: 'offline', files: manifest.files.length })}\n`);
      } finally {
        await lock.release();
      }
    }
  } else {
    const manifest = await restoreBackup(path, config.dataDir, say);
    if (config.blobs.kind === 'local' && resolve(config.blobs.dir) !== resolve(config.dataDir, 'blobs') && manifest.files.some((f) => f.path.startsWith('blobs/'))) {
      say(`attachments were restored into ${resolve(config.dataDir, 'blobs')}; move them to PARLEY_BLOB_DIR (${config.blobs.dir}) or unset it`);
    }
    say(`start Parley with PARLEY_DATA_DIR=${config.dataDir}: the projections and the partitions' state catch up from the log`);
    process.stdout.write(`${JSON.stringify({ restored: config.dataDir, files: manifest.files.length, records: manifest.records })}\n`);
  }
} catch (error) {
  say(`backup ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
