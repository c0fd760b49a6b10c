import { readInt, type Env } from './config.js';
import type { EventLog } from './ports/event-log.js';

/** When a consumer makes its app unready (docs/OPERATIONS.md "Health and readiness"). */
export interface HealthBounds {
  /** A partition retrying the same record, or one batch in flight, for this long (ms) is stuck. */
  readonly stuckMs: number;
  /** A partition this many records behind the end of the log is lagging. */
  readonly maxLag: number;
}

/** The bounds from PARLEY_HEALTH_STUCK_MS and PARLEY_HEALTH_MAX_LAG; every app with a consumer reads them. */
export function readHealthBounds(env: Env): HealthBounds {
  return {
    stuckMs: readInt(env, 'PARLEY_HEALTH_STUCK_MS', 30_000, { min: 1000, max: 3_600_000 }),
    maxLag: readInt(env, 'PARLEY_HEALTH_MAX_LAG', 100_000, { min: 1, max: 1_000_000_000 }),
  };
}

/** A record a consumer gave up on (it can never apply) and set aside, so that the partition goes on. */
export interface QuarantinedRecord {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly error: string;
  /** When it was quarantined, ms since the epoch. */
  readonly at: number;
}

/** Why a consumer holds its app unready. */
export interface ConsumerProblem {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly reason: 'stuck' | 'lagging' | 'recovering';
  readonly detail: string;
  /** Offset the partition is stuck at, or its position when lagging. */
  readonly offset: number | undefined;
}

/** Quarantined records of one partition; reported, but not a reason to be unready. */
export interface QuarantineSummary {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  /** The newest one this process saw (undefined when the count came from the store at start). */
  readonly last: QuarantinedRecord | undefined;
}

/** The readiness verdict over every consumer of one process. */
export interface HealthReport {
  readonly healthy: boolean;
  readonly problems: readonly ConsumerProblem[];
  readonly quarantined: readonly QuarantineSummary[];
  readonly notices: readonly RecoveryNotice[];
}

/**
 * Something recovery worked around in one partition, reported but not a reason to be unready: a snapshot
 * that failed a check (the partition was folded from the log instead) or that could not be written (a
 * full disk: the next rebuild folds more of the log).
 */
export interface RecoveryNotice {
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  /** How many since the process started. */
  readonly count: number;
  /** The newest: what happened, and when (ms since the epoch). */
  readonly last: { readonly detail: string; readonly at: number };
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Offset after the last batch handled (the next one expected). */
  position: number | undefined;
  inFlightSince: number | undefined;
  inFlightOffset: number | undefined;
  /** First failure at `failingOffset`, cleared by a success; a failure at another offset restarts it. */
  failingSince: number | undefined;
  failingOffset: number | undefined;
  failures: number;
  lastError: string | undefined;
  lag: number | undefined;
  quarantined: number;
  lastQuarantined: QuarantinedRecord | undefined;
  notices: number;
  lastNotice: { detail: string; at: number } | undefined;
  /** Since when the partition's state is being rebuilt (snapshot and log tail) before its first batch. */
  rebuildingSince: number | undefined;
}

const RECENT = 100;

/**
 * What one consumer reports about its partitions: each batch started, handled or failed (a transient
 * failure the log will redeliver), each record quarantined, and its lag. The app's readiness probe reads
 * it through `healthReport`. The consumers call it; it never throws and holds no timers.
 */
export class ConsumerHealth {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly recentQuarantined: QuarantinedRecord[] = [];

  constructor(
    readonly consumer: string,
    private readonly now: () => number = Date.now,
  ) {}

  started(topic: string, partition: number, offset: number): void {
    const p = this.entry(topic, partition);
    p.inFlightSince = this.now();
    p.inFlightOffset = offset;
  }

  succeeded(topic: string, partition: number, nextOffset: number): void {
    const p = this.entry(topic, partition);
    p.position = nextOffset;
    p.inFlightSince = p.inFlightOffset = p.failingSince = p.failingOffset = undefined;
  }

