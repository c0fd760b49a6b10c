export { DEADLETTER_TOPIC, Ingest, type IngestOptions } from './ingest.js';
export { decide, type DecideContext, type DecideLimits } from './decide.js';
