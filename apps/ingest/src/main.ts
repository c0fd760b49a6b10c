#!/usr/bin/env node
import '@parley/core/require-node'; // first: one clear line and exit 2 on a Node.js too old for Parley
import { KafkaEventLog, TopicSnapshotStore, snapshotTopicSpec } from '@parley/log-kafka';
import { healthReport, type ConsumerHealth } from '@parley/core';
import { bootApp, createKafkaClient, loadConfigOrExit, startOpsServer, stopOnSignals } from '@parley/runtime';
import { topicSpecs } from '@parley/domain';
import { loadIngestConfig } from './config.js';
import { Ingest } from './ingest.js';
import { WorkflowRunner } from './workflow-runner.js';

// Distributed ingest: one of N instances; Kafka's consumer group splits the partitions between them.
const config = loadConfigOrExit(() => loadIngestConfig(process.env));
const { logger, telemetry } = bootApp('ingest', config);
let ready = false;
/** What readiness reads once the consumer exists. */
const consumers: ConsumerHealth[] = [];
try {
  const ops = await startOpsServer({ port: config.opsPort, ready: () => ready, health: () => healthReport(consumers, config.healthBounds) });
  const kafka = createKafkaClient(`parley-ingest-${config.instanceId}`, config.kafkaBrokers, logger);
  const log = new KafkaEventLog({ kafka, logger, replicationFactor: config.replicationFactor, sessionTimeoutMs: config.kafkaSessionTimeoutMs });
  // The snapshots topic (compacted) keeps each partition's state for whichever instance takes it over next.
  await log.createTopics([...topicSpecs(config.partitions), snapshotTopicSpec('parley.snapshots', config.partitions)]);
  const snapshots = config.snapshots.everyEvents > 0 ? { store: new TopicSnapshotStore(log), ...config.snapshots } : undefined;
  const ingest = new Ingest({ log, logger, instanceId: config.instanceId, limits: config.groupLimits, dedupeWindow: config.dedupeWindow, dedupeWindowMs: config.dedupeWindowMs, snapshots, paging: config.paging });
  // The process managers (two-stream changes: friendships, blocks, direct conversations) run beside ingest.
  const workflows = new WorkflowRunner({ log, logger: logger.child({ component: 'workflows' }), instanceId: config.instanceId });
  consumers.push(ingest.health, workflows.health);
  await ingest.start();
  await workflows.start();
  ready = true;
  logger.info('ingest ready', { opsPort: ops.port });
  stopOnSignals(logger, telemetry, async () => {
    ready = false;
    await workflows.close();
    await ingest.close(); // finishes the transaction in flight and leaves the group
    await log.close();
    await ops.close();
  });
} catch (error) {
  logger.error('ingest failed to start', { error });
  process.exit(1);
}
