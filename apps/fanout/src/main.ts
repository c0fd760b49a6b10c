#!/usr/bin/env node
import { createJsonLogger, isParleyError } from '@parley/core';
import { traceFields } from '@parley/telemetry';
import { startTelemetry } from '@parley/telemetry/sdk';
import { KafkaEventLog } from '@parley/log-kafka';
import { RedisPresence } from '@parley/presence-redis';
import { createHttpDelivery } from '@parley/delivery-http';
import { createKafkaClient, createRedisClient, startOpsServer } from '@parley/runtime';
import { Topics } from '@parley/domain';
import { loadFanoutConfig } from './config.js';
import { Fanout } from './fanout.js';

// Distributed fanout: events from Kafka, recipients' gateways from Redis, hand-offs over HTTP.
let config;
try {
  config = loadFanoutConfig(process.env);
} catch (error) {
  process.stderr.write(`${isParleyError(error) ? error.message : String(error)}\n`);
  process.exit(2);
}
const telemetry = startTelemetry({ serviceName: 'parley-fanout', instanceId: config.instanceId, metricsPort: config.metricsPort, otlpEndpoint: config.otlpEndpoint });
const logger = createJsonLogger({ level: config.logLevel, write: (l) => void process.stdout.write(l), fields: { app: 'fanout', instance: config.instanceId }, enrich: traceFields });
let ready = false;
try {
  const ops = await startOpsServer({ port: config.opsPort, ready: () => ready });
  const kafka = createKafkaClient(`parley-fanout-${config.instanceId}`, config.kafkaBrokers, logger);
  const log = new KafkaEventLog({ kafka, logger, replicationFactor: config.replicationFactor });
  await log.createTopics([{ name: Topics.commands, partitions: config.partitions }, { name: Topics.events, partitions: config.partitions }]);
  const redis = createRedisClient(config.redisUrl, logger);
  const presence = new RedisPresence({ redis, ttlMs: config.presenceTtlMs });
  await presence.ready();
  const fanout = new Fanout({ log, presence, logger, deliver: createHttpDelivery({ token: config.internalToken, timeoutMs: config.deliveryTimeoutMs }) });
  await fanout.start();
  ready = true;
  logger.info('fanout ready', { opsPort: ops.port });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    ready = false;
    await fanout.close(); // hands off the batch in flight, commits, leaves the group
    await presence.close();
    await log.close();
    redis.disconnect();
    await ops.close();
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  logger.error('fanout failed to start', { error });
  process.exit(1);
}