  /** A transient failure at `offset` (undefined: before any record, preparing the partition); it will be retried. */
  failed(topic: string, partition: number, offset: number | undefined, error: unknown): void {
    const p = this.entry(topic, partition);
    if (p.failingOffset !== offset || p.failingSince === undefined) {
      p.failingSince = this.now();
      p.failingOffset = offset;
    }
    p.failures++;
    p.lastError = error instanceof Error ? error.message : String(error);
    p.inFlightSince = p.inFlightOffset = undefined;
    if (offset !== undefined) p.position ??= offset;
  }

  /** The partition was just assigned and its state is being rebuilt: it cannot handle records yet (unready). */
  rebuilding(topic: string, partition: number): void {
    this.entry(topic, partition).rebuildingSince ??= this.now();
  }

  /** What failed before any record (preparing the partition) works now; the partition's state is rebuilt. */
  recovered(topic: string, partition: number): void {
    const p = this.entry(topic, partition);
    if (p.failingOffset === undefined) p.failingSince = undefined;
    p.rebuildingSince = undefined;
  }

  /** Recovery worked around something in the partition (RecoveryNotice); kept as a count and the newest. */
  notice(topic: string, partition: number, detail: string): void {
    const p = this.entry(topic, partition);
    p.notices++;
    p.lastNotice = { detail, at: this.now() };
  }

  quarantined(record: QuarantinedRecord): void {
    const p = this.entry(record.topic, record.partition);
    p.quarantined++;
    p.lastQuarantined = record;
    this.recentQuarantined.push(record);
    if (this.recentQuarantined.length > RECENT) this.recentQuarantined.shift();
  }

  /** Counts kept elsewhere (the projector's table) from before this process started. */
  seedQuarantined(topic: string, partition: number, count: number): void {
    this.entry(topic, partition).quarantined += count;
  }

  /** The last 100 quarantined records this process saw (fanout keeps its dead letters only here). */
  recent(): readonly QuarantinedRecord[] {
    return [...this.recentQuarantined];
  }

  /** Records between the position and the end of each partition held; forgets partitions no longer held. */
  /**
   * Samples the lag of the partitions `held()` names every `everyMs` (default 5 s) until the returned stop
   * is called; a failed sample goes to `onError` and the next one tries again.
   */
  watchLag(
    log: Pick<EventLog, 'endOffset'>,
    held: () => ReadonlyArray<{ topic: string; partition: number }>,
    onError: (error: unknown) => void,
    everyMs = 5000,
  ): () => void {
    const timer = setInterval(() => void this.sampleLag(log, held()).catch(onError), everyMs).unref();
    return () => clearInterval(timer);
  }

  async sampleLag(log: Pick<EventLog, 'endOffset'>, held: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    const keys = new Set(held.map((h) => key(h.topic, h.partition)));
    for (const [k, p] of this.partitions) {
      if (!keys.has(k)) {
        p.lag = undefined;
        if (p.quarantined === 0 && p.notices === 0) this.partitions.delete(k);
        continue;
      }
      if (p.position === undefined) continue;
      p.lag = Math.max(0, (await log.endOffset(p.topic, p.partition)) - p.position);
    }
  }

