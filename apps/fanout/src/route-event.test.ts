import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamState, decide, type DecideContext } from '@parley/domain';
import type { Delivery } from '@parley/core';
import type { ConversationFrame, ErrorFrame, JoinRequestFrame, MessageFrame, SystemEntry } from '@parley/protocol';
import type { Actor, CommandPayload, ParleyEvent } from '@parley/schemas';
import { priorFacts, routeAll, routeEvent } from './route-event.js';

const cancelled = (reason: string): ParleyEvent => ({
  eventId: `e-${reason}`,
  stream: 'u.bob',
  seq: 0,
  ts: 1,
  commandId: `c-${reason}`,
  actor: { userId: 'ualice', username: 'alice' },
  origin: null,
  payload: { type: 'FriendRequestCancelled', requestId: 'f01', fromId: 'ubob', toId: 'ualice', reason },
});

test('a friend request cancelled by a block reaches both sides without saying so; other cancellations keep their reason', () => {
  const state = new StreamState({ dedupeWindow: 0 });
  const byBlock = routeEvent(cancelled('blocked'), state);
  assert.ok(byBlock);
  assert.deepEqual([...byBlock.userIds].sort(), ['ualice', 'ubob'], 'both sides learn that the request ended');
  assert.equal('reason' in byBlock.frame, false, 'the blocked side is never told of a block (PROTOCOL.md, block frame)');
  for (const reason of ['cancelled', 'accepted']) {
    const delivery = routeEvent(cancelled(reason), state);
    assert.equal((delivery?.frame as { reason?: string }).reason, reason);
  }
});

