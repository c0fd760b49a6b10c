import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor, CommandPayload, EventPayload, ParleyEvent } from '@parley/schemas';
import { directConversationId } from '@parley/protocol';
import { StreamState } from '../../stream-state.js';
import { given, on, rejected, then, when } from '../given-when-then.js';

const alice = { userId: 'ua', username: 'alice' };
const bob = { userId: 'ub', username: 'bob' };
const carol = { userId: 'uc', username: 'carol' };

/** Decides a command (limits: 3 members) and folds its events. */
function run(state: StreamState, stream: string, actor: Actor | null, payload: CommandPayload): ParleyEvent[] {
  return when(state, { stream, actor, payload });
}
const types = (events: ParleyEvent[]) => events.map((e) => (e.payload.type === 'CommandRejected' ? `rejected:${e.payload.code}` : e.payload.type));
const send = (clientMsgId: string, content = 'x'): CommandPayload => ({ type: 'SendMessage', clientMsgId, kind: 'text', content });

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
  assert.deepEqual(types(run(state, 'g.1', bob, { type: 'AddMembers', members: [carol] })), ['rejected:forbidden'], 'a plain member invites instead');
  assert.deepEqual(types(run(state, 'g.1', alice, { type: 'AddMembers', members: [carol] })), ['MembersJoined', 'MessageSent']);
  assert.deepEqual(types(run(state, 'g.1', alice, { type: 'AddMembers', members: [{ userId: 'ud', username: 'dan' }] })), ['rejected:limit_reached']);
  assert.deepEqual(types(run(state, 'g.1', bob, { type: 'LeaveConversation', reason: '' })), ['MessageSent', 'MemberLeft']);
  assert.deepEqual(types(run(state, 'g.1', bob, send('late'))), ['rejected:not_member']);
  assert.deepEqual(types(run(state, 'g.2', bob, { type: 'JoinConversation', kind: 'group' })), ['rejected:not_found']);
  assert.deepEqual(types(run(state, 'r.lobby', bob, { type: 'JoinConversation', kind: 'room' })), ['ConversationCreated']);
  assert.deepEqual(types(run(state, 'r.lobby', alice, { type: 'JoinConversation', kind: 'room' })), ['MembersJoined', 'MessageSent']);
  assert.deepEqual(types(run(state, 'r.lobby', alice, { type: 'JoinConversation', kind: 'room' })), ['rejected:conflict']);
  // Both attempts to create d.ua.ub above were refused, so leaving it is leaving nothing.
  assert.equal(state.conversations.has('d.ua.ub'), false);
  assert.deepEqual(types(run(state, 'd.ua.ub', alice, { type: 'LeaveConversation', reason: '' })), ['rejected:not_member']);
});

test('a direct conversation cannot be left', () => {
  const id = 'd.ua.ub';
  const state = given({ stream: id, actor: alice, payload: { type: 'ConversationCreated', kind: 'direct', name: '', createdBy: alice.userId, members: [alice, bob] } });
  assert.ok(state.conversations.get(id)?.members.has(alice.userId), 'given: alice is a member of the direct conversation');

  const events = run(state, id, alice, { type: 'LeaveConversation', reason: '' });

  assert.deepEqual(
    events.map((e) => e.payload),
    [{ type: 'CommandRejected', code: 'bad_request', message: 'A direct conversation cannot be left', clientMsgId: '' }],
  );
  assert.deepEqual([...state.conversations.get(id)!.members.keys()].sort(), [alice.userId, bob.userId], 'both are still members');
});

test('the dedupe window forgets the oldest ids', () => {
  const state = new StreamState({ dedupeWindow: 2 });
  run(state, 'g.w', alice, { type: 'CreateConversation', kind: 'group', name: 'W', members: [alice] });
  for (const m of ['a', 'b', 'c']) run(state, 'g.w', alice, send(m));
  assert.equal(run(state, 'g.w', alice, send('c'))[0]!.payload.type, 'CommandDuplicate');
  assert.equal(run(state, 'g.w', alice, send('a'))[0]!.payload.type, 'MessageSent');
});

// --- Blocks on a direct conversation (SetDirectBlock is written by the friends workflow) ---------------

const direct = directConversationId(alice.userId, bob.userId);
const created: EventPayload = { type: 'ConversationCreated', kind: 'direct', name: '', createdBy: alice.userId, members: [alice, bob] };
const setBlock = (by: Actor, other: Actor, blocked: boolean): CommandPayload => ({ type: 'SetDirectBlock', by: by.userId, other: other.userId, blocked });
const blockFact = (by: Actor, other: Actor, blocked = true): EventPayload => ({ type: 'DirectBlockChanged', by: by.userId, other: other.userId, blocked });

