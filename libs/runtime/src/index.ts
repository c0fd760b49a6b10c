export { readCommonConfig, readTokenSecret, readInternalToken, type CommonConfig } from './distributed-config.js';
export { createKafkaClient, createPostgres, createRedisClient } from './clients.js';
export { startOpsServer } from './ops-server.js';
export { loadConfigOrExit, bootApp, stopOnSignals } from './app-lifecycle.js';
export { readBlobConfig, describeBlobConfig, type BlobConfig } from './blob-config.js';
export { openBlobStore, type OpenedBlobStore } from './blob-store.js';
