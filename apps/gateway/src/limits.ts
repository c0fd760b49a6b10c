import type { GatewayLimits } from './gateway.js';

/** uWS buffers at most this per WebSocket message; beyond it the connection is dropped. */
export const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

/** A frame may carry the content limit JSON-escaped (up to 6 bytes per character for control characters) plus its fields. */
export function maxFrameBytes(maxContentBytes: number): number {
  return Math.min(MAX_WS_MESSAGE_BYTES, Math.max(64 * 1024, maxContentBytes * 6 + 1024));
}

/** The gateway's limits from the few that are configurable; the rest are fixed (docs/PROTOCOL.md, Limits). */
export function gatewayLimits(c: { maxContentBytes: number; maxPendingSends: number; maxGatewayPendingSends: number; framesPerSecond: number }): GatewayLimits {
  return {
    maxContentBytes: c.maxContentBytes,
    maxFrameBytes: maxFrameBytes(c.maxContentBytes),
    maxPendingSends: c.maxPendingSends,
    maxGatewayPendingSends: c.maxGatewayPendingSends,
    maxResumeConversations: 2000,
    authTimeoutMs: 10_000,
    framesPerSecond: c.framesPerSecond,
    frameBurst: c.framesPerSecond * 2,
    maxBufferedBytes: 4 * 1024 * 1024,
    maxConsecutiveErrors: 50,
    maxAheadPerConversation: 5000,
  };
}

/** The transport's limits (see UwsServerOptions), the same in both modes. */
export function transportLimits(maxContentBytes: number): {
  maxPayloadBytes: number;
  maxFrameBytes: number;
  maxBackpressureBytes: number;
  idleTimeoutSeconds: number;
  maxHttpBodyBytes: number;
} {
  return {
    maxPayloadBytes: MAX_WS_MESSAGE_BYTES,
    maxFrameBytes: maxFrameBytes(maxContentBytes),
    maxBackpressureBytes: 16 * 1024 * 1024,
    idleTimeoutSeconds: 120,
    maxHttpBodyBytes: 1024 * 1024,
  };
}
