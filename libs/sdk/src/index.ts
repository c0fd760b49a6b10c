export { ParleyClient, type ParleyClientOptions, type ClientEvents, type ConnectionState, type Ack, type WebSocketConstructor } from './parley-client.js';
export { ParleyClientError, type ConversationSummary, type Member, type User } from './http-api.js';
export type { MessageFrame, ConversationFrame, RoomPresenceFrame, ErrorFrame, AckFrame, ReadyFrame } from '@parley/protocol';
