import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor, Command, CommandPayload, EventPayload, ParleyEvent } from '@parley/schemas';
import { directConversationId } from '@parley/protocol';
import { accountStream } from '../streams.js';
import type { StreamState } from '../stream-state.js';
import { given, on, when } from '../deciders/given-when-then.js';
import { friendsWorkflow, WORKFLOW_EVENTS } from './friends-workflow.js';

const alice: Actor = { userId: 'ua', username: 'alice' };
const bob: Actor = { userId: 'ub', username: 'bob' };
const A = accountStream('alice');
const B = accountStream('bob');
const direct = directConversationId(alice.userId, bob.userId);

const event = (stream: string, actor: Actor | null, payload: EventPayload, eventId = 'e1'): ParleyEvent => ({ eventId, stream, seq: 0, ts: 42, commandId: 'c1', actor, origin: null, payload });
/** What the workflow issues, without the fields every command shares. */
const issued = (commands: Command[]) => commands.map(({ commandId, stream, actor, payload }) => ({ commandId, stream, actor, payload }));

// --- One event, its commands ------------------------------------------------------------------------

test('FriendRequestAccepted records the friendship on the requester\'s stream, as the accepter', () => {
  const accepted = event(B, bob, { type: 'FriendRequestAccepted', requestId: 'r1', fromId: 'ua', fromHandle: 'alice', toId: 'ub', toHandle: 'bob' });

  assert.deepEqual(issued(friendsWorkflow(accepted)), [
    { commandId: 'wf:e1:0', stream: A, actor: bob, payload: { type: 'RecordFriend', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' } },
  ]);
});

test('a FriendRemoved is mirrored onto the former friend\'s stream; a mirrored one issues nothing', () => {
  const removed = event(A, alice, { type: 'FriendRemoved', profileId: 'ua', friendId: 'ub', friendStream: B, mirrored: false });
  assert.deepEqual(issued(friendsWorkflow(removed)), [{ commandId: 'wf:e1:0', stream: B, actor: alice, payload: { type: 'MirrorFriendRemoved', friendId: 'ua' } }]);

  const mirrored = event(B, alice, { type: 'FriendRemoved', profileId: 'ub', friendId: 'ua', friendStream: A, mirrored: true });
  assert.deepEqual(friendsWorkflow(mirrored), []);
});

test('ProfileBlocked withdraws the blocked side\'s requests, blocks their direct conversation and ends their side of a friendship', () => {
  const blocked = event(A, alice, { type: 'ProfileBlocked', profileId: 'ua', blockedId: 'ub', blockedStream: B });

  assert.deepEqual(issued(friendsWorkflow(blocked)), [
    { commandId: 'wf:e1:0', stream: B, actor: alice, payload: { type: 'WithdrawFriendRequests', fromId: 'ua', reason: 'blocked' } },
    { commandId: 'wf:e1:1', stream: direct, actor: alice, payload: { type: 'SetDirectBlock', by: 'ua', other: 'ub', blocked: true } },
    { commandId: 'wf:e1:2', stream: B, actor: alice, payload: { type: 'MirrorFriendRemoved', friendId: 'ua' } },
  ]);
});

test('ProfileUnblocked lifts the block on the direct conversation', () => {
  const unblocked = event(A, alice, { type: 'ProfileUnblocked', profileId: 'ua', blockedId: 'ub', blockedStream: B });

  assert.deepEqual(issued(friendsWorkflow(unblocked)), [
    { commandId: 'wf:e1:0', stream: direct, actor: alice, payload: { type: 'SetDirectBlock', by: 'ua', other: 'ub', blocked: false } },
  ]);
});

test('DirectApproved creates the direct conversation, as the requester', () => {
  const approved = event(A, bob, { type: 'DirectApproved', conversation: direct, requesterId: 'ub', requesterHandle: 'bob', approverId: 'ua', approverHandle: 'alice' });

  assert.deepEqual(issued(friendsWorkflow(approved)), [
    { commandId: 'wf:e1:0', stream: direct, actor: bob, payload: { type: 'CreateConversation', kind: 'direct', name: '', members: [bob, alice] } },
  ]);
});

test('MembersInvited asks each invitee\'s stream to check the invitation, as the inviter', () => {
  const invited = event('g.1', alice, {
    type: 'MembersInvited',
    invitees: [
      { userId: 'ub', username: 'bob', stream: B },
      { userId: 'uc', username: 'carol', stream: accountStream('carol') },
    ],
    friendsOnly: true,
  });

  const check = (inviteeId: string) => ({ type: 'ReceiveGroupInvitation', conversation: 'g.1', inviteeId, inviterId: 'ua', inviterHandle: 'alice', friendsOnly: true });
  assert.deepEqual(issued(friendsWorkflow(invited)), [
    { commandId: 'wf:e1:0', stream: B, actor: alice, payload: check('ub') },
    { commandId: 'wf:e1:1', stream: accountStream('carol'), actor: alice, payload: check('uc') },
  ]);
});

test('GroupInvitationChecked confirms the invitation on the group, allowed or not, with the reason', () => {
  for (const [allowed, reason] of [[true, ''], [false, 'not_friends']] as const) {
    const checked = event(B, alice, { type: 'GroupInvitationChecked', conversation: 'g.1', inviteeId: 'ub', inviterId: 'ua', allowed, reason });
    assert.deepEqual(issued(friendsWorkflow(checked)), [{ commandId: 'wf:e1:0', stream: 'g.1', actor: alice, payload: { type: 'ConfirmInvitation', userId: 'ub', inviterId: 'ua', allowed, reason } }]);
  }
});

test('workflow commands carry the event\'s time, no origin, and ids derived from the event only', () => {
  const blocked = (eventId: string) => event(A, alice, { type: 'ProfileBlocked', profileId: 'ua', blockedId: 'ub', blockedStream: B }, eventId);
  const first = friendsWorkflow(blocked('e7'));

  assert.deepEqual(friendsWorkflow(blocked('e7')), first, 'the same event gives the same commands');
  assert.deepEqual(first.map((c) => c.commandId), first.map((_, i) => `wf:e7:${i}`));
  assert.ok(first.every((c) => c.issuedAt === 42 && c.origin === null));
  assert.notDeepEqual(friendsWorkflow(blocked('e8')).map((c) => c.commandId), first.map((c) => c.commandId));
});

test('WORKFLOW_EVENTS names exactly the events that issue commands', () => {
  const samples: EventPayload[] = [
    { type: 'FriendRequestAccepted', requestId: 'r1', fromId: 'ua', fromHandle: 'alice', toId: 'ub', toHandle: 'bob' },
    { type: 'FriendRemoved', profileId: 'ua', friendId: 'ub', friendStream: B, mirrored: false },
    { type: 'ProfileBlocked', profileId: 'ua', blockedId: 'ub', blockedStream: B },
    { type: 'ProfileUnblocked', profileId: 'ua', blockedId: 'ub', blockedStream: B },
    { type: 'DirectApproved', conversation: direct, requesterId: 'ub', requesterHandle: 'bob', approverId: 'ua', approverHandle: 'alice' },
    { type: 'FriendRequested', requestId: 'r1', fromId: 'ua', fromHandle: 'alice', toId: 'ub', toHandle: 'bob', note: '' },
    { type: 'FriendRequestRefused', requestId: 'r1', fromId: 'ua', toId: 'ub' },
    { type: 'FriendRequestCancelled', requestId: 'r1', fromId: 'ua', toId: 'ub', reason: 'blocked' },
    { type: 'FriendAdded', profileId: 'ua', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' },
    { type: 'DirectBlockChanged', by: 'ua', other: 'ub', blocked: true },
    { type: 'CommandRejected', code: 'conflict', message: '', clientMsgId: '' },
    { type: 'MembersInvited', invitees: [{ userId: 'ub', username: 'bob', stream: B }], friendsOnly: true },
    { type: 'GroupInvitationChecked', conversation: 'g.1', inviteeId: 'ub', inviterId: 'ua', allowed: true, reason: '' },
    { type: 'InvitationChecked', userId: 'ub', allowed: true, reason: '' },
    { type: 'InvitationAnswered', userId: 'ub', username: 'bob', accepted: true },
    { type: 'JoinRequested', userId: 'ub', username: 'bob', note: '', invitedBy: 'ua' },
    { type: 'MembersJoined', members: [bob], code: '' },
  ];
  for (const payload of samples) {
    assert.equal(friendsWorkflow(event(A, alice, payload)).length > 0, WORKFLOW_EVENTS.has(payload.type), payload.type);
  }
});

// --- Both sides agree: decide + workflow until nothing is left to do ----------------------------------------

/**
 * Ingest and the workflow runner in one loop: clients' commands are decided at once; the workflow's
 * commands wait in a queue until `settle`, so a scenario can put a client between the two steps. With
 * `twice`, the runner meets every event twice, as after a crash between writing an event's
 * commands and committing past it: the same commands, with the same ids, arrive again.
 */
class World {
  readonly state: StreamState = given(...on(A, profile(alice)), ...on(B, profile(bob)));
  private readonly queue: Command[] = [];

  constructor(private readonly twice = false) {}

  client(actor: Actor, stream: string, payload: CommandPayload): ParleyEvent[] {
    return this.decide({ stream, actor, payload });
  }

  /** Hands the runner commands of an event it met earlier (a late redelivery). */
  redeliver(commands: Command[]): void {
    this.queue.push(...commands);
  }

  /** Runs the workflow's commands, and the commands their events cause, until there are none. */
  settle(): void {
    for (let command = this.queue.shift(); command; command = this.queue.shift()) this.decide(command);
  }

  /** Who is whose friend, who has requests from whom, who blocks whom, and the direct conversation. */
  snapshot() {
    const side = (stream: string) => {
      const p = this.state.accounts.get(stream)?.profile;
      return { friends: Object.keys(p?.friends ?? {}), requestsFrom: Object.values(p?.incoming ?? {}).map((r) => r.fromId), blocked: Object.keys(p?.blocked ?? {}) };
    };
    return { alice: side(A), bob: side(B), directBlockers: this.state.directBlocks.get(direct) ?? [], direct: this.state.conversations.has(direct) };
  }

  private decide(command: { stream: string; actor: Actor | null; payload: CommandPayload; commandId?: string }): ParleyEvent[] {
    const events = when(this.state, command);
    for (const e of events) {
      const commands = friendsWorkflow(e);
      this.queue.push(...commands, ...(this.twice ? commands : []));
    }
    return events;
  }
}

function profile(who: Actor): EventPayload {
  return { type: 'ProfileCreated', profileId: who.userId, loginId: `l-${who.username}`, handle: who.username, displayName: who.username, bio: '', avatar: '' };
}

const request = (from: Actor, to: string, requestId: string) => (w: World) => w.client(from, to, { type: 'RequestFriend', requestId, note: '' });
const accept = (by: Actor, stream: string, requestId: string) => (w: World) => w.client(by, stream, { type: 'AnswerFriendRequest', requestId, accept: true });
const remove = (by: Actor, stream: string, friendId: string) => (w: World) => w.client(by, stream, { type: 'RemoveFriend', friendId });
const block = (w: World) => w.client(alice, A, { type: 'BlockProfile', blockedId: 'ub', blockedStream: B });
const unblock = (w: World) => w.client(alice, A, { type: 'UnblockProfile', blockedId: 'ub', blockedStream: B });
const openDirect = (w: World) => w.client(bob, A, { type: 'OpenDirect', conversation: direct });
const settle = (w: World) => w.settle();
const befriend = [request(alice, B, 'r1'), accept(bob, B, 'r1'), settle];

const nobody = { friends: [], requestsFrom: [], blocked: [] };
const friendsAgain = { alice: { ...nobody, friends: ['ub'] }, bob: { ...nobody, friends: ['ua'] }, directBlockers: [], direct: false };
const aliceBlocksBob = { alice: { ...nobody, blocked: ['ub'] }, bob: nobody, directBlockers: ['ua'], direct: false };

/** Steps (each settles only where it says so; the world settles at the end) and the states both sides agree on. */
const scenarios: Array<{ name: string; steps: Array<(w: World) => unknown>; agreed: ReturnType<World['snapshot']> }> = [
  { name: 'request + accept: both have each other as friends', steps: befriend, agreed: friendsAgain },
  {
    name: 'request + accept with a crossing request: both are friends and neither request is left',
    steps: [request(alice, B, 'r1'), request(bob, A, 'r2'), accept(bob, B, 'r1')],
    agreed: friendsAgain,
  },
  { name: 'remove: both lose the friendship', steps: [...befriend, remove(alice, A, 'ub')], agreed: { ...friendsAgain, alice: nobody, bob: nobody } },
  {
    name: 'both remove each other at once: both lose it',
    steps: [...befriend, remove(alice, A, 'ub'), remove(bob, B, 'ua')],
    agreed: { ...friendsAgain, alice: nobody, bob: nobody },
  },
  { name: 'block of a friend: neither is friends, and the direct conversation has the block', steps: [...befriend, block], agreed: aliceBlocksBob },
  { name: 'block with crossing requests: no request is left either way', steps: [request(alice, B, 'r1'), request(bob, A, 'r2'), block], agreed: aliceBlocksBob },
  {
    // Bob has Alice as a friend; Alice does not know yet (RecordFriend is queued), and has Bob's request r2.
    name: 'block of a just-accepted friend with a crossing request, before the friendship reached the blocker: neither is friends',
    steps: [request(bob, A, 'r2'), request(alice, B, 'r1'), accept(bob, B, 'r1'), block],
    agreed: aliceBlocksBob,
  },
  {
    name: 'block, then the blocked side accepts the blocker\'s request before the withdrawal lands: neither is friends',
    steps: [request(alice, B, 'r1'), block, accept(bob, B, 'r1')],
    agreed: aliceBlocksBob,
  },
  { name: 'friends, block, unblock: the block is lifted, the friendship stays gone', steps: [...befriend, block, settle, unblock], agreed: { ...aliceBlocksBob, alice: nobody, directBlockers: [] } },
  { name: 'OpenDirect: the workflow creates the direct conversation', steps: [openDirect], agreed: { ...friendsAgain, alice: nobody, bob: nobody, direct: true } },
  { name: 'OpenDirect then block: the conversation stays, blocked', steps: [openDirect, settle, block], agreed: { ...aliceBlocksBob, direct: true } },
];

for (const { name, steps, agreed } of scenarios) {
  test(name, () => {
    const world = new World();
    for (const step of steps) step(world);
    world.settle();

    assert.deepEqual(world.snapshot(), agreed);
  });
}

test('the workflow meeting every event twice (a crash before the offset commit) ends in the same states', () => {
  for (const { name, steps, agreed } of scenarios) {
    const world = new World(true);
    for (const step of steps) step(world);
    world.settle();

    assert.deepEqual(world.snapshot(), agreed, name);
  }
});

test('a block stops messages in the direct conversation the workflow created', () => {
  const world = new World();
  for (const step of [openDirect, settle, block, settle]) step(world);

  const [answer] = world.client(bob, direct, { type: 'SendMessage', clientMsgId: 'k1', kind: 'text', content: 'hi' });
  assert.equal(answer?.payload.type === 'CommandRejected' && answer.payload.code, 'not_permitted');
});

test('a late redelivery of an acceptance, after the friendship was removed, does not revive one side of it', () => {
  const world = new World();
  for (const step of [...befriend, remove(alice, A, 'ub'), settle]) step(world);
  const accepted = event(B, bob, { type: 'FriendRequestAccepted', requestId: 'r1', fromId: 'ua', fromHandle: 'alice', toId: 'ub', toHandle: 'bob' });

  world.redeliver(friendsWorkflow(accepted));
  world.settle();

  assert.deepEqual(world.snapshot(), { alice: nobody, bob: nobody, directBlockers: [], direct: false });
});

test('a blocker\'s own request to the profile they block, accepted: neither is friends', () => {
  const world = new World();
  for (const step of [block, settle, request(alice, B, 'r1'), accept(bob, B, 'r1')]) step(world);
  world.settle();

  assert.deepEqual(world.snapshot(), aliceBlocksBob);
});

// --- Group invitations: the group, the invitee's stream, the group again ------------------------------------

const group = 'g.1';
const createGroup = (invitePolicy: 'friends' | 'anyone') => (w: World) => {
  w.client(alice, group, { type: 'CreateConversation', kind: 'group', name: 'G', members: [alice], joinPolicy: 'invite' });
  if (invitePolicy === 'anyone') {
    w.client(alice, group, { type: 'UpdateGroup', name: 'G', avatar: '', description: '', joinPolicy: 'invite', invitePolicy, muteAll: false });
  }
};
const inviteBob = (w: World) => w.client(alice, group, { type: 'InviteMembers', invitees: [{ userId: 'ub', username: 'bob', stream: B }] });
const bobBlocksAlice = (w: World) => w.client(bob, B, { type: 'BlockProfile', blockedId: 'ua', blockedStream: A });
const answer = (w: World) => w.client(bob, group, { type: 'AnswerInvitation', accept: true });
const outcomeOf = (events: ParleyEvent[]) => events.map((e) => (e.payload.type === 'CommandRejected' ? `rejected:${e.payload.code}` : e.payload.type));

const invitationScenarios: Array<{ name: string; steps: Array<(w: World) => unknown>; answered: string[] }> = [
  { name: 'a friend\'s invitation, checked by the invitee\'s stream, is answerable: accepting joins', steps: [...befriend, createGroup('friends'), inviteBob], answered: ['InvitationAnswered', 'MembersJoined', 'MessageSent'] },
  { name: 'an invitation from someone not a friend, where the group wants friends, is dropped', steps: [createGroup('friends'), inviteBob], answered: ['rejected:not_found'] },
  { name: 'an invitation from anyone, where the group lets members invite anyone, is answerable', steps: [createGroup('anyone'), inviteBob], answered: ['InvitationAnswered', 'MembersJoined', 'MessageSent'] },
  { name: 'an invitation from a profile the invitee blocks is dropped, whatever the group\'s invite policy', steps: [bobBlocksAlice, createGroup('anyone'), inviteBob], answered: ['rejected:not_found'] },
];

for (const twice of [false, true]) {
  for (const { name, steps, answered } of invitationScenarios) {
    test(`${name}${twice ? ' (the workflow meeting every event twice)' : ''}`, () => {
      const world = new World(twice);
      for (const step of steps) step(world);
      // Not checked yet: nothing to answer.
      assert.deepEqual(outcomeOf(answer(world)), ['rejected:not_found']);
      world.settle();

      assert.deepEqual(outcomeOf(answer(world)), answered);
      assert.equal(world.state.conversations.get(group)?.members.has('ub'), answered[0] === 'InvitationAnswered');
    });
  }
}

test('an invitation dropped by the invitee\'s stream can be made again once they are friends', () => {
  const world = new World();
  for (const step of [createGroup('friends'), inviteBob, settle, ...befriend, inviteBob, settle]) step(world);

  assert.deepEqual(outcomeOf(answer(world)), ['InvitationAnswered', 'MembersJoined', 'MessageSent']);
});
