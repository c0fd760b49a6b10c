import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor, CommandPayload, ParleyEvent, ReceiptMark } from '@parley/schemas';
import { StreamState } from '../../stream-state.js';
import { rejected, then, when } from '../given-when-then.js';

const alice = { userId: 'ua', username: 'alice' };
const bob = { userId: 'ub', username: 'bob' };
const carol = { userId: 'uc', username: 'carol' };
const DIRECT = 'd.ua.ub';
const GROUP = 'g.team';

function run(state: StreamState, stream: string, actor: Actor | null, payload: CommandPayload): ParleyEvent[] {
  return when(state, { stream, actor, payload });
}
const send = (clientMsgId: string): CommandPayload => ({ type: 'SendMessage', clientMsgId, kind: 'text', content: clientMsgId });
const mark = (who: Actor, readSeq: number, deliveredSeq = 0, shared = true): ReceiptMark => ({ userId: who.userId, readSeq, deliveredSeq, shared });
/** A gateway's flush: no actor. */
const flush = (state: StreamState, stream: string, ...marks: ReceiptMark[]) => run(state, stream, null, { type: 'MarkReceipts', marks });

/** alice and bob in a direct conversation, alice having sent `n` messages. */
function direct(n: number): StreamState {
  const state = new StreamState({ dedupeWindow: 10 });
  run(state, DIRECT, alice, { type: 'CreateConversation', kind: 'direct', name: '', members: [alice, bob] });
  for (let i = 1; i <= n; i++) run(state, DIRECT, alice, send(`m${i}`));
  return state;
}

test('a read is clamped to the last seq and only moves forward: reading back or again writes nothing', () => {
  const state = direct(3);
  then(run(state, DIRECT, bob, { type: 'MarkRead', seq: 99 }), [{ type: 'ReceiptsMarked', marks: [mark(bob, 3, 3)] }]);
  assert.deepEqual(flush(state, DIRECT, mark(bob, 2)), [], 'back: nothing');
  assert.deepEqual(flush(state, DIRECT, mark(bob, 3)), [], 'again: nothing');
  // An HTTP read (with an actor) waits for an outcome: it gets an event, with no marks.
  then(run(state, DIRECT, bob, { type: 'MarkRead', seq: 2 }), [{ type: 'ReceiptsMarked', marks: [] }]);
  assert.deepEqual(state.conversations.get(DIRECT)!.reads.get(bob.userId), { read: 3, delivered: 3 });
});

test('a sender has read their own messages: marking them moves nothing', () => {
  const state = direct(2);
  assert.deepEqual(flush(state, DIRECT, mark(alice, 2)), []);
});

test('direct: delivered moves on its own, a read raises it, it never falls below the read', () => {
  const state = direct(4);
  then(flush(state, DIRECT, mark(bob, 0, 2)), [{ type: 'ReceiptsMarked', marks: [mark(bob, 0, 2)] }]);
  then(flush(state, DIRECT, mark(bob, 1, 0)), [{ type: 'ReceiptsMarked', marks: [mark(bob, 1, 2)] }]);
  then(flush(state, DIRECT, mark(bob, 0, 1)), []);
  then(flush(state, DIRECT, mark(bob, 3, 0)), [{ type: 'ReceiptsMarked', marks: [mark(bob, 3, 3)] }]);
  then(flush(state, DIRECT, mark(bob, 0, 9)), [{ type: 'ReceiptsMarked', marks: [mark(bob, 3, 4)] }]);
});

test('a flush carries many readers in one event; a reader named twice counts once, at the furthest; outsiders are left out', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  run(state, GROUP, alice, { type: 'CreateConversation', kind: 'group', name: 'Team', members: [alice, bob, carol] });
  for (const m of ['a', 'b', 'c']) run(state, GROUP, alice, send(m));
  const outsider = { userId: 'ux', username: 'x' };
  const events = flush(state, GROUP, mark(bob, 1), mark(carol, 2, 0, false), mark(bob, 3), mark(outsider, 3), mark(bob, 2));
  // In a group a read is the delivery.
  then(events, [{ type: 'ReceiptsMarked', marks: [mark(bob, 3, 3), mark(carol, 2, 2, false)] }]);
  assert.equal(events.length, 1);
  assert.deepEqual(flush(state, GROUP, mark(bob, 0, 3)), [], 'a delivery in a group moves nothing');
});

test('with an actor (an HTTP read) the marks are its own and it must be a member', () => {
  const state = direct(1);
  then(run(state, DIRECT, bob, { type: 'MarkReceipts', marks: [mark(alice, 1)] }), rejected('forbidden'));
  then(run(state, DIRECT, carol, { type: 'MarkReceipts', marks: [mark(carol, 1)] }), rejected('not_member'));
  then(run(state, DIRECT, bob, { type: 'MarkReceipts', marks: [mark(bob, 1, 0, false)] }), [{ type: 'ReceiptsMarked', marks: [mark(bob, 1, 1, false)] }]);
  assert.deepEqual(flush(state, 'g.none', mark(bob, 1)), [], 'a flush for a conversation that does not exist writes nothing');
});

test('a member who leaves forgets their marks; one who comes back starts again', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  run(state, GROUP, alice, { type: 'CreateConversation', kind: 'group', name: 'Team', members: [alice, bob] });
  run(state, GROUP, alice, send('a'));
  flush(state, GROUP, mark(bob, 1));
  run(state, GROUP, bob, { type: 'LeaveConversation', reason: '' });
  assert.equal(state.conversations.get(GROUP)!.reads.has(bob.userId), false);
  then(flush(state, GROUP, mark(bob, 2)), []);
});