test('SetDirectBlock records a block on the two profiles\' direct stream; setting it twice is a conflict', () => {
  const state = given();

  then(when(state, { stream: direct, actor: alice, payload: setBlock(alice, bob, true) }), [{ type: 'DirectBlockChanged', by: 'ua', other: 'ub', blocked: true }]);
  then(when(state, { stream: direct, actor: alice, payload: setBlock(alice, bob, true) }), rejected('conflict'));
  assert.deepEqual(state.directBlocks.get(direct), ['ua']);
  then(when(state, { stream: direct, actor: alice, payload: setBlock(alice, bob, false) }), [{ type: 'DirectBlockChanged', by: 'ua', other: 'ub', blocked: false }]);
  then(when(state, { stream: direct, actor: alice, payload: setBlock(alice, bob, false) }), rejected('conflict'));
  assert.equal(state.directBlocks.has(direct), false);
});

test('SetDirectBlock on any other stream is bad_request', () => {
  const state = given();
  for (const stream of [directConversationId(alice.userId, carol.userId), 'g.1', 'r.lobby']) {
    then(when(state, { stream, actor: alice, payload: setBlock(alice, bob, true) }), rejected('bad_request'));
  }
  then(when(state, { stream: direct, actor: alice, payload: setBlock(alice, carol, true) }), rejected('bad_request'));
  assert.equal(state.directBlocks.size, 0);
});

test('each side\'s block is its own: one unblocking leaves the other\'s', () => {
  const state = given(...on(direct, blockFact(alice, bob), blockFact(bob, alice)));

  then(when(state, { stream: direct, actor: bob, payload: setBlock(bob, alice, false) }), [{ type: 'DirectBlockChanged', by: 'ub', blocked: false }]);
  assert.deepEqual(state.directBlocks.get(direct), ['ua']);
});

test('a message in a blocked direct conversation is refused: blocked for the blocker, not_permitted for the other', () => {
  const state = given(...on(direct, created), { stream: direct, actor: bob, payload: { type: 'MessageSent', id: 'm1', senderId: 'ub', senderName: 'bob', clientMsgId: 'k1', kind: 'text', content: 'hi' } }, ...on(direct, blockFact(alice, bob)));

  then(when(state, { stream: direct, actor: alice, payload: send('k2') }), rejected('blocked'));
  then(when(state, { stream: direct, actor: bob, payload: send('k3') }), rejected('not_permitted'));
  // A retry of a message sent before the block is still answered with the original.
  then(when(state, { stream: direct, actor: bob, payload: send('k1') }), [{ type: 'CommandDuplicate', clientMsgId: 'k1', messageId: 'm1', messageSeq: 1 }]);
  assert.equal(state.conversations.get(direct)?.lastSeq, 1);
});

test('a direct conversation cannot be created while either side blocks; it can after the unblock', () => {
  const state = given(...on(direct, blockFact(alice, bob)));
  const create = (actor: Actor): CommandPayload => ({ type: 'CreateConversation', kind: 'direct', name: '', members: [actor, actor === alice ? bob : alice] });

  then(when(state, { stream: direct, actor: alice, payload: create(alice) }), rejected('blocked'));
  then(when(state, { stream: direct, actor: bob, payload: create(bob) }), rejected('not_permitted'));
  assert.equal(state.conversations.has(direct), false);

  then(when(state, { stream: direct, actor: alice, payload: setBlock(alice, bob, false) }), [{ type: 'DirectBlockChanged', blocked: false }]);
  then(when(state, { stream: direct, actor: bob, payload: create(bob) }), [{ type: 'ConversationCreated', kind: 'direct', createdBy: 'ub' }]);
  then(when(state, { stream: direct, actor: alice, payload: send('k1') }), [{ type: 'MessageSent', senderId: 'ua', clientMsgId: 'k1' }]);
});

// --- Replies and mentions (issue 12) ---------------------------------------------------------------

