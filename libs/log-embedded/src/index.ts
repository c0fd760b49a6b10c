export { EmbeddedLog, type EmbeddedLogOptions } from './embedded-log.js';
export type { FsyncPolicy } from './journal.js';
export { FileSnapshotStore } from './file-snapshot-store.js';
