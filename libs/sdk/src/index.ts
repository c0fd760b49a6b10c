export { ParleyClient, type ParleyClientOptions, type ClientEvents, type ConnectionState, type Ack } from './parley-client.js';
export type { Transport, TransportConnection, TransportEvents } from './transport.js';
export { webSocketTransport, type WebSocketConstructor } from './websocket-transport.js';
export { ParleyClientError, type ConversationSummary, type Member, type User } from './http-api.js';
export type { MessageFrame, ConversationFrame, RoomPresenceFrame, ErrorFrame, AckFrame, ReadyFrame } from '@parley/protocol';
