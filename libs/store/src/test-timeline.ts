import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Actor, EventPayload, ParleyEvent } from '@parley/schemas';
import { projectionChecksums } from './checksum.js';
import type { Database } from './database.js';
import { migrateToLatest } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';

/**
 * For the store's tests: a conversation's events as the decider writes them. Each MessageSent (message or
 * system entry) takes the next seq, anything else the seq of the entry before it; `ws` gives an event an
 * origin connection (the projector's batched path for messages), otherwise none (HTTP: one by one).
 */
export function timelineOf(stream: string) {
  let seq = 0;
  let n = 0;
  const events: ParleyEvent[] = [];
  const push = (payload: EventPayload, actor: Actor, ws: boolean): ParleyEvent => {
    if (payload.type === 'MessageSent') seq += 1;
    n += 1;
    const e: ParleyEvent = {
      eventId: `${stream}-e${n}`,
      stream,
      seq,
      ts: 10_000 + n,
      commandId: `${stream}-c${n}`,
      actor,
      origin: ws ? { gatewayId: 'g', connectionId: 'g/1' } : null,
      payload,
    };
    events.push(e);
    return e;
  };
  /** The seq the next message will take. */
  const next = (): number => seq + 1;
  /** A MessageSent by `by` at the next seq (id `<stream>-m<seq>`, clientMsgId `k<seq>`), with `extra` fields. */
  const sent = (by: Actor, kind: string, content: string, extra: Partial<Extract<EventPayload, { type: 'MessageSent' }>> = {}, ws = true): ParleyEvent =>
    push({ type: 'MessageSent', id: `${stream}-m${next()}`, senderId: by.userId, senderName: by.username, clientMsgId: `k${next()}`, kind, content, ...extra }, by, ws);
  return { events, push, next, sent };
}

/** The profiles the store's tests act as. */
export const alice: Actor = { userId: 'ua', username: 'alice' };
export const bob: Actor = { userId: 'ub', username: 'bob' };
export const carl: Actor = { userId: 'uc', username: 'carl' };
export const dave: Actor = { userId: 'ud', username: 'dave' };

/**
 * For the store's tests: `log` replayed into a fresh database of `open` in batches of each of `sizes` (a
 * projector stopped between any two) must give the projections' checksums `expected`.
 */
export async function assertReplaysInBatches(open: () => Promise<Kysely<Database>>, log: readonly ParleyEvent[], sizes: readonly number[], expected: Awaited<ReturnType<typeof projectionChecksums>>): Promise<void> {
  for (const size of sizes) {
    const target = await open();
    try {
      await migrateToLatest(target as Kysely<unknown>);
      const writer = new ProjectionWriter(target);
      for (let i = 0; i < log.length; i += size) await writer.applyBatch('parley.events', 0, log.slice(i, i + size), Math.min(i + size, log.length));
      assert.deepEqual(await projectionChecksums(target), expected, `a replay in batches of ${size}`);
    } finally {
      await target.destroy();
    }
  }
}