  /** Problems past the bounds, and quarantine counts, at `now`. */
  report(bounds: HealthBounds, now = this.now()): { problems: ConsumerProblem[]; quarantined: QuarantineSummary[]; notices: RecoveryNotice[] } {
    const problems: ConsumerProblem[] = [];
    const quarantined: QuarantineSummary[] = [];
    const notices: RecoveryNotice[] = [];
    for (const p of this.partitions.values()) {
      const where = { consumer: this.consumer, topic: p.topic, partition: p.partition };
      const before = problems.length;
      if (p.failingSince !== undefined && now - p.failingSince >= bounds.stuckMs) {
        const seconds = Math.round((now - p.failingSince) / 1000);
        const what = p.failingOffset === undefined ? 'preparing the partition' : `offset ${p.failingOffset}`;
        problems.push({ ...where, reason: 'stuck', offset: p.failingOffset, detail: `retrying ${what} for ${seconds} s (${p.failures} failures): ${p.lastError}` });
      } else if (p.inFlightSince !== undefined && now - p.inFlightSince >= bounds.stuckMs) {
        const seconds = Math.round((now - p.inFlightSince) / 1000);
        problems.push({ ...where, reason: 'stuck', offset: p.inFlightOffset, detail: `one batch from offset ${p.inFlightOffset} in flight for ${seconds} s` });
      }
      if (p.rebuildingSince !== undefined && problems.length === before) {
        // Not yet stuck (that says more): rebuilding its state, it cannot handle a record yet.
        const seconds = Math.round((now - p.rebuildingSince) / 1000);
        problems.push({ ...where, reason: 'recovering', offset: undefined, detail: `rebuilding its state from the log for ${seconds} s` });
      }
      if (p.lag !== undefined && p.lag > bounds.maxLag) {
        problems.push({ ...where, reason: 'lagging', offset: p.position, detail: `${p.lag} records behind (bound ${bounds.maxLag})` });
      }
      if (p.quarantined > 0) quarantined.push({ ...where, count: p.quarantined, last: p.lastQuarantined });
      if (p.lastNotice) notices.push({ ...where, count: p.notices, last: p.lastNotice });
    }
    return { problems, quarantined, notices };
  }

  private entry(topic: string, partition: number): PartitionState {
    const k = key(topic, partition);
    let p = this.partitions.get(k);
    if (!p) {
      p = { topic, partition, position: undefined, inFlightSince: undefined, inFlightOffset: undefined, failingSince: undefined, failingOffset: undefined, failures: 0, lastError: undefined, lag: undefined, quarantined: 0, lastQuarantined: undefined, notices: 0, lastNotice: undefined, rebuildingSince: undefined };
      this.partitions.set(k, p);
    }
    return p;
  }
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Unready when any consumer has a problem; quarantined records are listed but keep it ready. */
export function healthReport(consumers: readonly ConsumerHealth[], bounds: HealthBounds, now = Date.now()): HealthReport {
  const problems: ConsumerProblem[] = [];
  const quarantined: QuarantineSummary[] = [];
  const notices: RecoveryNotice[] = [];
  for (const c of consumers) {
    const r = c.report(bounds, now);
    problems.push(...r.problems);
    quarantined.push(...r.quarantined);
    notices.push(...r.notices);
  }
  return { healthy: problems.length === 0, problems, quarantined, notices };
}

/**
 * The /healthz body, one shape for the single node and every distributed app:
 * `{ status: 'ok' | 'unhealthy', problems: ConsumerProblem[], quarantined: QuarantineSummary[], notices: RecoveryNotice[] }`, served
 * with 200 when `status` is 'ok' and 503 otherwise (and `{ status: 'starting' }`, 503, before the app is up).
 */
export function healthBody(report: HealthReport): {
  status: 'ok' | 'unhealthy';
  problems: readonly ConsumerProblem[];
  quarantined: readonly QuarantineSummary[];
  notices: readonly RecoveryNotice[];
} {
  return { status: report.healthy ? 'ok' : 'unhealthy', problems: report.problems, quarantined: report.quarantined, notices: report.notices };
}

/** When ingest and fanout snapshot a partition's state (docs/OPERATIONS.md "Snapshots"). */
export interface SnapshotSettings {
  /** Events applied to a partition since its last snapshot that make the next one due (0: never snapshot). */
  readonly everyEvents: number;
  /** Time since a partition's last snapshot that makes the next one due, if anything changed (ms). */
  readonly intervalMs: number;
}

/** The settings from PARLEY_SNAPSHOT_EVERY and PARLEY_SNAPSHOT_INTERVAL_MS; ingest and fanout read them. */
export function readSnapshotSettings(env: Env): SnapshotSettings {
  return {
    everyEvents: readInt(env, 'PARLEY_SNAPSHOT_EVERY', 10_000, { min: 0, max: 100_000_000 }),
    intervalMs: readInt(env, 'PARLEY_SNAPSHOT_INTERVAL_MS', 60_000, { min: 1000, max: 86_400_000 }),
  };
}