test("a profile's update reaches its own connections and its friends', nobody else's", () => {
  const state = new StreamState({ dedupeWindow: 0 });
  const on = (payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e-${payload.type}`, stream: 'u.alice', seq: 0, ts: 1, commandId: 'c', actor: { userId: 'ualice', username: 'alice' }, origin: null, payload });
  for (const p of [
    { type: 'ProfileCreated', profileId: 'ualice', loginId: 'l1', handle: 'alice', displayName: 'Alice', bio: '', avatar: '' },
    { type: 'FriendRequested', requestId: 'f1', fromId: 'ubob', fromHandle: 'bob', toId: 'ualice', toHandle: 'alice', note: '' },
    { type: 'FriendRequestAccepted', requestId: 'f1', fromId: 'ubob', fromHandle: 'bob', toId: 'ualice', toHandle: 'alice' },
  ] as const) state.apply(on(p));
  const update = on({ type: 'ProfileUpdated', profileId: 'ualice', displayName: 'Alice B', bio: '', avatar: '' });
  state.apply(update);
  assert.deepEqual(routeEvent(update, state)?.userIds, ['ualice', 'ubob']);
  const privacy = on({ type: 'PrivacyChanged', profileId: 'ualice', directFrom: 'friends' });
  assert.deepEqual(routeEvent(privacy, state)?.userIds, ['ualice'], 'a privacy change is the profile\'s own');
});

/**
 * A group driven through the real decider, each event folded and routed the way Fanout does it
 * (priorFacts, apply, routeEvent): the deliveries line up with the events of each command.
 */
function group() {
  const state = new StreamState({ dedupeWindow: 0 });
  let id = 0;
  const ctx: DecideContext = { now: 1_000, newId: () => `id${++id}`, limits: { maxMembers: 10, maxAdmins: 5, maxNotices: 5, maxInviteLinks: 5, recallWindowMs: 120_000, editWindowMs: 600_000, maxPins: 5, recentMessages: 100 } };
  const origin = { gatewayId: 'gw1', connectionId: 'gw1/1' };
  return (actor: Actor, payload: CommandPayload, stream = 'g.1'): Array<{ event: ParleyEvent; delivery: Delivery | undefined }> => {
    const events = decide({ commandId: `c${++id}`, stream, issuedAt: 1, actor, origin, payload }, state, ctx);
    return events.map((event) => {
      const prior = priorFacts(event, state);
      state.apply(event);
      return { event, delivery: routeEvent(event, state, prior) };
    });
  };
}

const alice = { userId: 'ua', username: 'alice' };
const bob = { userId: 'ub', username: 'bob' };
const carol = { userId: 'uc', username: 'carol' };
const dan = { userId: 'ud', username: 'dan' };
const sorted = (d: Delivery | undefined) => [...(d?.userIds ?? [])].sort();
const entryOf = (d: Delivery | undefined) => JSON.parse((d?.frame as MessageFrame).content) as SystemEntry;

test('a removed member gets the entry announcing it, then a removed frame, then nothing; entries are never acked', () => {
  const run = group();
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice, bob, carol], joinPolicy: 'open' });
  const [entry, removed, ...rest] = run(alice, { type: 'RemoveMember', userId: 'ub', ban: true });
  assert.equal(rest.length, 0);
  assert.equal(entry?.event.payload.type, 'MessageSent');
  assert.deepEqual(sorted(entry?.delivery), ['ua', 'ub', 'uc'], 'the removed member reads their removal');
  assert.equal(entry?.delivery?.origin, undefined, 'a system entry is not the actor\'s message: no ack');
  assert.deepEqual([entry?.delivery?.conversation, entry?.delivery?.seq], ['g.1', 1], 'sequenced like any message (gapless per connection)');
  assert.equal((entry?.delivery?.frame as MessageFrame).kind, 'system');
  assert.deepEqual(entryOf(entry?.delivery), { event: 'removed', target: { id: 'ub', username: 'bob' }, ban: true, actor: { id: 'ua', username: 'alice' } });
  assert.equal(removed?.event.seq, 1, "the removal's seq is its entry's: where bob's history ends");
  assert.deepEqual(removed?.delivery?.userIds, ['ub'], 'the others learnt it from the entry');
  assert.deepEqual(removed?.delivery?.frame, { type: 'conversation', event: 'removed', conversation: 'g.1', kind: 'group', name: 'G', members: [{ id: 'ub', username: 'bob' }], lastSeq: 1 });

  const [message] = run(alice, { type: 'SendMessage', clientMsgId: 'm1', kind: 'text', content: 'hi' });
  assert.deepEqual(sorted(message?.delivery), ['ua', 'uc']);
  assert.equal(message?.delivery?.origin?.frame.type, 'ack', 'a message is acked as before');
});

test('leaving: the leaver gets the entry and the left frame; the last member leaving dissolves the group', () => {
  const run = group();
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice, bob], joinPolicy: 'open' });
  const [entry, left] = run(bob, { type: 'LeaveConversation', reason: '' });
  assert.deepEqual(sorted(entry?.delivery), ['ua', 'ub']);
  assert.deepEqual([(left?.delivery?.frame as ConversationFrame).event, sorted(left?.delivery)], ['left', ['ua', 'ub']]);
  const last = run(alice, { type: 'LeaveConversation', reason: '' });
  assert.deepEqual(last.map((x) => x.event.payload.type), ['MessageSent', 'MemberLeft', 'ConversationDissolved']);
  assert.deepEqual(last[2]?.delivery?.userIds, [], 'nobody is left to tell');
});

test('updated and dissolved reach every member; changes told by their entry alone route nothing else', () => {
  const run = group();
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice, bob, carol], joinPolicy: 'open' });
  const settings = { avatar: '', description: 'ours', joinPolicy: 'open', invitePolicy: 'friends', muteAll: false };
  const [entry, updated] = run(alice, { type: 'UpdateGroup', name: 'Team', ...settings });
  assert.deepEqual(entryOf(entry?.delivery).changes, { name: 'Team', description: 'ours' });
  assert.deepEqual(sorted(updated?.delivery), ['ua', 'ub', 'uc']);
  assert.deepEqual(updated?.delivery?.frame, { type: 'conversation', event: 'updated', conversation: 'g.1', kind: 'group', name: 'Team', lastSeq: 1 });

  const quiet: CommandPayload[] = [
    { type: 'SetMemberRole', userId: 'ub', role: 'admin' },
    { type: 'MuteMember', userId: 'uc', until: 5_000 },
    { type: 'PostNotice', noticeId: '', text: 'Be nice' },
    { type: 'CreateInviteLink', code: 'abc', expiresAt: 9_000, maxUses: 0 },
    { type: 'RevokeInviteLink', code: 'abc' },
    { type: 'TransferOwnership', userId: 'ub' },
  ];
  let noticeId = '';
  for (const payload of quiet) {
    const routed = run(alice, payload);
    for (const { event } of routed) if (event.payload.type === 'NoticePosted') noticeId = event.payload.noticeId;
    assert.ok(routed.length > 0 && routed.every((x) => x.event.payload.type !== 'CommandRejected'), payload.type);
    for (const { event, delivery } of routed) {
      if (event.payload.type === 'MessageSent') assert.deepEqual(sorted(delivery), ['ua', 'ub', 'uc'], `${payload.type}: its entry reaches everyone`);
      else assert.equal(delivery, undefined, `${event.payload.type} routes nothing of its own`);
    }
  }
  const [ack] = run(carol, { type: 'AckNotice', noticeId });
  assert.deepEqual([ack?.event.payload.type, ack?.delivery], ['NoticeAcknowledged', undefined]);

  const [, dissolved] = run(bob, { type: 'DissolveConversation', reason: '' });
  assert.deepEqual(sorted(dissolved?.delivery), ['ua', 'ub', 'uc'], 'members stay members of a dissolved group');
  assert.equal((dissolved?.delivery?.frame as ConversationFrame).event, 'dissolved');
  const [refused] = run(carol, { type: 'SendMessage', clientMsgId: 'm', kind: 'text', content: 'hi' });
  assert.deepEqual((refused?.delivery?.frame as ErrorFrame).code, 'dissolved');
});

test('an invitation reaches the invitee once checked and when answered; join requests reach the owner and admins', () => {
  const run = group();
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice, bob, carol], joinPolicy: 'approval' });
  run(alice, { type: 'SetMemberRole', userId: 'uc', role: 'admin' });
  const [invited] = run(bob, { type: 'InviteMembers', invitees: [{ ...dan, stream: 'u.dan' }, { userId: 'ue', username: 'eve', stream: 'u.eve' }] });
  assert.deepEqual([invited?.event.payload.type, invited?.delivery], ['MembersInvited', undefined], 'nothing before the invitee\'s stream took it');
  const [refused] = run(bob, { type: 'ConfirmInvitation', userId: 'ue', inviterId: 'ub', allowed: false, reason: 'not_friends' });
  assert.deepEqual([refused?.event.payload.type, refused?.delivery], ['InvitationChecked', undefined]);
  const [checked] = run(bob, { type: 'ConfirmInvitation', userId: 'ud', inviterId: 'ub', allowed: true, reason: '' });
  assert.deepEqual(checked?.delivery, { frame: { type: 'invitation', event: 'received', conversation: 'g.1', name: 'G', invitedBy: { id: 'ub', username: 'bob' } }, userIds: ['ud'] });

  // bob is no admin and the group wants approval: dan's acceptance becomes a request.
  const [answered, requested] = run(dan, { type: 'AnswerInvitation', accept: true });
  assert.deepEqual(answered?.delivery, { frame: { type: 'invitation', event: 'answered', conversation: 'g.1', name: 'G', invitedBy: { id: 'ub', username: 'bob' }, accepted: true }, userIds: ['ud'] });
  assert.deepEqual(requested?.delivery?.frame, { type: 'join_request', event: 'requested', conversation: 'g.1', name: 'G', user: { id: 'ud', username: 'dan' }, note: '' });
  assert.deepEqual(sorted(requested?.delivery), ['ua', 'uc'], 'the owner and the admins');

  const [approved, joined, entry] = run(carol, { type: 'AnswerJoinRequest', userId: 'ud', approve: true });
  assert.deepEqual(approved?.delivery?.frame, { type: 'join_request', event: 'answered', conversation: 'g.1', name: 'G', user: { id: 'ud', username: 'dan' }, approved: true });
  assert.deepEqual(sorted(approved?.delivery), ['ua', 'uc', 'ud'], 'the requester too');
  assert.deepEqual([(joined?.delivery?.frame as ConversationFrame).event, sorted(joined?.delivery)], ['joined', ['ua', 'ub', 'uc', 'ud']]);
  assert.deepEqual([entryOf(entry?.delivery).via, sorted(entry?.delivery)], ['request', ['ua', 'ub', 'uc', 'ud']]);

  const [asked] = run({ userId: 'uf', username: 'fay' }, { type: 'JoinConversation', kind: 'group', note: 'hello' });
  assert.deepEqual([(asked?.delivery?.frame as JoinRequestFrame).note, sorted(asked?.delivery)], ['hello', ['ua', 'uc']]);
  const [no] = run(alice, { type: 'AnswerJoinRequest', userId: 'uf', approve: false });
  assert.deepEqual([(no?.delivery?.frame as JoinRequestFrame).approved, sorted(no?.delivery)], [false, ['ua', 'uc', 'uf']]);
});

test('a declined invitation tells the invitee; a group invitation checked on an account stream routes nothing', () => {
  const run = group();
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice], joinPolicy: 'invite' });
  run(alice, { type: 'InviteMembers', invitees: [{ ...dan, stream: 'u.dan' }] });
  run(alice, { type: 'ConfirmInvitation', userId: 'ud', inviterId: 'ua', allowed: true, reason: '' });
  const [declined, ...rest] = run(dan, { type: 'AnswerInvitation', accept: false });
  assert.equal(rest.length, 0);
  assert.deepEqual(declined?.delivery?.frame, { type: 'invitation', event: 'answered', conversation: 'g.1', name: 'G', invitedBy: { id: 'ua', username: 'alice' }, accepted: false });
  const state = new StreamState({ dedupeWindow: 0 });
  const onAccount: ParleyEvent = {
    eventId: 'e', stream: 'u.dan', seq: 0, ts: 1, commandId: 'c', actor: alice, origin: null,
    payload: { type: 'GroupInvitationChecked', conversation: 'g.1', inviteeId: 'ud', inviterId: 'ua', allowed: true, reason: '' },
  };
  assert.equal(routeEvent(onAccount, state), undefined);
});

test('a message frame carries the body parsed, the reply when > 0 and the mentions when any; a plain message none of them', () => {
  const run = group();
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice, bob, carol], joinPolicy: 'open' });
  const [plain] = run(bob, { type: 'SendMessage', clientMsgId: 'm1', kind: 'text', content: 'hi', body: '', replyTo: 0, mentions: [] });
  assert.deepEqual(plain?.delivery?.frame, {
    type: 'message', conversation: 'g.1', id: plain?.event.payload.type === 'MessageSent' ? plain.event.payload.id : '', seq: 1, ts: plain?.event.ts,
    sender: { id: 'ub', username: 'bob' }, clientMsgId: 'm1', kind: 'text', content: 'hi',
  });
  const body = { url: 'https://example.com/a', title: 'Ä 😀' };
  const [rich] = run(alice, { type: 'SendMessage', clientMsgId: 'm2', kind: 'link', content: 'see', body: JSON.stringify(body), replyTo: 1, mentions: ['ub', 'all'] });
  const frame = rich?.delivery?.frame as MessageFrame;
  assert.deepEqual([frame.kind, frame.body, frame.replyTo, frame.mentions], ['link', body, 1, ['ub', 'all']]);
  assert.equal(rich?.delivery?.origin?.frame.type, 'ack', 'the sender still gets an ack');
  // A pre-v3 event has no body, reply or mentions at all (the Avro defaults fill them when decoded; a
  // hand-built one leaves them out).
  const state = new StreamState({ dedupeWindow: 0 });
  const at = (seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e${seq}`, stream: 'g.2', seq, ts: seq, commandId: `c${seq}`, actor: alice, origin: null, payload });
  const created = at(0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [{ userId: 'ua', username: 'alice' }] });
  state.apply(created);
  const old = at(1, { type: 'MessageSent', id: 'm', senderId: 'ua', senderName: 'alice', clientMsgId: 'c', kind: 'text', content: 'x' });
  state.apply(old);
  assert.deepEqual(Object.keys(routeEvent(old, state)?.frame ?? {}), ['type', 'conversation', 'id', 'seq', 'ts', 'sender', 'clientMsgId', 'kind', 'content']);
  // A body that is not a JSON object (never written by the gateway; a damaged record) is left out.
  for (const [n, text] of ['{not json', '[1]', '"s"', 'null'].entries()) {
    const bad = at(2 + n, { type: 'MessageSent', id: `b${n}`, senderId: 'ua', senderName: 'alice', clientMsgId: `b${n}`, kind: 'custom', content: 'x', body: text, replyTo: 0, mentions: [] });
    state.apply(bad);
    assert.equal('body' in (routeEvent(bad, state)?.frame ?? {}), false, text);
  }
});

