import { setTimeout as sleep } from 'node:timers/promises';
import { partitionForKey, type EventLog } from '@parley/core';
import { Topics } from '@parley/domain';
import type { ProjectionWriter } from '@parley/store';
import type { AwaitProjection } from './socket.js';

/**
 * Waits until the projector has applied, for the partitions of the given conversations, every event the
 * log held when called: a resume then reads a store that has everything acknowledged so far.
 */
export function createAwaitProjection(log: EventLog, writer: ProjectionWriter, partitions: number): AwaitProjection {
  return async (ids, maxWaitMs) => {
    const wanted = [...new Set(ids.map((id) => partitionForKey(id, partitions)))];
    const ends = await Promise.all(wanted.map((p) => log.endOffset(Topics.events, p)));
    const deadline = Date.now() + maxWaitMs;
    while (Date.now() < deadline) {
      const done = await Promise.all(wanted.map(async (p, i) => ((await writer.nextOffset(Topics.events, p)) ?? 0) >= ends[i]!));
      if (done.every(Boolean)) return true;
      await sleep(10);
    }
    return false;
  };
}
