import { deepFreeze, readHealthBounds, readSnapshotSettings, type SnapshotSettings, readInt, type Env, type HealthBounds } from '@parley/core';
import { readCommonConfig, type CommonConfig } from '@parley/runtime';
import { readConversationLimits, readStatePaging, type ConversationLimits, type StatePagingSettings } from '@parley/domain';

export interface IngestConfig extends CommonConfig {
  /** When /healthz calls a consumer stuck or lagging (PARLEY_HEALTH_STUCK_MS, PARLEY_HEALTH_MAX_LAG). */
  readonly healthBounds: HealthBounds;
  /** When partition state is snapshotted (PARLEY_SNAPSHOT_EVERY, PARLEY_SNAPSHOT_INTERVAL_MS). */
  readonly snapshots: SnapshotSettings;
  /** Where and when idle conversations' state leaves memory (PARLEY_STATE_PAGE_DIR, PARLEY_STATE_IDLE_SECONDS). */
  readonly paging: StatePagingSettings;
  /** Group limits (PARLEY_MAX_GROUP_MEMBERS, _ADMINS, _NOTICES, PARLEY_MAX_INVITE_LINKS). */
  readonly groupLimits: ConversationLimits;
  readonly dedupeWindow: number;
  /** How long a client message id is remembered at most, ms (PARLEY_DEDUPE_WINDOW_SECONDS; 0: no limit). */
  readonly dedupeWindowMs: number;
}

export function loadIngestConfig(env: Env): IngestConfig {
  return deepFreeze({
    ...readCommonConfig(env),
    healthBounds: readHealthBounds(env),
    snapshots: readSnapshotSettings(env),
    paging: readStatePaging(env),
    groupLimits: readConversationLimits(env),
    dedupeWindow: readInt(env, 'PARLEY_DEDUPE_WINDOW', 1000, { min: 0, max: 1_000_000 }),
    dedupeWindowMs: readInt(env, 'PARLEY_DEDUPE_WINDOW_SECONDS', 86_400, { min: 0, max: 31_536_000 }) * 1000,
  });
}
