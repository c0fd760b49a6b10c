export { readCommonConfig, readTokenSecret, readInternalToken, type CommonConfig } from './distributed-config.js';
export { createKafkaClient, createPostgres, createRedisClient } from './clients.js';
export { startOpsServer } from './ops-server.js';
