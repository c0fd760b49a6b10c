import { readConversationLimits, readStatePaging, type ConversationLimits, type StatePagingSettings } from '@parley/domain';
import { join, resolve } from 'node:path';
import { readHeartbeatConfig, readTcpConfig, type HeartbeatConfig, type TcpConfig } from './transport-config.js';
import { readMailConfig, type MailConfig } from '@parley/mail';
import { readBlobConfig, type BlobConfig } from '@parley/runtime';
import { readUploadLimits, type UploadLimits } from '@parley/query';
import { deepFreeze, readEnum, readHealthBounds, readSnapshotSettings, type SnapshotSettings, readInt, readOptionalString, readString, type Env, type HealthBounds, type LogLevel } from '@parley/core';

/** Single-node configuration: the only place that reads the environment (see the README's configuration table). */
export interface SingleNodeConfig {
  readonly host: string;
  readonly port: number;
  /** Raw TCP access (PARLEY_TCP_PORT, default 8081; `off` disables it). */
  readonly tcp: TcpConfig;
  /** Dead-connection detection on every transport (PARLEY_HEARTBEAT_INTERVAL_MS, PARLEY_HEARTBEAT_TIMEOUT_MS). */
  readonly heartbeat: HeartbeatConfig;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** Hex or base64 secret (>= 32 bytes); when unset a random one is kept in `<dataDir>/token.key`. */
  readonly tokenSecret: string | undefined;
  readonly tokenTtlSeconds: number;
  readonly partitions: number;
  readonly fsync: { mode: 'always' } | { mode: 'interval'; intervalMs: number } | { mode: 'never' };
  readonly maxContentBytes: number;
  readonly maxPendingSends: number;
  /** How long reads and deliveries are gathered before one command per conversation carries them (PARLEY_RECEIPT_FLUSH_MS). */
  readonly receiptFlushMs: number;
  /** How often the embedded database's statistics are refreshed (PARLEY_ANALYZE_INTERVAL_MS; PGlite has no autovacuum). */
  readonly analyzeIntervalMs: number;
  /** At most one projector transaction per partition per this many ms, unless full (PARLEY_PROJECTOR_BATCH_MS; 0: none). */
  readonly projectorBatchMs: number;
  /** Unacknowledged sends over all connections of this process (PARLEY_GATEWAY_MAX_PENDING_SENDS). */
  readonly maxGatewayPendingSends: number;
  readonly maxGroupMembers: number;
  /** Group limits ingest decides by (PARLEY_MAX_GROUP_MEMBERS, _ADMINS, _NOTICES, PARLEY_MAX_INVITE_LINKS). */
  readonly groupLimits: ConversationLimits;
  readonly authPerMinute: number;
  readonly apiPerMinute: number;
  readonly framesPerSecond: number;
  readonly dedupeWindow: number;
  /** How long a client message id is remembered at most, ms (PARLEY_DEDUPE_WINDOW_SECONDS; 0: no limit). */
  readonly dedupeWindowMs: number;
  /** When /healthz calls a consumer stuck or lagging (PARLEY_HEALTH_STUCK_MS, PARLEY_HEALTH_MAX_LAG). */
  readonly healthBounds: HealthBounds;
  /** When partition state is snapshotted (PARLEY_SNAPSHOT_EVERY, PARLEY_SNAPSHOT_INTERVAL_MS). */
  readonly snapshots: SnapshotSettings;
  /** Where and when idle conversations' state leaves memory (PARLEY_STATE_PAGE_DIR, PARLEY_STATE_IDLE_SECONDS). */
  readonly paging: StatePagingSettings;
  /** Mailing codes (PARLEY_SMTP_URL; unset: to the log), their lifetime, profiles per login. */
  readonly mail: MailConfig;
  /** Where attachments' bytes go: PARLEY_BLOB_DIR (default `<dataDir>/blobs`), or an S3 bucket (PARLEY_S3_*). */
  readonly blobs: BlobConfig;
  /** Upload sizes, quota, chunks and lifetimes (PARLEY_UPLOAD_*, PARLEY_ATTACHMENT_URL_TTL_SECONDS). */
  readonly uploads: UploadLimits;
}

