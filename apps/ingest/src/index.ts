export { Ingest, type IngestOptions } from './ingest.js';
export { decide, type DecideContext, type DecideLimits } from './decide.js';
