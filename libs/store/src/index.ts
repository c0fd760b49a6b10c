export * from './database.js';
export { migrateToLatest } from './migrations.js';
export { UserRepository, type UserRow } from './user.repository.js';
export { ConversationRepository, type ConversationSummary, type Member } from './conversation.repository.js';
export { MessageRepository, type StoredMessage } from './message.repository.js';
export { OutcomeRepository, type CommandOutcome } from './outcome.repository.js';
export { ProjectionWriter } from './projection-writer.js';
export { projectionChecksums, projectionsEmpty, PROJECTED_TABLES } from './checksum.js';
export { WorkerPGlite } from './pglite-in-worker.js';
