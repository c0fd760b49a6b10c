import { ParleyError } from '../parley-error.js';

/**
 * Where a consumer keeps snapshots of state it can always rebuild from the log (ingest's decider state,
 * fanout's routing state), so that taking over a partition folds only the log's tail. Files beside the log
 * on a single node (@parley/log-embedded `FileSnapshotStore`); a compacted topic distributed
 * (@parley/log-kafka `TopicSnapshotStore`). Both pass libs/core/src/conformance/snapshot-store.conformance.ts.
 *
 * Contract:
 * - A snapshot is an optimisation, never a source of truth: the bytes are opaque here, and the reader
 *   checks them (checksum, version, the log position they cover) before using them.
 * - `save` replaces the snapshot under `name` atomically: a reader sees the old bytes or the new ones
 *   whole, never a mix, even after a crash mid-save. It resolves once the bytes are durable.
 * - `load` gives the newest bytes saved under `name`, or undefined when there are none. It never throws
 *   for a missing snapshot; it may throw for an unreachable store (the caller then folds from the log).
 * - Names match {@link SNAPSHOT_NAME}: they become file names and record keys.
 */
export interface SnapshotStore {
  load(name: string): Promise<Uint8Array | undefined>;
  save(name: string, data: Uint8Array): Promise<void>;
}

/** Lowercase letters, digits, dots and dashes, 1 to 100 characters, not starting with a dot. */
export const SNAPSHOT_NAME = /^[a-z0-9-][a-z0-9.-]{0,99}$/;

export function assertSnapshotName(name: string): void {
  if (!SNAPSHOT_NAME.test(name)) throw new ParleyError('bad_request', `Invalid snapshot name "${name}": use a-z, 0-9, "." and "-"`);
}
