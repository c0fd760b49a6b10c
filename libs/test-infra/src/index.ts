export { startPostgres, type PostgresServer } from './postgres.js';
export { startRedis, type RedisServer } from './redis.js';
export { startKafka, ensureKafkaJars, KAFKA_VERSION, type KafkaServer } from './kafka.js';
export { freePort } from './process-utils.js';
export { useContainers } from './docker.js';
export { startNodeProcess, type NodeProcess } from './node-process.js';
export { Cluster, type AppName, type ClusterOptions } from './cluster.js';
export { startMailpit, ensureMailpit, MAILPIT_VERSION, type MailpitServer, type MailpitMessage } from './mailpit.js';
export { startVersityGw, ensureVersityGw, VERSITYGW_VERSION, type S3Server } from './versitygw.js';
