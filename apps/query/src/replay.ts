import { setTimeout as sleep } from 'node:timers/promises';
import { ParleyError, type EventLog, type Logger } from '@parley/core';
import { Topics } from '@parley/domain';
import { ProjectionWriter, migrateToLatest, projectionsEmpty, type ParleyDb } from '@parley/store';
import type { Kysely } from 'kysely';
import { Projector } from './projector.js';

/**
 * Rebuilds every projection from offset 0 of the events topic into an empty database, with a consumer
 * group of its own (the live projector is untouched), and returns once the target holds every event that
 * was in the log when it started. Reports progress through `logger` every few seconds.
 */
export async function replayProjections(options: {
  log: EventLog;
  target: ParleyDb;
  logger: Logger;
  /** The live database: its `personal_keys` are copied first (and again at the end), so sealed credentials open. */
  keysFrom?: ParleyDb;
  progressEveryMs?: number;
}): Promise<{ events: number; ms: number; keys: number }> {
  const { log, target, logger, keysFrom } = options;
  await migrateToLatest(target as Kysely<unknown>);
  if (!(await projectionsEmpty(target))) {
    throw new ParleyError('conflict', 'The replay target database is not empty: point REPLAY_DATABASE_URL at a new, empty database');
  }
  let keys = 0;
  if (keysFrom) keys = await copyPersonalKeys(keysFrom, target);
  else logger.warn('DATABASE_URL is not set: no login keys copied, so the rebuilt logins have no readable password hash or email (docs/adr/0007)');
  const partitions = await log.partitionCount(Topics.events);
  const ends = await Promise.all(Array.from({ length: partitions }, (_, p) => log.endOffset(Topics.events, p)));
  const writer = new ProjectionWriter(target);
  const projector = new Projector({ log, writer, logger, groupId: `parley-replay-${Date.now()}` });
  let events = 0;
  projector.on('applied', (b) => (events += b.events));
  const started = Date.now();
  await projector.start();
  try {
    let lastReport = 0;
    for (;;) {
      const done = await Promise.all(ends.map(async (end, p) => ((await writer.nextOffset(Topics.events, p)) ?? 0) >= end));
      if (done.every(Boolean)) break;
      if (Date.now() - lastReport >= (options.progressEveryMs ?? 5000)) {
        lastReport = Date.now();
        logger.info('replaying', { events, partitionsDone: done.filter(Boolean).length, partitions, eventsPerSecond: Math.round(events / Math.max(1, (Date.now() - started) / 1000)) });
      }
      await sleep(100);
    }
  } finally {
    await projector.close();
  }
  // Logins registered while the replay ran have keys too; copy them before the cut-over (again at cut-over
  // for logins registered after this, see docs/OPERATIONS.md "Replay").
  if (keysFrom) keys = await copyPersonalKeys(keysFrom, target);
  return { events, ms: Date.now() - started, keys };
}

/**
 * Copies every login key of `from` missing in `to` (the vault is primary data, not a projection). Keys are
 * only ever added or erased, so copying the missing ones is all a copy needs; a key erased in `from` after it
 * was copied is erased in `to` when the replay projects that login's LoginDeleted. Returns the keys `to` holds.
 */
export async function copyPersonalKeys(from: ParleyDb, to: ParleyDb): Promise<number> {
  let after = '';
  for (;;) {
    const rows = await from.selectFrom('personal_keys').selectAll().where('login_id', '>', after).orderBy('login_id').limit(1000).execute();
    if (rows.length === 0) break;
    await to.insertInto('personal_keys').values(rows.map((r) => ({ login_id: r.login_id, key: r.key, created_at: Number(r.created_at) }))).onConflict((oc) => oc.doNothing()).execute();
    after = rows[rows.length - 1]!.login_id;
  }
  const count = await to.selectFrom('personal_keys').select((eb) => eb.fn.countAll<string | number | bigint>().as('n')).executeTakeFirst();
  return Number(count?.n ?? 0);
}
