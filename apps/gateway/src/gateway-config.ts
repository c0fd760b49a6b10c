import { deepFreeze, readInt, readString, type Env } from '@parley/core';
import { readHeartbeatConfig, readTcpConfig, type HeartbeatConfig, type TcpConfig } from './transport-config.js';
import { readCommonConfig, readInternalToken, readTokenSecret, type CommonConfig } from '@parley/runtime';

/** A distributed gateway's configuration (docs/OPERATIONS.md). */
export interface GatewayConfig extends CommonConfig {
  readonly host: string;
  /** Public WebSocket port. */
  readonly port: number;
  /** Raw TCP access (PARLEY_TCP_PORT): off unless set. */
  readonly tcp: TcpConfig;
  /** Dead-connection detection on every transport (PARLEY_HEARTBEAT_INTERVAL_MS, PARLEY_HEARTBEAT_TIMEOUT_MS). */
  readonly heartbeat: HeartbeatConfig;
  /** Port of the internal hand-off endpoint fanout calls. */
  readonly internalPort: number;
  /** Host (pod IP or DNS name) fanout uses to reach the internal port. */
  readonly advertisedHost: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly tokenSecret: Uint8Array;
  readonly internalToken: string;
  readonly maxContentBytes: number;
  readonly maxPendingSends: number;
  /** Unacknowledged sends over all connections of this process (PARLEY_GATEWAY_MAX_PENDING_SENDS). */
  readonly maxGatewayPendingSends: number;
  readonly framesPerSecond: number;
  /** Presence lease: a gateway that has not heartbeated for this long is dead and its connections expire. */
  readonly presenceTtlMs: number;
  /** How long reads and deliveries are gathered before one command per conversation carries them (PARLEY_RECEIPT_FLUSH_MS). */
  readonly receiptFlushMs: number;
}

export function loadGatewayConfig(env: Env): GatewayConfig {
  return deepFreeze({
    ...readCommonConfig(env),
    host: readString(env, 'HOST', '0.0.0.0'),
    port: readInt(env, 'PORT', 8080, { min: 0, max: 65535 }),
    tcp: readTcpConfig(env, 'off'),
    heartbeat: readHeartbeatConfig(env),
    internalPort: readInt(env, 'PARLEY_INTERNAL_PORT', 9100, { min: 0, max: 65535 }),
    advertisedHost: readString(env, 'PARLEY_ADVERTISED_HOST', '127.0.0.1'),
    databaseUrl: readString(env, 'DATABASE_URL'),
    redisUrl: readString(env, 'REDIS_URL'),
    tokenSecret: readTokenSecret(env),
    internalToken: readInternalToken(env),
    maxContentBytes: readInt(env, 'PARLEY_MAX_CONTENT_BYTES', 16 * 1024, { min: 1, max: 256 * 1024 }),
    maxPendingSends: readInt(env, 'PARLEY_MAX_PENDING_SENDS', 256, { min: 1, max: 65_536 }),
    maxGatewayPendingSends: readInt(env, 'PARLEY_GATEWAY_MAX_PENDING_SENDS', 20_000, { min: 1, max: 10_000_000 }),
    framesPerSecond: readInt(env, 'PARLEY_FRAMES_PER_SECOND', 100, { min: 1, max: 1_000_000 }),
    presenceTtlMs: readInt(env, 'PARLEY_PRESENCE_TTL_MS', 15_000, { min: 1000, max: 600_000 }),
    receiptFlushMs: readInt(env, 'PARLEY_RECEIPT_FLUSH_MS', 1000, { min: 10, max: 60_000 }),
  });
}
