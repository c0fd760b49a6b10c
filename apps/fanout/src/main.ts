#!/usr/bin/env node
import '@parley/core/require-node'; // first: one clear line and exit 2 on a Node.js too old for Parley
import { KafkaEventLog, TopicSnapshotStore, snapshotTopicSpec } from '@parley/log-kafka';
import { RedisPresence } from '@parley/presence-redis';
import { createHttpDelivery } from '@parley/delivery-http';
import { healthReport, type ConsumerHealth } from '@parley/core';
import { bootApp, createKafkaClient, createRedisClient, loadConfigOrExit, startOpsServer, stopOnSignals } from '@parley/runtime';
import { topicSpecs } from '@parley/domain';
import { loadFanoutConfig } from './config.js';
import { Fanout } from './fanout.js';

// Distributed fanout: events from Kafka, recipients' gateways from Redis, hand-offs over HTTP.
const config = loadConfigOrExit(() => loadFanoutConfig(process.env));
const { logger, telemetry } = bootApp('fanout', config);
let ready = false;
/** What readiness reads once the consumer exists. */
const consumers: ConsumerHealth[] = [];
try {
  const ops = await startOpsServer({ port: config.opsPort, ready: () => ready, health: () => healthReport(consumers, config.healthBounds) });
  const kafka = createKafkaClient(`parley-fanout-${config.instanceId}`, config.kafkaBrokers, logger);
  const log = new KafkaEventLog({ kafka, logger, replicationFactor: config.replicationFactor, sessionTimeoutMs: config.kafkaSessionTimeoutMs });
  // The snapshots topic (compacted) keeps each partition's state for whichever instance takes it over next.
  await log.createTopics([...topicSpecs(config.partitions), snapshotTopicSpec('parley.snapshots', config.partitions)]);
  const snapshots = config.snapshots.everyEvents > 0 ? { store: new TopicSnapshotStore(log), ...config.snapshots } : undefined;
  const redis = createRedisClient(config.redisUrl, logger);
  const presence = new RedisPresence({ redis, ttlMs: config.presenceTtlMs });
  await presence.ready();
  const fanout = new Fanout({ log, presence, logger, deliver: createHttpDelivery({ token: config.internalToken, timeoutMs: config.deliveryTimeoutMs }), snapshots, paging: config.paging });
  consumers.push(fanout.health);
  await fanout.start();
  ready = true;
  logger.info('fanout ready', { opsPort: ops.port });
  stopOnSignals(logger, telemetry, async () => {
    ready = false;
    await fanout.close(); // hands off the batch in flight, commits, leaves the group
    await presence.close();
    await log.close();
    redis.disconnect();
    await ops.close();
  });
} catch (error) {
  logger.error('fanout failed to start', { error });
  process.exit(1);
}
