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
export async function replayProjections(options: { log: EventLog; target: ParleyDb; logger: Logger; progressEveryMs?: number }): Promise<{ events: number; ms: number }> {
  const { log, target, logger } = options;
  await migrateToLatest(target as Kysely<unknown>);
  if (!(await projectionsEmpty(target))) {
    throw new ParleyError('conflict', 'The replay target database is not empty: point REPLAY_DATABASE_URL at a new, empty database');
  }
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
  return { events, ms: Date.now() - started };
}