test('a reply quotes a message of the same conversation by seq: within 1..lastSeq, carried on the event', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  run(state, 'g.q', alice, { type: 'CreateConversation', kind: 'group', name: 'Q', members: [alice, bob], joinPolicy: 'invite' });
  run(state, 'g.q', alice, send('a'));
  const [reply] = run(state, 'g.q', bob, { type: 'SendMessage', clientMsgId: 'b', kind: 'text', content: 'yes', replyTo: 1 });
  assert.deepEqual(reply?.payload.type === 'MessageSent' && [reply.seq, reply.payload.replyTo], [2, 1]);
  for (const replyTo of [3, -1]) {
    assert.deepEqual(types(run(state, 'g.q', bob, { type: 'SendMessage', clientMsgId: `r${replyTo}`, kind: 'text', content: 'x', replyTo })), ['rejected:bad_request'], `replyTo ${replyTo}`);
  }
  const [plain] = run(state, 'g.q', bob, send('c'));
  assert.deepEqual(plain?.payload.type === 'MessageSent' && [plain.payload.replyTo, plain.payload.mentions, plain.payload.body], [0, [], '']);
});

test('mentions name members (duplicates dropped); @all is for the owner and admins of groups and rooms', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  run(state, 'g.m', alice, { type: 'CreateConversation', kind: 'group', name: 'M', members: [alice, bob], joinPolicy: 'invite' });
  const mention = (actor: Actor, clientMsgId: string, mentions: string[]) => run(state, 'g.m', actor, { type: 'SendMessage', clientMsgId, kind: 'text', content: 'hey', mentions });
  const [ok] = mention(alice, 'm1', [bob.userId, bob.userId, 'all']);
  assert.deepEqual(ok?.payload.type === 'MessageSent' && ok.payload.mentions, [bob.userId, 'all']);
  assert.deepEqual(types(mention(bob, 'm2', ['all'])), ['rejected:forbidden'], 'a plain member');
  assert.deepEqual(types(mention(bob, 'm3', [carol.userId])), ['rejected:bad_request'], 'a non-member');
  assert.deepEqual(types(mention(bob, 'm4', [alice.userId])), ['MessageSent']);
  const direct = 'd.ua.ub';
  run(state, direct, alice, { type: 'CreateConversation', kind: 'direct', name: '', members: [alice, bob] });
  assert.deepEqual(types(run(state, direct, alice, { type: 'SendMessage', clientMsgId: 'd1', kind: 'text', content: 'hey', mentions: ['all'] })), ['rejected:bad_request']);
});

test('a forwarded message is marked so on its event; a plain one is not', () => {
  const state = new StreamState({ dedupeWindow: 10 });
  run(state, 'g.f', alice, { type: 'CreateConversation', kind: 'group', name: 'F', members: [alice, bob], joinPolicy: 'invite' });
  const [forwarded] = run(state, 'g.f', alice, { type: 'SendMessage', clientMsgId: 'f1', kind: 'text', content: 'fwd', forwarded: true });
  const [plain] = run(state, 'g.f', alice, send('p1'));
  assert.deepEqual([forwarded?.payload.type === 'MessageSent' && forwarded.payload.forwarded, plain?.payload.type === 'MessageSent' && plain.payload.forwarded], [true, false]);
});

test('a re-send the dedupe window no longer covers is refused (dedupe_expired) when it says what it had seen, never stored twice', () => {
  const state = new StreamState({ dedupeWindow: 3 });
  const id = 'g.dedupe';
  run(state, id, alice, { type: 'CreateConversation', kind: 'group', name: 'D', members: [alice, bob] });
  for (const m of ['m1', 'm2', 'm3', 'm4', 'm5']) run(state, id, alice, send(m));
  // m1 and m2 (seqs 1 and 2) fell out of the window of 3.
  assert.equal(state.conversations.get(id)!.dedupeHorizon, 2);
  const resend = (clientMsgId: string, seenSeq: number): CommandPayload => ({ type: 'SendMessage', clientMsgId, kind: 'text', content: 'x', seenSeq });
  then(when(state, { stream: id, actor: alice, payload: resend('m1', 0) }), rejected('dedupe_expired'));
  then(when(state, { stream: id, actor: alice, payload: resend('lost', 1) }), rejected('dedupe_expired'));
  // Still remembered: answered with the original, whatever it says it had seen.
  then(when(state, { stream: id, actor: alice, payload: resend('m4', 0) }), [{ type: 'CommandDuplicate', clientMsgId: 'm4', messageSeq: 4 }]);
  // Had seen seq 2: every message after it is remembered, so absence proves it was never stored.
  then(when(state, { stream: id, actor: alice, payload: resend('lost', 2) }), [{ type: 'MessageSent', clientMsgId: 'lost' }]);
  // Without seenSeq (older clients) it is stored as new, as documented.
  then(when(state, { stream: id, actor: bob, payload: send('m1') }), [{ type: 'MessageSent', clientMsgId: 'm1' }]);
});
