import { deepFreeze, readHealthBounds, readInt, type Env, type HealthBounds } from '@parley/core';
import { readCommonConfig, type CommonConfig } from '@parley/runtime';

export interface IngestConfig extends CommonConfig {
  /** When /healthz calls a consumer stuck or lagging (PARLEY_HEALTH_STUCK_MS, PARLEY_HEALTH_MAX_LAG). */
  readonly healthBounds: HealthBounds;
  readonly maxGroupMembers: number;
  readonly dedupeWindow: number;
}

export function loadIngestConfig(env: Env): IngestConfig {
  return deepFreeze({
    ...readCommonConfig(env),
    healthBounds: readHealthBounds(env),
    maxGroupMembers: readInt(env, 'PARLEY_MAX_GROUP_MEMBERS', 5000, { min: 2, max: 1_000_000 }),
    dedupeWindow: readInt(env, 'PARLEY_DEDUPE_WINDOW', 10_000, { min: 0, max: 1_000_000 }),
  });
}
