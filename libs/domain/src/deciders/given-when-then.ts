import assert from 'node:assert/strict';
import type { Actor, Command, CommandPayload, EventPayload, EventType, ParleyEvent } from '@parley/schemas';
import { decide, type DecideContext } from '../decide.js';
import { StreamState } from '../stream-state.js';

/**
 * Given / When / Then for the deciders, over the same StreamState and dispatcher ingest uses:
 *
 *   const state = given(...on(bob, profileCreated), ...on(alice, ...));
 *   then(when(state, { stream, actor, payload }), [{ type: 'FriendRequested', fromId: 'ua' }]);
 *   then(when(state, ...), rejected('self_target'));
 *
 * `when` folds the events it returns into the state, so a test can chain commands.
 */

/** A fact already in the log: an event payload on a stream. */
export interface Fact {
  readonly stream: string;
  readonly payload: EventPayload;
  readonly actor?: Actor | null;
}

/** An expected event: its type and any of its payload fields (the others are not compared). */
export type Expect = { [K in EventType]: { type: K } & Partial<Extract<EventPayload, { type: K }>> }[EventType];

let counter = 0;
const next = (prefix: string): string => `${prefix}${++counter}`;

export const testContext: DecideContext = { now: 1_000, newId: () => next('id'), limits: { maxMembers: 3, maxAdmins: 2, maxNotices: 2, maxInviteLinks: 2, recallWindowMs: 120_000, editWindowMs: 600_000, maxPins: 2, recentMessages: 5 } };

/** Payloads as facts on one stream. */
export function on(stream: string, ...payloads: EventPayload[]): Fact[] {
  return payloads.map((payload) => ({ stream, payload }));
}

/** A state folded from facts, as if they had been decided earlier (a message takes its conversation's next seq). */
export function given(...facts: Fact[]): StreamState {
  const state = new StreamState({ dedupeWindow: 10, recentMessages: testContext.limits.recentMessages });
  for (const fact of facts) state.apply(asEvent(state, fact));
  return state;
}

/** Folds further facts into an existing state. */
export function also(state: StreamState, ...facts: Fact[]): StreamState {
  for (const fact of facts) state.apply(asEvent(state, fact));
  return state;
}

function asEvent(state: StreamState, { stream, payload, actor = null }: Fact): ParleyEvent {
  const lastSeq = state.conversations.get(stream)?.lastSeq ?? 0;
  const seq = payload.type === 'MessageSent' ? lastSeq + 1 : lastSeq;
  return { eventId: next('e'), stream, seq, ts: 1, commandId: next('c'), actor, origin: null, payload };
}

/** Decides a command (a client's unless it names its own id) and folds the events it yields. */
export function when(
  state: StreamState,
  command: { stream: string; actor: Actor | null; payload: CommandPayload; commandId?: string },
  ctx: DecideContext = testContext,
): ParleyEvent[] {
  const full: Command = { commandId: command.commandId ?? next('c'), stream: command.stream, issuedAt: 1, actor: command.actor, origin: null, payload: command.payload };
  const events = decide(full, state, ctx);
  for (const event of events) state.apply(event);
  return events;
}

/** Asserts the events' types, in order, and every field each expectation names. */
export function then(events: readonly ParleyEvent[], expected: readonly Expect[]): void {
  const actual = events.map((e, i) => {
    const want = expected[i];
    if (!want) return e.payload;
    const fields = e.payload as unknown as Record<string, unknown>;
    return Object.fromEntries(Object.keys(want).map((key) => [key, fields[key]]));
  });
  assert.deepEqual(actual, expected);
}

/** The one event of a refusal with this code. */
export function rejected(code: string): Expect[] {
  return [{ type: 'CommandRejected', code }];
}

/** The code a single-event answer was refused with, or the event type when it was not refused. */
export function outcomeOf(events: readonly ParleyEvent[]): string {
  return events.map((e) => (e.payload.type === 'CommandRejected' ? `rejected:${e.payload.code}` : e.payload.type)).join(',');
}
