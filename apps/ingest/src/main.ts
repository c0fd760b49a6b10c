#!/usr/bin/env node
import { createJsonLogger, isParleyError } from '@parley/core';
import { traceFields } from '@parley/telemetry';
import { startTelemetry } from '@parley/telemetry/sdk';
import { KafkaEventLog } from '@parley/log-kafka';
import { createKafkaClient, startOpsServer } from '@parley/runtime';
import { Topics } from '@parley/domain';
import { loadIngestConfig } from './config.js';
import { Ingest } from './ingest.js';

// Distributed ingest: one of N instances; Kafka's consumer group splits the partitions between them.
let config;
try {
  config = loadIngestConfig(process.env);
} catch (error) {
  process.stderr.write(`${isParleyError(error) ? error.message : String(error)}\n`);
  process.exit(2);
}
const telemetry = startTelemetry({ serviceName: 'parley-ingest', instanceId: config.instanceId, metricsPort: config.metricsPort, otlpEndpoint: config.otlpEndpoint });
const logger = createJsonLogger({ level: config.logLevel, write: (l) => void process.stdout.write(l), fields: { app: 'ingest', instance: config.instanceId }, enrich: traceFields });
let ready = false;
try {
  const ops = await startOpsServer({ port: config.opsPort, ready: () => ready });
  const kafka = createKafkaClient(`parley-ingest-${config.instanceId}`, config.kafkaBrokers, logger);
  const log = new KafkaEventLog({ kafka, logger, replicationFactor: config.replicationFactor });
  await log.createTopics([{ name: Topics.commands, partitions: config.partitions }, { name: Topics.events, partitions: config.partitions }]);
  const ingest = new Ingest({ log, logger, instanceId: config.instanceId, limits: { maxMembers: config.maxGroupMembers }, dedupeWindow: config.dedupeWindow });
  await ingest.start();
  ready = true;
  logger.info('ingest ready', { opsPort: ops.port });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    ready = false;
    await ingest.close(); // finishes the transaction in flight and leaves the group
    await log.close();
    await ops.close();
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  logger.error('ingest failed to start', { error });
  process.exit(1);
}
