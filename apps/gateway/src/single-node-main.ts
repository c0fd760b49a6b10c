#!/usr/bin/env node
import '@parley/core/require-node'; // first: one clear line and exit 2 on a Node.js too old for Parley
import { createJsonLogger, isParleyError } from '@parley/core';
import { loadSingleNodeConfig } from './config.js';
import { isDataDirLocked } from './data-dir-lock.js';

// Composition root of `npm start`: read config, start, stop on SIGTERM / SIGINT.
const write = (line: string): void => void process.stdout.write(line);
let config;
try {
  config = loadSingleNodeConfig(process.env);
} catch (error) {
  process.stderr.write(`${isParleyError(error) ? error.message : String(error)}\n`);
  process.exit(2);
}
const logger = createJsonLogger({ level: config.logLevel, write, fields: { app: 'parley' } });
try {
  // Loaded after the version check: the embedded log links node:zlib's crc32, and on a Node.js without it
  // a static import would fail before any check could run.
  const { startSingleNode } = await import('./single-node.js');
  const node = await startSingleNode(config, logger);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    node.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('unclean stop', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  // Another process holds the data directory: refused like a configuration error (one line, exit 2).
  if (isDataDirLocked(error)) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  logger.error('Parley failed to start', { error });
  if (isParleyError(error)) process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
