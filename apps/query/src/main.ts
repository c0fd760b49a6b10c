#!/usr/bin/env node
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { createJsonLogger, isParleyError } from '@parley/core';
import { traceFields } from '@parley/telemetry';
import { startTelemetry } from '@parley/telemetry/sdk';
import { KafkaEventLog } from '@parley/log-kafka';
import { createKafkaClient, createPostgres } from '@parley/runtime';
import { Topics } from '@parley/domain';
import { PasswordHasher, TokenService, createAuthenticator } from '@parley/auth';
import { ConversationRepository, MessageRepository, OutcomeRepository, ProjectionWriter, UserRepository, migrateToLatest, type Database } from '@parley/store';
import { webRoot } from '@parley/web';
import { loadQueryConfig } from './config.js';
import { Projector } from './projector.js';
import { CommandBus } from './command-bus.js';
import { createHttpApp } from './http/create-http-app.js';

// Distributed query: the HTTP API and web client, and one member of the projector group.
let config;
try {
  config = loadQueryConfig(process.env);
} catch (error) {
  process.stderr.write(`${isParleyError(error) ? error.message : String(error)}\n`);
  process.exit(2);
}
const telemetry = startTelemetry({ serviceName: 'parley-query', instanceId: config.instanceId, metricsPort: config.metricsPort, otlpEndpoint: config.otlpEndpoint });
const logger = createJsonLogger({ level: config.logLevel, write: (l) => void process.stdout.write(l), fields: { app: 'query', instance: config.instanceId }, enrich: traceFields });
let ready = false;
try {
  const kafka = createKafkaClient(`parley-query-${config.instanceId}`, config.kafkaBrokers, logger);
  const log = new KafkaEventLog({ kafka, logger, replicationFactor: config.replicationFactor });
  await log.createTopics([{ name: Topics.commands, partitions: config.partitions }, { name: Topics.events, partitions: config.partitions }]);
  const db = createPostgres<Database>(config.databaseUrl, 20);
  const applied = await migrateToLatest(db as Kysely<unknown>); // kysely's migration lock makes concurrent starts safe
  if (applied.length) logger.info('database migrated', { migrations: applied });
  const users = new UserRepository(db);
  const tokens = new TokenService({ secret: config.tokenSecret, ttlSeconds: config.tokenTtlSeconds });
  const projector = new Projector({ log, writer: new ProjectionWriter(db), logger });
  const commands = new CommandBus({ log, outcomes: new OutcomeRepository(db), timeoutMs: config.commandTimeoutMs, onProjected: (l) => projector.on('applied', l) });
  await projector.start();
  const app = createHttpApp({
    commands,
    users,
    conversations: new ConversationRepository(db),
    messages: new MessageRepository(db),
    tokens,
    authenticate: createAuthenticator(tokens, (id) => users.isRevoked(id)),
    hasher: new PasswordHasher(),
    logger,
    limits: { authPerMinute: config.authPerMinute, apiPerMinute: config.apiPerMinute, maxGroupMembers: config.maxGroupMembers },
    staticDir: webRoot,
    ready: () => ready,
  });
  const server = createServer(app);
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  ready = true;
  logger.info('query ready', { port: (server.address() as AddressInfo).port });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    ready = false;
    await new Promise<void>((resolve) => server.close(() => resolve())); // finish requests in flight
    await projector.close();
    await commands.close();
    await log.close();
    await db.destroy();
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  logger.error('query failed to start', { error });
  process.exit(1);
}
