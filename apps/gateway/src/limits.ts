import { MAX_RESUME_CONVERSATIONS } from '@parley/protocol';
import type { GatewayLimits } from './gateway.js';
import type { HeartbeatConfig } from './transport-config.js';

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
    maxResumeConversations: MAX_RESUME_CONVERSATIONS,
    authTimeoutMs: 10_000,
    framesPerSecond: c.framesPerSecond,
    frameBurst: c.framesPerSecond * 2,
    maxBufferedBytes: 4 * 1024 * 1024,
    maxConsecutiveErrors: 50,
    maxAheadPerConversation: 5000,
  };
}

/**
 * uWS's own idle timeout, only a backstop behind the gateway's heartbeat (which closes a silent connection
 * with 4010 within timeout + interval): the next multiple of 4 s above that, as uWS requires, or 0 (off)
 * past uWS's maximum of 960 s.
 */
export function idleBackstopSeconds(heartbeat: HeartbeatConfig): number {
  const seconds = Math.ceil((heartbeat.timeoutMs + heartbeat.intervalMs) / 4000) * 4 + 4;
  return seconds > 960 ? 0 : seconds;
}

/** The TCP transport's limits (see TcpServerOptions), the same in both modes; frames per second are the gateway's. */
export function tcpLimits(maxContentBytes: number): {
  maxFrameBytes: number;
  maxBackpressureBytes: number;
  closeLingerMs: number;
  tlsHandshakeTimeoutMs: number;
} {
  return {
    maxFrameBytes: maxFrameBytes(maxContentBytes),
    maxBackpressureBytes: 16 * 1024 * 1024,
    closeLingerMs: 5000,
    tlsHandshakeTimeoutMs: 10_000,
  };
}

/** The WebSocket transport's limits (see UwsServerOptions), the same in both modes. */
export function transportLimits(maxContentBytes: number, heartbeat: HeartbeatConfig): {
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
    idleTimeoutSeconds: idleBackstopSeconds(heartbeat),
    maxHttpBodyBytes: 1024 * 1024,
  };
}
