/**
 * The frames a client and a gateway exchange, as JSON text: one frame per WebSocket message, or per
 * length-prefixed TCP frame. Each is declared once with TypeBox (client-frames.ts, server-frames.ts);
 * docs/protocol.schema.json is generated from the declarations and docs/PROTOCOL.md describes them.
 */
export * from './client-frames.js';
export * from './server-frames.js';
