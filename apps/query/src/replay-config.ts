import { deepFreeze, readOptionalString, readString, type Env } from '@parley/core';
import { readCommonConfig, type CommonConfig } from '@parley/runtime';

export interface ReplayConfig extends CommonConfig {
  /** The empty database to rebuild the projections into. */
  readonly targetDatabaseUrl: string;
  /** The live database (DATABASE_URL), to copy the logins' keys from (docs/adr/0007); unset: none copied. */
  readonly keysDatabaseUrl: string | undefined;
}

export function loadReplayConfig(env: Env): ReplayConfig {
  return deepFreeze({ ...readCommonConfig(env), targetDatabaseUrl: readString(env, 'REPLAY_DATABASE_URL'), keysDatabaseUrl: readOptionalString(env, 'DATABASE_URL') });
}
