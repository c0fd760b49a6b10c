export { EmbeddedLog, type EmbeddedLogOptions, type LogCut } from './embedded-log.js';
export type { FsyncPolicy } from './journal.js';
export { FileSnapshotStore } from './file-snapshot-store.js';
