/**
 * Shapes of the HTTP API's responses (docs/openapi.yaml), shared by the server's store and the SDK. Each is
 * the Static type of its TypeBox declaration in ./http/, the one source of the validator and the docs.
 */
export type { User, ConversationSummary, Member, StoredMessage } from './http/index.js';
