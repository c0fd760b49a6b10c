export { DEADLETTER_TOPIC, Ingest, type IngestOptions } from './ingest.js';
export { WorkflowRunner, type WorkflowRunnerOptions } from './workflow-runner.js';