export function loadSingleNodeConfig(env: Env): SingleNodeConfig {
  const fsyncMode = readEnum(env, 'PARLEY_LOG_FSYNC', ['always', 'interval', 'never'] as const, 'always');
  const maxContentBytes = readInt(env, 'PARLEY_MAX_CONTENT_BYTES', 16 * 1024, { min: 1, max: 256 * 1024 });
  const dataDir = resolve(readString(env, 'PARLEY_DATA_DIR', './data'));
  return deepFreeze({
    host: readString(env, 'HOST', '127.0.0.1'),
    port: readInt(env, 'PORT', 8080, { min: 0, max: 65535 }),
    tcp: readTcpConfig(env, 8081),
    heartbeat: readHeartbeatConfig(env),
    dataDir,
    logLevel: readEnum(env, 'PARLEY_LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    tokenSecret: readOptionalString(env, 'PARLEY_TOKEN_SECRET'),
    tokenTtlSeconds: readInt(env, 'PARLEY_TOKEN_TTL_SECONDS', 24 * 3600, { min: 60, max: 90 * 24 * 3600 }),
    partitions: readInt(env, 'PARLEY_PARTITIONS', 8, { min: 1, max: 256 }),
    fsync:
      fsyncMode === 'interval'
        ? { mode: 'interval', intervalMs: readInt(env, 'PARLEY_LOG_FSYNC_INTERVAL_MS', 100, { min: 1, max: 60_000 }) }
        : { mode: fsyncMode },
    maxContentBytes,
    maxPendingSends: readInt(env, 'PARLEY_MAX_PENDING_SENDS', 256, { min: 1, max: 65_536 }),
    maxGatewayPendingSends: readInt(env, 'PARLEY_GATEWAY_MAX_PENDING_SENDS', 20_000, { min: 1, max: 10_000_000 }),
    maxGroupMembers: readInt(env, 'PARLEY_MAX_GROUP_MEMBERS', 5000, { min: 2, max: 1_000_000 }),
    groupLimits: readConversationLimits(env),
    authPerMinute: readInt(env, 'PARLEY_AUTH_RATE_PER_MIN', 30, { min: 1, max: 1_000_000 }),
    apiPerMinute: readInt(env, 'PARLEY_API_RATE_PER_MIN', 1200, { min: 1, max: 10_000_000 }),
    framesPerSecond: readInt(env, 'PARLEY_FRAMES_PER_SECOND', 100, { min: 1, max: 1_000_000 }),
    receiptFlushMs: readInt(env, 'PARLEY_RECEIPT_FLUSH_MS', 1000, { min: 10, max: 60_000 }),
    analyzeIntervalMs: readInt(env, 'PARLEY_ANALYZE_INTERVAL_MS', 600_000, { min: 10_000, max: 86_400_000 }),
    projectorBatchMs: readInt(env, 'PARLEY_PROJECTOR_BATCH_MS', 50, { min: 0, max: 1000 }),
    dedupeWindow: readInt(env, 'PARLEY_DEDUPE_WINDOW', 1000, { min: 0, max: 1_000_000 }),
    dedupeWindowMs: readInt(env, 'PARLEY_DEDUPE_WINDOW_SECONDS', 86_400, { min: 0, max: 31_536_000 }) * 1000,
    healthBounds: readHealthBounds(env),
    snapshots: readSnapshotSettings(env),
    paging: readStatePaging(env),
    mail: readMailConfig(env),
    blobs: readBlobConfig(env, join(dataDir, 'blobs')),
    uploads: readUploadLimits(env),
  } satisfies SingleNodeConfig);
}