test('recall, edit, pin and reactions reach every member as their system entry alone: no ack, nothing for the fact', () => {
  const run = group();
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice, bob, carol], joinPolicy: 'open' });
  run(bob, { type: 'SendMessage', clientMsgId: 'm1', kind: 'text', content: 'hi' });
  const changes: Array<[Actor, CommandPayload, Partial<SystemEntry>, string]> = [
    [alice, { type: 'PinMessage', seq: 1, pinned: true }, { event: 'pinned' }, 'MessagePinned'],
    [carol, { type: 'ReactToMessage', seq: 1, emoji: '👍🏽', add: true }, { event: 'reaction', emoji: '👍🏽' }, 'ReactionChanged'],
    [carol, { type: 'ReactToMessage', seq: 1, emoji: '👍🏽', add: false }, { event: 'reaction', emoji: '👍🏽', removed: true }, 'ReactionChanged'],
    [bob, { type: 'EditMessage', seq: 1, content: 'hello' }, { event: 'edited', text: 'hello' }, 'MessageEdited'],
    [alice, { type: 'PinMessage', seq: 1, pinned: false }, { event: 'unpinned' }, 'MessagePinned'],
    [bob, { type: 'RecallMessage', seq: 1 }, { event: 'recalled' }, 'MessageRecalled'],
  ];
  for (const [actor, payload, expected, fact] of changes) {
    const routed = run(actor, payload);
    assert.deepEqual(routed.map((x) => x.event.payload.type), ['MessageSent', fact], payload.type);
    const [entry, change] = routed;
    assert.deepEqual(sorted(entry?.delivery), ['ua', 'ub', 'uc'], `${payload.type}: its entry reaches every member`);
    assert.equal(entry?.delivery?.origin, undefined, `${payload.type}: no ack for a system entry`);
    assert.deepEqual([entry?.delivery?.conversation, entry?.delivery?.seq], ['g.1', entry?.event.seq], 'sequenced: resumable like any message');
    const content = entryOf(entry?.delivery);
    assert.deepEqual(content, { ...expected, message: 1, actor: { id: actor.userId, username: actor.username } });
    assert.equal(change?.delivery, undefined, `${fact} routes nothing of its own`);
  }
  const [refused] = run(carol, { type: 'ReactToMessage', seq: 1, emoji: '👍', add: true });
  assert.equal((refused?.delivery?.frame as ErrorFrame).code, 'recalled', 'a refusal still reaches the origin as an error');
});

