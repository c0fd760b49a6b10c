import { deepFreeze, readString, type Env } from '@parley/core';
import { readCommonConfig, type CommonConfig } from '@parley/runtime';

export interface ReplayConfig extends CommonConfig {
  /** The empty database to rebuild the projections into. */
  readonly targetDatabaseUrl: string;
}

export function loadReplayConfig(env: Env): ReplayConfig {
  return deepFreeze({ ...readCommonConfig(env), targetDatabaseUrl: readString(env, 'REPLAY_DATABASE_URL') });
}
