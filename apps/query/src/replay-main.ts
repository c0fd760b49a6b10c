#!/usr/bin/env node
import '@parley/core/require-node'; // first: one clear line and exit 2 on a Node.js too old for Parley
import { createJsonLogger, isParleyError } from '@parley/core';
import { KafkaEventLog } from '@parley/log-kafka';
import { createKafkaClient, createPostgres } from '@parley/runtime';
import { projectionChecksums, type Database } from '@parley/store';
import { loadReplayConfig } from './replay-config.js';
import { replayProjections } from './replay.js';

// `parley-replay`: rebuild every projection from the events topic into REPLAY_DATABASE_URL, then print
// the per-table checksums (compare them with the live database's to check the projections).
let config;
try {
  config = loadReplayConfig(process.env);
} catch (error) {
  process.stderr.write(`${isParleyError(error) ? error.message : String(error)}\n`);
  process.exit(2);
}
const logger = createJsonLogger({ level: config.logLevel, write: (l) => void process.stderr.write(l), fields: { app: 'replay' } });
const kafka = createKafkaClient('parley-replay', config.kafkaBrokers, logger);
const log = new KafkaEventLog({ kafka, logger });
const target = createPostgres<Database>(config.targetDatabaseUrl, 5);
const live = config.keysDatabaseUrl === undefined ? undefined : createPostgres<Database>(config.keysDatabaseUrl, 2);
try {
  const { events, ms, keys } = await replayProjections({ log, target, logger, ...(live ? { keysFrom: live } : {}) });
  logger.info('replay done', { events, keys, seconds: ms / 1000 });
  process.stdout.write(`${JSON.stringify({ events, keys, seconds: ms / 1000, checksums: await projectionChecksums(target) })}\n`);
  await log.close();
  await target.destroy();
  await live?.destroy();
  process.exit(0);
} catch (error) {
  logger.error('replay failed', { error });
  process.stderr.write(`${isParleyError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}
