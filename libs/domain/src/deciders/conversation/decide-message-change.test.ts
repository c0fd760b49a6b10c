import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor, CommandPayload, ParleyEvent } from '@parley/schemas';
import { parseSystemEntry } from '@parley/protocol';
import type { DecideContext } from '../../decide.js';
import { StreamState } from '../../stream-state.js';
import { rejected, testContext, then, when } from '../given-when-then.js';

const alice = { userId: 'ua', username: 'alice' }; // the owner
const bob = { userId: 'ub', username: 'bob' }; // an admin
const carol = { userId: 'uc', username: 'carol' }; // a member
const G = 'g.m';
const at = (now: number): DecideContext => ({ ...testContext, now });
const run = (state: StreamState, actor: Actor, payload: CommandPayload, ctx: DecideContext = testContext): ParleyEvent[] => when(state, { stream: G, actor, payload }, ctx);
const send = (state: StreamState, actor: Actor, content: string, ctx?: DecideContext): number => {
  const [event] = run(state, actor, { type: 'SendMessage', clientMsgId: `${actor.username}-${content}`, kind: 'text', content }, ctx);
  assert.equal(event?.payload.type, 'MessageSent');
  return event!.seq;
};
const entry = (events: ParleyEvent[]) => {
  const first = events[0]?.payload;
  return first?.type === 'MessageSent' ? parseSystemEntry(first.content) : undefined;
};

/** alice owns a group with bob (admin) and carol; testContext: recall 120 s, edit 600 s, 2 pins, 5 messages remembered. */
function group(): StreamState {
  const state = new StreamState({ dedupeWindow: 10, recentMessages: testContext.limits.recentMessages });
  run(state, alice, { type: 'CreateConversation', kind: 'group', name: 'M', members: [alice, bob, carol], joinPolicy: 'invite' });
  run(state, alice, { type: 'SetMemberRole', userId: bob.userId, role: 'admin' });
  return state;
}

test('the sender recalls within the window; a moderator recalls any message any time; nobody else', () => {
  const state = group();
  const seq = send(state, carol, 'oops');
  then(run(state, bob, { type: 'EditMessage', seq, content: 'x' }), rejected('forbidden'));
  then(run(state, carol, { type: 'RecallMessage', seq }, at(testContext.now + 120_001)), rejected('too_late'));
  const recalled = run(state, carol, { type: 'RecallMessage', seq }, at(testContext.now + 120_000));
  then(recalled, [{ type: 'MessageSent', kind: 'system', senderId: carol.userId }, { type: 'MessageRecalled', target: seq }]);
  assert.deepEqual([entry(recalled)?.event, entry(recalled)?.message], ['recalled', seq]);
  assert.equal(recalled[1]?.seq, seq + 1, 'the fact carries its entry\'s seq');
  then(run(state, carol, { type: 'RecallMessage', seq }), rejected('recalled'));
  then(run(state, carol, { type: 'EditMessage', seq, content: 'again' }), rejected('recalled'));
  then(run(state, carol, { type: 'ReactToMessage', seq, emoji: '👍', add: true }), rejected('recalled'));

  const other = send(state, alice, 'mine');
  then(run(state, carol, { type: 'RecallMessage', seq: other }), rejected('forbidden'));
  then(run(state, bob, { type: 'RecallMessage', seq: other }, at(testContext.now + 10_000_000)), [{ type: 'MessageSent' }, { type: 'MessageRecalled', target: other }]);
});

test('the sender edits within the window, in the kind the message has; edits carry the new text in the entry', () => {
  const state = group();
  const seq = send(state, carol, 'helo');
  const edited = run(state, carol, { type: 'EditMessage', seq, content: 'hello', body: '{"spans":[{"start":0,"end":5,"style":"bold"}]}' });
  then(edited, [{ type: 'MessageSent', kind: 'system' }, { type: 'MessageEdited', target: seq, content: 'hello' }]);
  assert.deepEqual([entry(edited)?.event, entry(edited)?.text, entry(edited)?.body], ['edited', 'hello', { spans: [{ start: 0, end: 5, style: 'bold' }] }]);
  then(run(state, carol, { type: 'EditMessage', seq, content: 'hi', body: '{"spans":[{"start":0,"end":5,"style":"bold"}]}' }), rejected('bad_request'));
  then(run(state, carol, { type: 'EditMessage', seq, content: 'hi', body: '{"url":"https://x.example"}' }), rejected('bad_request'));
  then(run(state, carol, { type: 'EditMessage', seq, content: 'hi', body: 'not json' }), rejected('bad_request'));
  then(run(state, carol, { type: 'EditMessage', seq, content: 'late' }, at(testContext.now + 600_001)), rejected('too_late'));
});

