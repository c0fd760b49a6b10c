#!/usr/bin/env node
import { createJsonLogger, isParleyError } from '@parley/core';
import { loadSingleNodeConfig } from './config.js';
import { startSingleNode } from './single-node.js';

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
  logger.error('Parley failed to start', { error });
  if (isParleyError(error)) process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
