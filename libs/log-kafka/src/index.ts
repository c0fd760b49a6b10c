export { KafkaEventLog, type KafkaEventLogOptions } from './kafka-event-log.js';
export { TopicSnapshotStore, snapshotTopicSpec } from './topic-snapshot-store.js';
