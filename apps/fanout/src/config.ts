import { deepFreeze, readInt, readString, type Env } from '@parley/core';
import { readCommonConfig, readInternalToken, type CommonConfig } from '@parley/runtime';

export interface FanoutConfig extends CommonConfig {
  readonly redisUrl: string;
  readonly internalToken: string;
  readonly deliveryTimeoutMs: number;
  readonly presenceTtlMs: number;
}

export function loadFanoutConfig(env: Env): FanoutConfig {
  return deepFreeze({
    ...readCommonConfig(env),
    redisUrl: readString(env, 'REDIS_URL'),
    internalToken: readInternalToken(env),
    deliveryTimeoutMs: readInt(env, 'PARLEY_DELIVERY_TIMEOUT_MS', 5000, { min: 100, max: 120_000 }),
    presenceTtlMs: readInt(env, 'PARLEY_PRESENCE_TTL_MS', 15_000, { min: 1000, max: 600_000 }),
  });
}
