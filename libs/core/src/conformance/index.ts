export { eventLogConformance, type EventLogHarness } from './event-log.conformance.js';
export { presenceConformance, type PresenceHarness } from './presence.conformance.js';
export { blobStoreConformance, type BlobStoreHarness } from './blob-store.conformance.js';
export { eventually } from './eventually.js';
export { snapshotStoreConformance, type SnapshotStoreHarness } from './snapshot-store.conformance.js';
