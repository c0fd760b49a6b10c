import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamState, userStream } from '@parley/domain';
import type { Command, CommandPayload, EventPayload, ParleyEvent } from '@parley/schemas';
import { decide } from './decide.js';

const alice = { userId: 'ua', username: 'alice' };
const bob = { userId: 'ub', username: 'bob' };
const carol = { userId: 'uc', username: 'carol' };
let n = 0;
const ctx = { now: 1000, newId: () => `id${++n}`, limits: { maxMembers: 3 } };

function run(state: StreamState, stream: string, actor: typeof alice | null, payload: CommandPayload): ParleyEvent[] {
  const command: Command = { commandId: `c${++n}`, stream, issuedAt: 1, actor, origin: { gatewayId: 'g', connectionId: 'g/1' }, payload };
  const events = decide(command, state, ctx);
  for (const e of events) state.apply(e);
  return events;
}
/** Folds a fact into the state as if it had been decided earlier: the Given of a Given / When / Then test. */
function given(state: StreamState, stream: string, actor: typeof alice, payload: EventPayload): void {
  state.apply({ eventId: `e${++n}`, stream, seq: 0, ts: 1, commandId: `c${++n}`, actor, origin: { gatewayId: 'g', connectionId: 'g/1' }, payload });
}
const types = (events: ParleyEvent[]) => events.map((e) => (e.payload.type === 'CommandRejected' ? `rejected:${e.payload.code}` : e.payload.type));
const send = (clientMsgId: string, content = 'x'): CommandPayload => ({ type: 'SendMessage', clientMsgId, kind: 'text', content });

test('registration is decided once per username', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  const payload: CommandPayload = { type: 'RegisterUser', userId: 'u1', username: 'alice', passwordHash: 'h' };
  assert.deepEqual(types(run(state, userStream('alice'), null, payload)), ['UserRegistered']);
  assert.deepEqual(types(run(state, userStream('alice'), null, { ...payload, userId: 'u2' })), ['rejected:username_taken']);
  assert.deepEqual(types(run(state, userStream('mallory'), null, payload)), ['rejected:bad_request']);
});

test('messages get dense seqs, duplicates are answered with the original, outsiders are refused', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  const id = 'd.ua.ub';
  assert.deepEqual(types(run(state, id, alice, { type: 'CreateConversation', kind: 'direct', name: '', members: [alice, bob] })), ['ConversationCreated']);
  const seqs = ['m1', 'm2', 'm3'].map((m) => run(state, id, alice, send(m))[0]!.seq);
  assert.deepEqual(seqs, [1, 2, 3]);
  const dup = run(state, id, alice, send('m2'))[0]!;
  assert.equal(dup.payload.type, 'CommandDuplicate');
  assert.equal(dup.payload.type === 'CommandDuplicate' && dup.payload.messageSeq, 2);
  assert.equal(run(state, id, bob, send('m2'))[0]!.seq, 4, 'the same clientMsgId from another sender is another message');
  assert.deepEqual(types(run(state, id, carol, send('x'))), ['rejected:not_member']);
  assert.deepEqual(types(run(state, 'g.none', alice, send('x'))), ['rejected:not_member']);
});

test('direct conversations need exactly their two users; groups cap members; rooms are created by joining', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  assert.deepEqual(types(run(state, 'd.ua.ub', alice, { type: 'CreateConversation', kind: 'direct', name: '', members: [alice, carol] })), ['rejected:bad_request']);
  assert.deepEqual(types(run(state, 'd.ua.ub', carol, { type: 'CreateConversation', kind: 'direct', name: '', members: [alice, bob] })), ['rejected:forbidden']);
  assert.deepEqual(types(run(state, 'g.1', alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice, bob] })), ['ConversationCreated']);
  assert.deepEqual(types(run(state, 'g.1', alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice] })), ['rejected:conflict']);
  assert.deepEqual(types(run(state, 'g.1', carol, { type: 'AddMembers', members: [carol] })), ['rejected:not_member']);
  assert.deepEqual(types(run(state, 'g.1', alice, { type: 'AddMembers', members: [bob] })), ['rejected:conflict']);
  assert.deepEqual(types(run(state, 'g.1', alice, { type: 'AddMembers', members: [carol] })), ['MembersJoined']);
  assert.deepEqual(types(run(state, 'g.1', alice, { type: 'AddMembers', members: [{ userId: 'ud', username: 'dan' }] })), ['rejected:bad_request']);
  assert.deepEqual(types(run(state, 'g.1', bob, { type: 'LeaveConversation', reason: '' })), ['MemberLeft']);
  assert.deepEqual(types(run(state, 'g.1', bob, send('late'))), ['rejected:not_member']);
  assert.deepEqual(types(run(state, 'g.2', bob, { type: 'JoinConversation', kind: 'group' })), ['rejected:not_found']);
  assert.deepEqual(types(run(state, 'r.lobby', bob, { type: 'JoinConversation', kind: 'room' })), ['ConversationCreated']);
  assert.deepEqual(types(run(state, 'r.lobby', alice, { type: 'JoinConversation', kind: 'room' })), ['MembersJoined']);
  assert.deepEqual(types(run(state, 'r.lobby', alice, { type: 'JoinConversation', kind: 'room' })), ['rejected:conflict']);
  // Both attempts to create d.ua.ub above were refused, so leaving it is leaving nothing.
  assert.equal(state.conversations.has('d.ua.ub'), false);
  assert.deepEqual(types(run(state, 'd.ua.ub', alice, { type: 'LeaveConversation', reason: '' })), ['rejected:not_member']);
});

test('a direct conversation cannot be left', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  const id = 'd.ua.ub';
  given(state, id, alice, { type: 'ConversationCreated', kind: 'direct', name: '', createdBy: alice.userId, members: [alice, bob] });
  assert.ok(state.conversations.get(id)?.members.has(alice.userId), 'given: alice is a member of the direct conversation');

  const events = run(state, id, alice, { type: 'LeaveConversation', reason: '' });

  assert.deepEqual(
    events.map((e) => e.payload),
    [{ type: 'CommandRejected', code: 'bad_request', message: 'A direct conversation cannot be left', clientMsgId: '' }],
  );
  assert.deepEqual([...state.conversations.get(id)!.members.keys()].sort(), [alice.userId, bob.userId], 'both are still members');
});

test('read marks are clamped to the last message', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  run(state, 'g.r', alice, { type: 'CreateConversation', kind: 'group', name: 'R', members: [alice] });
  run(state, 'g.r', alice, send('a'));
  const [read] = run(state, 'g.r', alice, { type: 'MarkRead', seq: 99 });
  assert.equal(read?.payload.type === 'ReadMarked' && read.payload.readSeq, 1);
});

test('the dedupe window forgets the oldest ids', () => {
  const state = new StreamState({ dedupeWindow: 2 });
  run(state, 'g.w', alice, { type: 'CreateConversation', kind: 'group', name: 'W', members: [alice] });
  for (const m of ['a', 'b', 'c']) run(state, 'g.w', alice, send(m));
  assert.equal(run(state, 'g.w', alice, send('c'))[0]!.payload.type, 'CommandDuplicate');
  assert.equal(run(state, 'g.w', alice, send('a'))[0]!.payload.type, 'MessageSent');
});
