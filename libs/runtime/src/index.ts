export { readCommonConfig, readTokenSecret, readInternalToken, type CommonConfig } from './distributed-config.js';
export { createKafkaClient, createPostgres, createRedisClient } from './clients.js';
export { startOpsServer } from './ops-server.js';
export { loadConfigOrExit, bootApp, stopOnSignals } from './app-lifecycle.js';
