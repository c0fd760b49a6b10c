import { deepFreeze, readHealthBounds, readSnapshotSettings, type SnapshotSettings, readInt, readString, type Env, type HealthBounds } from '@parley/core';
import { readCommonConfig, readInternalToken, type CommonConfig } from '@parley/runtime';
import { readStatePaging, type StatePagingSettings } from '@parley/domain';

export interface FanoutConfig extends CommonConfig {
  /** When /healthz calls a consumer stuck or lagging (PARLEY_HEALTH_STUCK_MS, PARLEY_HEALTH_MAX_LAG). */
  readonly healthBounds: HealthBounds;
  /** When partition state is snapshotted (PARLEY_SNAPSHOT_EVERY, PARLEY_SNAPSHOT_INTERVAL_MS). */
  readonly snapshots: SnapshotSettings;
  /** Where and when idle conversations' state leaves memory (PARLEY_STATE_PAGE_DIR, PARLEY_STATE_IDLE_SECONDS). */
  readonly paging: StatePagingSettings;
  readonly redisUrl: string;
  readonly internalToken: string;
  readonly deliveryTimeoutMs: number;
  readonly presenceTtlMs: number;
}

export function loadFanoutConfig(env: Env): FanoutConfig {
  return deepFreeze({
    ...readCommonConfig(env),
    healthBounds: readHealthBounds(env),
    snapshots: readSnapshotSettings(env),
    paging: readStatePaging(env),
    redisUrl: readString(env, 'REDIS_URL'),
    internalToken: readInternalToken(env),
    deliveryTimeoutMs: readInt(env, 'PARLEY_DELIVERY_TIMEOUT_MS', 5000, { min: 100, max: 120_000 }),
    presenceTtlMs: readInt(env, 'PARLEY_PRESENCE_TTL_MS', 15_000, { min: 1000, max: 600_000 }),
  });
}
