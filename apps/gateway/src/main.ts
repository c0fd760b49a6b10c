#!/usr/bin/env node
import '@parley/core/require-node'; // first: one clear line and exit 2 on a Node.js too old for Parley
import { randomBytes } from 'node:crypto';
import { KafkaEventLog } from '@parley/log-kafka';
import { RedisPresence } from '@parley/presence-redis';
import { bootApp, createKafkaClient, createPostgres, createRedisClient, loadConfigOrExit, stopOnSignals } from '@parley/runtime';
import { Topics, topicSpecs } from '@parley/domain';
import { AttachmentSigner, TokenService, createAuthenticator } from '@parley/auth';
import { ConversationRepository, GroupRepository, MessageRepository, ProfileRepository, ProjectionWriter, ReceiptRepository, SessionRepository, UploadRepository, type Database } from '@parley/store';
import { createDirectory } from './directory.js';
import { gatewayIdFor } from '@parley/delivery-http';
import { loadGatewayConfig } from './gateway-config.js';
import { Gateway } from './gateway.js';
import { UwsServer } from './uws-server.js';
import { startInternalServer } from './internal-server.js';
import { createHistoryReader } from './history-reader.js';
import { createAwaitProjection } from './await-projection.js';
import { gatewayLimits, transportLimits } from './limits.js';
import { TcpServer } from './tcp-server.js';

// Distributed gateway: WebSocket (and, with PARLEY_TCP_PORT, raw TCP) clients in, commands to Kafka, hand-offs from fanout out to sockets.
const config = loadConfigOrExit(() => loadGatewayConfig(process.env));
const { logger, telemetry } = bootApp('gateway', config);
let gateway: Gateway | undefined;
let ready = false;
const server = new UwsServer({
  host: config.host,
  port: config.port,
  logger,
  gateway: () => gateway,
  ...transportLimits(config.maxContentBytes, config.heartbeat),
  ready: () => ready,
});
let tcp: TcpServer | undefined;
try {
  await server.start();
  tcp = await TcpServer.fromConfig(config, () => gateway, logger);
  await tcp?.start();
  const kafka = createKafkaClient(`parley-gateway-${config.instanceId}`, config.kafkaBrokers, logger);
  const log = new KafkaEventLog({ kafka, logger, replicationFactor: config.replicationFactor, sessionTimeoutMs: config.kafkaSessionTimeoutMs });
  await log.createTopics(topicSpecs(config.partitions));
  const partitions = await log.partitionCount(Topics.events);
  const db = createPostgres<Database>(config.databaseUrl, 10);
  const redis = createRedisClient(config.redisUrl, logger);
  const presence = new RedisPresence({ redis, ttlMs: config.presenceTtlMs });
  // Tokens are checked as query checks them, and a connection counts as activity in the sessions list.
  const sessions = new SessionRepository(db);
  const attachments = new AttachmentSigner(config.tokenSecret);
  const uploadRows = new UploadRepository(db);
  const authenticate = createAuthenticator(new TokenService({ secret: config.tokenSecret, ttlSeconds: 3600 }), (id) => sessions.isRevoked(id), sessions.activityRecorder(logger));
  const gatewayId = gatewayIdFor(`${config.instanceId}-${randomBytes(3).toString('hex')}`, config.advertisedHost, config.internalPort);
  const g = new Gateway({
    gatewayId,
    log,
    presence,
    authenticate,
    attachments,
    attachmentHeld: (upload, userId, blob) => uploadRows.holds(upload, userId, blob),
    logger,
    heartbeatMs: Math.floor(config.presenceTtlMs / 3),
    clientHeartbeat: config.heartbeat,
    limits: gatewayLimits(config),
    history: createHistoryReader(new ConversationRepository(db), new MessageRepository(db), new GroupRepository(db)),
    directory: createDirectory(new ProfileRepository(db), new ReceiptRepository(db), new ConversationRepository(db)),
    receiptFlushMs: config.receiptFlushMs,
    awaitProjection: createAwaitProjection(log, new ProjectionWriter(db), partitions),
  });
  const internal = await startInternalServer({ host: config.host, port: config.internalPort, token: config.internalToken, gateway: g, logger });
  g.start();
  await presence.heartbeat(gatewayId);
  gateway = g;
  ready = true;
  logger.info('gateway ready', { port: server.port, ...(tcp ? { tcpPort: tcp.port } : {}), internalPort: internal.port, gatewayId });

  stopOnSignals(logger, telemetry, async () => {
    ready = false;
    server.stopListening(); // no new connections
    tcp?.stopListening();
    await g.drain(); // clients, WebSocket and TCP, are told 1001 and reconnect to another gateway
    await tcp?.close();
    await internal.close();
    await presence.close();
    await log.close();
    await db.destroy();
    redis.disconnect();
    logger.info('gateway stopped');
  });
} catch (error) {
  logger.error('gateway failed to start', { error });
  process.exit(1);
}
