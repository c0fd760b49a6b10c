import { deepFreeze, readHealthBounds, readInt, readString, type Env, type HealthBounds } from '@parley/core';
import { readBlobConfig, readCommonConfig, readTokenSecret, type BlobConfig, type CommonConfig } from '@parley/runtime';
import { readMailConfig, type MailConfig } from '@parley/mail';
import { readUploadLimits, type UploadLimits } from './upload-config.js';

export interface QueryConfig extends CommonConfig {
  /** When /healthz calls a consumer stuck or lagging (PARLEY_HEALTH_STUCK_MS, PARLEY_HEALTH_MAX_LAG). */
  readonly healthBounds: HealthBounds;
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly tokenSecret: Uint8Array;
  readonly tokenTtlSeconds: number;
  readonly authPerMinute: number;
  readonly apiPerMinute: number;
  readonly maxGroupMembers: number;
  readonly commandTimeoutMs: number;
  /** Express `trust proxy`: `loopback` (default), a hop count, or comma-separated addresses/subnets of your proxies. */
  readonly trustProxy: string;
  /** Mailing codes, their lifetime, profiles per login (PARLEY_SMTP_URL, PARLEY_MAIL_FROM, PARLEY_CODE_TTL_SECONDS, PARLEY_MAX_PROFILES_PER_LOGIN). */
  readonly mail: MailConfig;
  /** Where attachments' bytes go: an S3 bucket (PARLEY_S3_*) or a directory every replica shares (PARLEY_BLOB_DIR). */
  readonly blobs: BlobConfig;
  /** Upload sizes, quota, chunks and lifetimes (PARLEY_UPLOAD_*, PARLEY_ATTACHMENT_URL_TTL_SECONDS). */
  readonly uploads: UploadLimits;
}

export function loadQueryConfig(env: Env): QueryConfig {
  return deepFreeze({
    ...readCommonConfig(env),
    healthBounds: readHealthBounds(env),
    host: readString(env, 'HOST', '0.0.0.0'),
    port: readInt(env, 'PORT', 8081, { min: 0, max: 65535 }),
    databaseUrl: readString(env, 'DATABASE_URL'),
    tokenSecret: readTokenSecret(env),
    tokenTtlSeconds: readInt(env, 'PARLEY_TOKEN_TTL_SECONDS', 24 * 3600, { min: 60, max: 90 * 24 * 3600 }),
    authPerMinute: readInt(env, 'PARLEY_AUTH_RATE_PER_MIN', 30, { min: 1, max: 1_000_000 }),
    apiPerMinute: readInt(env, 'PARLEY_API_RATE_PER_MIN', 1200, { min: 1, max: 10_000_000 }),
    maxGroupMembers: readInt(env, 'PARLEY_MAX_GROUP_MEMBERS', 5000, { min: 2, max: 1_000_000 }),
    commandTimeoutMs: readInt(env, 'PARLEY_COMMAND_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
    trustProxy: readString(env, 'PARLEY_TRUST_PROXY', 'loopback'),
    mail: readMailConfig(env),
    blobs: readBlobConfig(env),
    uploads: readUploadLimits(env),
  });
}
