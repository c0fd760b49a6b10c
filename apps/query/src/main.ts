#!/usr/bin/env node
import '@parley/core/require-node'; // first: one clear line and exit 2 on a Node.js too old for Parley
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { KafkaEventLog } from '@parley/log-kafka';
import { healthReport } from '@parley/core';
import { bootApp, createKafkaClient, createPostgres, describeBlobConfig, loadConfigOrExit, openBlobStore, stopOnSignals } from '@parley/runtime';
import { topicSpecs } from '@parley/domain';
import { TokenService } from '@parley/auth';
import { createHttpDeps } from './http/create-http-deps.js';
import { OutcomeRepository, ProjectionWriter, migrateToLatest, type Database } from '@parley/store';
import { webRoot } from '@parley/web';
import { loadQueryConfig } from './config.js';
import { Projector } from './projector.js';
import { CommandBus } from './command-bus.js';
import { createHttpApp } from './http/create-http-app.js';
import { guardHttpServer } from './http/method-guards.js';
import { AttachmentSweeper } from './attachment-sweeper.js';

// Distributed query: the HTTP API and web client, and one member of the projector group.
const config = loadConfigOrExit(() => loadQueryConfig(process.env));
const { logger, telemetry } = bootApp('query', config);
let ready = false;
try {
  const kafka = createKafkaClient(`parley-query-${config.instanceId}`, config.kafkaBrokers, logger);
  const log = new KafkaEventLog({ kafka, logger, replicationFactor: config.replicationFactor, sessionTimeoutMs: config.kafkaSessionTimeoutMs });
  await log.createTopics(topicSpecs(config.partitions));
  const db = createPostgres<Database>(config.databaseUrl, 20);
  const applied = await migrateToLatest(db as Kysely<unknown>); // kysely's migration lock makes concurrent starts safe
  if (applied.length) logger.info('database migrated', { migrations: applied });
  const blobs = await openBlobStore(config.blobs); // an S3 bucket must exist: checked here, not at the first upload
  logger.info('blob store open', describeBlobConfig(config.blobs));
  const tokens = new TokenService({ secret: config.tokenSecret, ttlSeconds: config.tokenTtlSeconds });
  const projector = new Projector({ log, writer: new ProjectionWriter(db), logger });
  const commands = new CommandBus({ log, outcomes: new OutcomeRepository(db), timeoutMs: config.commandTimeoutMs, onProjected: (l) => projector.on('applied', l) });
  await projector.start();
  const deps = createHttpDeps(db, tokens, logger, config, blobs.store);
  // Every replica sweeps; deleting an upload or a blob twice is harmless.
  const sweeper = new AttachmentSweeper({ uploads: deps.uploads, blobs: blobs.store, logger: logger.child({ component: 'attachment-sweeper' }), limits: config.uploads });
  const app = createHttpApp({
    ...deps,
    commands,
    staticDir: webRoot,
    trustProxy: config.trustProxy,
    ready: () => ready,
    health: () => healthReport([projector.health], config.healthBounds),
  });
  const server = createServer(app);
  guardHttpServer(server);
  // A whole request, body included, must arrive within this: an upload chunk (PARLEY_UPLOAD_CHUNK_BYTES, 4 MiB)
  // over a slow link too (about 35 KB/s at the default).
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  sweeper.start();
  ready = true;
  logger.info('query ready', { port: (server.address() as AddressInfo).port });
  stopOnSignals(logger, telemetry, async () => {
    ready = false;
    await new Promise<void>((resolve) => server.close(() => resolve())); // finish requests in flight
    await sweeper.close(); // waits for a pass in progress, which needs the blob store and the database
    await projector.close();
    await commands.close();
    await log.close();
    await blobs.close();
    await db.destroy();
  });
} catch (error) {
  logger.error('query failed to start', { error });
  process.exit(1);
}
