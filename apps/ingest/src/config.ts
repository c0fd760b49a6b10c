import { deepFreeze, readInt, type Env } from '@parley/core';
import { readCommonConfig, type CommonConfig } from '@parley/runtime';

export interface IngestConfig extends CommonConfig {
  readonly maxGroupMembers: number;
  readonly dedupeWindow: number;
}

export function loadIngestConfig(env: Env): IngestConfig {
  return deepFreeze({
    ...readCommonConfig(env),
    maxGroupMembers: readInt(env, 'PARLEY_MAX_GROUP_MEMBERS', 5000, { min: 2, max: 1_000_000 }),
    dedupeWindow: readInt(env, 'PARLEY_DEDUPE_WINDOW', 10_000, { min: 0, max: 1_000_000 }),
  });
}
