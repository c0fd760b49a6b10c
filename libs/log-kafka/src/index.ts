export { KafkaEventLog, type KafkaEventLogOptions } from './kafka-event-log.js';