test('a forwarded message carries forwarded: true; one that is not, or an event from before forwarding, carries none', () => {
  const state = new StreamState({ dedupeWindow: 0 });
  const at = (seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e${seq}`, stream: 'g.3', seq, ts: seq, commandId: `c${seq}`, actor: alice, origin: null, payload });
  state.apply(at(0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [{ userId: 'ua', username: 'alice' }] }));
  const sent = (seq: number, forwarded?: boolean): MessageFrame => {
    const event = at(seq, { type: 'MessageSent', id: `m${seq}`, senderId: 'ua', senderName: 'alice', clientMsgId: `c${seq}`, kind: 'text', content: 'x', body: '', replyTo: 0, mentions: [], ...(forwarded === undefined ? {} : { forwarded }) });
    state.apply(event);
    return routeEvent(event, state)?.frame as MessageFrame;
  };
  assert.equal(sent(1, true).forwarded, true);
  assert.equal('forwarded' in sent(2, false), false);
  assert.equal('forwarded' in sent(3), false);
});

test("a flush of read marks: each reader's devices get their own read mark; the members get the shared marks in one receipts frame", () => {
  const state = new StreamState({ dedupeWindow: 0 });
  let id = 0;
  const ctx: DecideContext = { now: 1_000, newId: () => `id${++id}`, limits: { maxMembers: 10, maxAdmins: 5, maxNotices: 5, maxInviteLinks: 5, recallWindowMs: 120_000, editWindowMs: 600_000, maxPins: 5, recentMessages: 100 } };
  const [alice, bob, carol] = [{ userId: 'ua', username: 'alice' }, { userId: 'ub', username: 'bob' }, { userId: 'uc', username: 'carol' }];
  /** Decides and folds, returning each event with what fanout routes for it (priorFacts before the fold). */
  const run = (actor: Actor | null, payload: CommandPayload, stream = 'g.r') => {
    const events = decide({ commandId: `c${++id}`, stream, issuedAt: 1, actor, origin: { gatewayId: 'gw', connectionId: 'gw/receipts' }, payload }, state, ctx);
    return events.map((e) => {
      const prior = priorFacts(e, state);
      state.apply(e);
      return { e, routed: routeAll(e, state, prior) };
    });
  };
  run(alice, { type: 'CreateConversation', kind: 'group', name: 'R', members: [alice, bob, carol] });
  run(alice, { type: 'SendMessage', clientMsgId: 'k1', kind: 'text', content: 'hi' });
  const [flush] = run(null, { type: 'MarkReceipts', marks: [{ userId: 'ub', readSeq: 1, deliveredSeq: 0, shared: true }, { userId: 'uc', readSeq: 1, deliveredSeq: 0, shared: false }] });
  const deliveries = flush!.routed;
  assert.deepEqual(
    deliveries.map((d) => [d.frame.type, (d.frame as { event?: string }).event ?? '', [...d.userIds]]),
    [['conversation', 'read', ['ub']], ['conversation', 'read', ['uc']], ['receipts', '', ['ua', 'ub', 'uc']]],
  );
  assert.deepEqual(deliveries[2]!.frame, { type: 'receipts', conversation: 'g.r', marks: [{ user: { id: 'ub' }, readSeq: 1, deliveredSeq: 1 }] }, "carol's mark is not shared");
  // Nobody shares: only the readers' own devices hear of it.
  run(alice, { type: 'SendMessage', clientMsgId: 'k2', kind: 'text', content: 'again' });
  const [hidden] = run(null, { type: 'MarkReceipts', marks: [{ userId: 'uc', readSeq: 2, deliveredSeq: 0, shared: false }] });
  assert.deepEqual(hidden!.routed.map((d) => d.frame.type), ['conversation']);
  // In a direct conversation a delivery alone moves no read mark: no `conversation` read frame.
  run(alice, { type: 'CreateConversation', kind: 'direct', name: '', members: [alice, bob] }, 'd.ua.ub');
  run(alice, { type: 'SendMessage', clientMsgId: 'd1', kind: 'text', content: 'one' }, 'd.ua.ub');
  run(null, { type: 'MarkReceipts', marks: [{ userId: 'ub', readSeq: 1, deliveredSeq: 0, shared: true }] }, 'd.ua.ub');
  run(alice, { type: 'SendMessage', clientMsgId: 'd2', kind: 'text', content: 'two' }, 'd.ua.ub');
  const [delivered] = run(null, { type: 'MarkReceipts', marks: [{ userId: 'ub', readSeq: 0, deliveredSeq: 2, shared: true }] }, 'd.ua.ub');
  assert.deepEqual(delivered!.routed.map((d) => d.frame.type), ['receipts']);
});