test('only the newest messages are remembered: older ones are past their sender\'s recall and edit', () => {
  const state = group();
  const first = send(state, carol, 'm0');
  for (let i = 1; i <= 5; i++) send(state, carol, `m${i}`); // 5 entries remembered: m0 is forgotten
  then(run(state, carol, { type: 'RecallMessage', seq: first }), rejected('too_late'));
  then(run(state, carol, { type: 'EditMessage', seq: first, content: 'x' }), rejected('too_late'));
  then(run(state, alice, { type: 'RecallMessage', seq: first }), [{ type: 'MessageSent' }, { type: 'MessageRecalled' }]);
});

test('system entries and seqs outside the conversation cannot be changed', () => {
  const state = group(); // seq 1 is the entry "alice made bob an admin"
  send(state, carol, 'hi');
  for (const payload of [
    { type: 'RecallMessage', seq: 1 },
    { type: 'PinMessage', seq: 1, pinned: true },
    { type: 'ReactToMessage', seq: 1, emoji: '👍', add: true },
  ] as CommandPayload[]) {
    then(run(state, alice, payload), rejected('bad_request'));
  }
  then(run(state, alice, { type: 'RecallMessage', seq: 99 }), rejected('not_found'));
  then(run(state, alice, { type: 'RecallMessage', seq: 0 }), rejected('not_found'));
  then(when(state, { stream: G, actor: { userId: 'ux', username: 'x' }, payload: { type: 'ReactToMessage', seq: 2, emoji: '👍', add: true } }), rejected('not_member'));
});

test('pins: the owner and admins in groups, both people in a direct conversation; at most maxPins; recalling unpins', () => {
  const state = group();
  const [a, b, c] = [send(state, carol, 'a'), send(state, carol, 'b'), send(state, carol, 'c')];
  then(run(state, carol, { type: 'PinMessage', seq: a, pinned: true }), rejected('forbidden'));
  then(run(state, bob, { type: 'PinMessage', seq: a, pinned: true }), [{ type: 'MessageSent' }, { type: 'MessagePinned', target: a, pinned: true }]);
  then(run(state, bob, { type: 'PinMessage', seq: a, pinned: true }), rejected('conflict'));
  then(run(state, bob, { type: 'PinMessage', seq: b, pinned: true }), [{ type: 'MessageSent' }, { type: 'MessagePinned' }]);
  then(run(state, bob, { type: 'PinMessage', seq: c, pinned: true }), rejected('limit_reached'));
  then(run(state, alice, { type: 'RecallMessage', seq: a }), [{ type: 'MessageSent' }, { type: 'MessageRecalled' }]);
  then(run(state, bob, { type: 'PinMessage', seq: c, pinned: true }), [{ type: 'MessageSent' }, { type: 'MessagePinned' }]);
  then(run(state, bob, { type: 'PinMessage', seq: c, pinned: false }), [{ type: 'MessageSent' }, { type: 'MessagePinned', pinned: false }]);
  then(run(state, bob, { type: 'PinMessage', seq: c, pinned: false }), rejected('conflict'));

  const direct = 'd.ua.uc';
  when(state, { stream: direct, actor: alice, payload: { type: 'CreateConversation', kind: 'direct', name: '', members: [alice, carol] } });
  when(state, { stream: direct, actor: alice, payload: { type: 'SendMessage', clientMsgId: 'd1', kind: 'text', content: 'hi' } });
  then(when(state, { stream: direct, actor: carol, payload: { type: 'PinMessage', seq: 1, pinned: true } }), [{ type: 'MessageSent' }, { type: 'MessagePinned' }]);
});

test('reactions: any member, one emoji, taken back with add false', () => {
  const state = group();
  const seq = send(state, alice, 'ship it');
  const added = run(state, carol, { type: 'ReactToMessage', seq, emoji: '👍🏽', add: true });
  then(added, [{ type: 'MessageSent', kind: 'system' }, { type: 'ReactionChanged', target: seq, emoji: '👍🏽', userId: carol.userId, added: true }]);
  assert.deepEqual([entry(added)?.event, entry(added)?.emoji, entry(added)?.removed], ['reaction', '👍🏽', undefined]);
  const removed = run(state, carol, { type: 'ReactToMessage', seq, emoji: '👍🏽', add: false });
  assert.equal(entry(removed)?.removed, true);
  for (const emoji of ['', 'ok', '👍👍', ':)']) then(run(state, carol, { type: 'ReactToMessage', seq, emoji, add: true }), rejected('bad_request'));
});

test('a dissolved group\'s messages stay as they are', () => {
  const state = group();
  const seq = send(state, carol, 'last');
  run(state, alice, { type: 'DissolveConversation', reason: '' });
  for (const payload of [
    { type: 'RecallMessage', seq },
    { type: 'EditMessage', seq, content: 'x' },
    { type: 'PinMessage', seq, pinned: true },
    { type: 'ReactToMessage', seq, emoji: '👍', add: true },
  ] as CommandPayload[]) {
    then(run(state, carol, payload), rejected('dissolved'));
  }
});
