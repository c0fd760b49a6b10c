import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor, CommandPayload, EventPayload } from '@parley/schemas';
import { directConversationId } from '@parley/protocol';
import { accountStream } from '../../streams.js';
import { given, on, rejected, then, when, type Fact } from '../given-when-then.js';
import { MAX_BLOCKED, MAX_FRIENDS, MAX_PENDING_REQUESTS } from './account-limits.js';

const alice: Actor = { userId: 'ua', username: 'alice' };
const bob: Actor = { userId: 'ub', username: 'bob' };
const carol: Actor = { userId: 'uc', username: 'carol' };
const A = accountStream('alice');
const B = accountStream('bob');
const C = accountStream('carol');
const direct = directConversationId(alice.userId, bob.userId);

const created = (who: Actor): EventPayload => ({ type: 'ProfileCreated', profileId: who.userId, loginId: `l-${who.username}`, handle: who.username, displayName: who.username, bio: '', avatar: '' });
/** Alice's profile, and any further facts on her stream. */
const aliceWith = (...payloads: EventPayload[]): Fact[] => on(A, created(alice), ...payloads);
const requested = (requestId: string, from: Actor, to: Actor = alice): EventPayload => ({ type: 'FriendRequested', requestId, fromId: from.userId, fromHandle: from.username, toId: to.userId, toHandle: to.username, note: '' });
const friendAdded = (friend: Actor, of: Actor = alice): EventPayload => ({ type: 'FriendAdded', profileId: of.userId, friendId: friend.userId, friendHandle: friend.username, requestId: 'r0' });
const blockedBy = (blocked: Actor, by: Actor = alice): EventPayload => ({ type: 'ProfileBlocked', profileId: by.userId, blockedId: blocked.userId, blockedStream: accountStream(blocked.username) });
/** A command on Alice's stream, by `actor`. */
const onAlice = (actor: Actor | null, payload: CommandPayload) => ({ stream: A, actor, payload });

// --- CreateProfile: one name per key -------------------------------------------------------------

test('Alice, ALICE and fullwidth ａｌｉｃｅ share one account stream', () => {
  assert.equal(accountStream('Alice'), A);
  assert.equal(accountStream('ALICE'), A);
  assert.equal(accountStream('ａｌｉｃｅ'), A);
});

test('CreateProfile on a free stream creates the profile under its handle as written', () => {
  const zoe = 'Zoë';
  then(when(given(), { stream: accountStream(zoe), actor: null, payload: { type: 'CreateProfile', profileId: 'uz', loginId: 'l1', handle: zoe, displayName: 'Z' } }), [
    { type: 'ProfileCreated', profileId: 'uz', loginId: 'l1', handle: zoe, displayName: 'Z', bio: '', avatar: '' },
  ]);
});

test('a handle that collides after NFKC and case folding is handle_taken', () => {
  for (const handle of ['Alice', 'ALICE', 'alice']) {
    const state = given(...aliceWith());
    then(when(state, { stream: accountStream(handle), actor: null, payload: { type: 'CreateProfile', profileId: 'u2', loginId: 'l2', handle, displayName: 'x' } }), rejected('handle_taken'));
  }
  // A login alone (its profile deleted or not yet there) holds the name too.
  const loginOnly = given(...on(A, { type: 'LoginRegistered', loginId: 'l1', username: 'alice', credentials: { keyId: 'k', nonce: new Uint8Array(12), data: new Uint8Array(1) } }));
  then(when(loginOnly, { stream: A, actor: null, payload: { type: 'CreateProfile', profileId: 'u2', loginId: 'l2', handle: 'Alice', displayName: 'x' } }), rejected('handle_taken'));
});

test('a handle not in NFKC, not matching HANDLE, or on another stream is bad_request', () => {
  const attempt = (stream: string, handle: string) => when(given(), { stream, actor: null, payload: { type: 'CreateProfile', profileId: 'u2', loginId: 'l2', handle, displayName: 'x' } });
  // Fullwidth letters and a decomposed ë are not NFKC: the server stores handles in NFKC only.
  then(attempt(A, 'ａｌｉｃｅ'), rejected('bad_request'));
  then(attempt(accountStream('Zoë'), 'Zoe\u0308'), rejected('bad_request'));
  for (const handle of ['al', 'al ice', 'alice!', 'a'.repeat(33), '']) then(attempt(accountStream(handle), handle), rejected('bad_request'));
  then(attempt(B, 'alice'), rejected('bad_request'));
});

// --- Every command needs a live profile -------------------------------------------------------------

const profileCommands: CommandPayload[] = [
  { type: 'UpdateProfile', displayName: 'x', bio: '', avatar: '' },
  { type: 'DeleteProfile', loginId: 'l-alice' },
  { type: 'SetPrivacy', directFrom: 'friends' },
  { type: 'RevokeToken', tokenId: 't', expiresAt: 9 },
  { type: 'RequestFriend', requestId: 'r9', note: '' },
  { type: 'AnswerFriendRequest', requestId: 'r1', accept: true },
  { type: 'CancelFriendRequest', requestId: 'r1' },
  { type: 'RemoveFriend', friendId: 'ub' },
  { type: 'BlockProfile', blockedId: 'ub', blockedStream: B },
  { type: 'UnblockProfile', blockedId: 'ub', blockedStream: B },
  { type: 'SetConversationSettings', conversation: direct, pinned: true, muteUntil: 0, hidden: false, remark: '' },
  { type: 'SetContactRemark', contactId: 'ub', remark: 'b' },
  { type: 'OpenDirect', conversation: direct },
  { type: 'RecordFriend', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' },
  { type: 'MirrorFriendRemoved', friendId: 'ub' },
  { type: 'WithdrawFriendRequests', fromId: 'ub', reason: 'blocked' },
];

test('a deleted profile is not_found for every command, whoever sends it', () => {
  const state = given(...aliceWith(requested('r1', bob), friendAdded(bob), { type: 'ProfileDeleted', profileId: 'ua', loginId: 'l-alice' }));
  for (const payload of profileCommands) {
    for (const actor of [alice, bob]) then(when(state, onAlice(actor, payload)), rejected('not_found'));
  }
});

test('a stream without a profile is not_found; a profile command without an actor is unauthenticated', () => {
  for (const payload of profileCommands) then(when(given(), onAlice(alice, payload)), rejected('not_found'));
  for (const payload of profileCommands) then(when(given(...aliceWith()), onAlice(null, payload)), rejected('unauthenticated'));
});

test('a command of another decider on an account stream is bad_request', () => {
  then(when(given(...aliceWith()), onAlice(alice, { type: 'SendMessage', clientMsgId: 'm', kind: 'text', content: 'x' })), rejected('bad_request'));
  then(when(given(...aliceWith()), onAlice(alice, { type: 'SetDirectBlock', by: 'ua', other: 'ub', blocked: true })), rejected('bad_request'));
});

// --- The profile's own settings: only the owner -------------------------------------------------------

test('only the owner updates, sets privacy, revokes tokens, answers, removes, blocks, unblocks, sets settings and remarks', () => {
  const state = given(...aliceWith(requested('r1', bob), friendAdded(carol), blockedBy(carol)));
  const ownerOnly = profileCommands.filter((p) =>
    ['UpdateProfile', 'SetPrivacy', 'RevokeToken', 'AnswerFriendRequest', 'RemoveFriend', 'BlockProfile', 'UnblockProfile', 'SetConversationSettings', 'SetContactRemark'].includes(p.type),
  );
  assert.equal(ownerOnly.length, 9);
  for (const payload of ownerOnly) then(when(state, onAlice(bob, payload)), rejected('forbidden'));
});

test('UpdateProfile by the owner', () => {
  then(when(given(...aliceWith()), onAlice(alice, { type: 'UpdateProfile', displayName: 'Al', bio: 'hi', avatar: 'a.png' })), [
    { type: 'ProfileUpdated', profileId: 'ua', displayName: 'Al', bio: 'hi', avatar: 'a.png' },
  ]);
});

test('DeleteProfile needs the profile\'s login', () => {
  const state = given(...aliceWith());
  then(when(state, onAlice(alice, { type: 'DeleteProfile', loginId: 'l-other' })), rejected('forbidden'));
  then(when(state, onAlice(alice, { type: 'DeleteProfile', loginId: 'l-alice' })), [{ type: 'ProfileDeleted', profileId: 'ua', loginId: 'l-alice' }]);
  then(when(state, onAlice(alice, { type: 'DeleteProfile', loginId: 'l-alice' })), rejected('not_found'));
});

test('SetPrivacy takes "everyone" or "friends" only', () => {
  const state = given(...aliceWith());
  then(when(state, onAlice(alice, { type: 'SetPrivacy', directFrom: 'nobody' })), rejected('bad_request'));
  then(when(state, onAlice(alice, { type: 'SetPrivacy', directFrom: 'friends' })), [{ type: 'PrivacyChanged', profileId: 'ua', directFrom: 'friends' }]);
  then(when(state, onAlice(alice, { type: 'SetPrivacy', directFrom: 'everyone' })), [{ type: 'PrivacyChanged', profileId: 'ua', directFrom: 'everyone' }]);
});

test('RevokeToken by the owner names the profile', () => {
  then(when(given(...aliceWith()), onAlice(alice, { type: 'RevokeToken', tokenId: 't1', expiresAt: 99 })), [{ type: 'TokenRevoked', userId: 'ua', tokenId: 't1', expiresAt: 99 }]);
});

test('SetConversationSettings needs a conversation id and muteUntil >= -1', () => {
  const state = given(...aliceWith());
  const settings = (conversation: string, muteUntil: number): CommandPayload => ({ type: 'SetConversationSettings', conversation, pinned: true, muteUntil, hidden: false, remark: 'r' });
  for (const bad of ['', 'x.1', 'g.', 'g.a b', 'u.alice']) then(when(state, onAlice(alice, settings(bad, 0))), rejected('bad_request'));
  then(when(state, onAlice(alice, settings('g.1', -2))), rejected('bad_request'));
  then(when(state, onAlice(alice, settings('g.1', -1))), [{ type: 'ConversationSettingsChanged', profileId: 'ua', conversation: 'g.1', pinned: true, muteUntil: -1, hidden: false, remark: 'r' }]);
  then(when(state, onAlice(alice, settings(direct, 123))), [{ type: 'ConversationSettingsChanged', conversation: direct, muteUntil: 123 }]);
});

test('SetContactRemark is for someone else', () => {
  const state = given(...aliceWith());
  then(when(state, onAlice(alice, { type: 'SetContactRemark', contactId: 'ua', remark: 'me' })), rejected('self_target'));
  then(when(state, onAlice(alice, { type: 'SetContactRemark', contactId: 'ub', remark: 'Bobby' })), [{ type: 'ContactRemarkSet', profileId: 'ua', contactId: 'ub', remark: 'Bobby' }]);
});

// --- Friend requests, decided on the receiver's stream --------------------------------------------------

test('RequestFriend records the request on the receiver\'s stream', () => {
  then(when(given(...aliceWith()), onAlice(bob, { type: 'RequestFriend', requestId: 'r1', note: 'hi' })), [
    { type: 'FriendRequested', requestId: 'r1', fromId: 'ub', fromHandle: 'bob', toId: 'ua', toHandle: 'alice', note: 'hi' },
  ]);
});

test('RequestFriend is refused: to oneself, when blocked, between friends, and when one is pending', () => {
  const request: CommandPayload = { type: 'RequestFriend', requestId: 'r9', note: '' };
  then(when(given(...aliceWith()), onAlice(alice, request)), rejected('self_target'));
  then(when(given(...aliceWith(blockedBy(bob))), onAlice(bob, request)), rejected('not_permitted'));
  then(when(given(...aliceWith(friendAdded(bob))), onAlice(bob, request)), rejected('already_friends'));
  then(when(given(...aliceWith(requested('r1', bob))), onAlice(bob, request)), rejected('request_pending'));
});

test('RequestFriend is refused with limit_reached when the receiver holds MAX_PENDING_REQUESTS requests', () => {
  const others = (n: number) => Array.from({ length: n }, (_, i): Actor => ({ userId: `u${i}`, username: `p${i}` }));
  const almost = given(...aliceWith(...others(MAX_PENDING_REQUESTS - 1).map((o, i) => requested(`q${i}`, o))));
  then(when(almost, onAlice(bob, { type: 'RequestFriend', requestId: 'r1', note: '' })), [{ type: 'FriendRequested', requestId: 'r1' }]);
  then(when(almost, onAlice(carol, { type: 'RequestFriend', requestId: 'r2', note: '' })), rejected('limit_reached'));
});

test('RequestFriend is refused with limit_reached when the receiver has MAX_FRIENDS friends', () => {
  const friends = Array.from({ length: MAX_FRIENDS }, (_, i) => friendAdded({ userId: `u${i}`, username: `p${i}` }));
  then(when(given(...aliceWith(...friends)), onAlice(bob, { type: 'RequestFriend', requestId: 'r1', note: '' })), rejected('limit_reached'));
});

test('AnswerFriendRequest: accept or refuse a pending request', () => {
  const state = given(...aliceWith(requested('r1', bob), requested('r2', carol)));
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r1', accept: true })), [
    { type: 'FriendRequestAccepted', requestId: 'r1', fromId: 'ub', fromHandle: 'bob', toId: 'ua', toHandle: 'alice' },
  ]);
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r2', accept: false })), [{ type: 'FriendRequestRefused', requestId: 'r2', fromId: 'uc', toId: 'ua' }]);
  // Both are answered now.
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r1', accept: true })), rejected('request_not_pending'));
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r2', accept: true })), rejected('request_not_pending'));
});

test('AnswerFriendRequest of an unknown or cancelled request is request_not_pending', () => {
  const state = given(...aliceWith(requested('r1', bob), { type: 'FriendRequestCancelled', requestId: 'r1', fromId: 'ub', toId: 'ua', reason: 'cancelled' }));
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r1', accept: true })), rejected('request_not_pending'));
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'nope', accept: false })), rejected('request_not_pending'));
});

test('accepting is refused with limit_reached at MAX_FRIENDS', () => {
  const friends = Array.from({ length: MAX_FRIENDS }, (_, i) => friendAdded({ userId: `u${i}`, username: `p${i}` }));
  const state = given(...aliceWith(requested('r1', bob), ...friends));
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r1', accept: true })), rejected('limit_reached'));
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r1', accept: false })), [{ type: 'FriendRequestRefused', requestId: 'r1' }]);
});

test('only the requester cancels a request', () => {
  const state = given(...aliceWith(requested('r1', bob)));
  then(when(state, onAlice(carol, { type: 'CancelFriendRequest', requestId: 'r1' })), rejected('request_not_pending'));
  then(when(state, onAlice(alice, { type: 'CancelFriendRequest', requestId: 'r1' })), rejected('request_not_pending'));
  then(when(state, onAlice(bob, { type: 'CancelFriendRequest', requestId: 'r1' })), [{ type: 'FriendRequestCancelled', requestId: 'r1', fromId: 'ub', toId: 'ua', reason: 'cancelled' }]);
  then(when(state, onAlice(bob, { type: 'CancelFriendRequest', requestId: 'r1' })), rejected('request_not_pending'));
  then(when(state, onAlice(alice, { type: 'AnswerFriendRequest', requestId: 'r1', accept: true })), rejected('request_not_pending'));
});

// --- Friends -----------------------------------------------------------------------------------

test('RemoveFriend names the friend\'s stream for the workflow; a stranger is not_friends', () => {
  const state = given(...aliceWith(friendAdded(bob)));
  then(when(state, onAlice(alice, { type: 'RemoveFriend', friendId: 'uc' })), rejected('not_friends'));
  then(when(state, onAlice(alice, { type: 'RemoveFriend', friendId: 'ub' })), [{ type: 'FriendRemoved', profileId: 'ua', friendId: 'ub', friendStream: B, mirrored: false }]);
  then(when(state, onAlice(alice, { type: 'RemoveFriend', friendId: 'ub' })), rejected('not_friends'));
});

test('RecordFriend adds the friend and answers a crossing request from them; a second one is a harmless already_friends', () => {
  const state = given(...aliceWith(requested('r2', bob), requested('r3', carol)));
  const record = onAlice(bob, { type: 'RecordFriend', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' });

  then(when(state, record), [
    { type: 'FriendAdded', profileId: 'ua', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' },
    { type: 'FriendRequestCancelled', requestId: 'r2', fromId: 'ub', toId: 'ua', reason: 'accepted' },
  ]);
  then(when(state, record), rejected('already_friends'));
  assert.deepEqual(state.accounts.get(A)?.profile?.friends, { ub: 'bob' });
  assert.deepEqual(Object.keys(state.accounts.get(A)?.profile?.incoming ?? {}), ['r3'], 'carol\'s request is untouched');
});

test('RecordFriend of a profile blocked since the acceptance records a removal (the workflow ends the other side), not a friendship', () => {
  const state = given(...aliceWith(blockedBy(bob)));
  then(when(state, onAlice(bob, { type: 'RecordFriend', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' })), [{ type: 'FriendRemoved', profileId: 'ua', friendId: 'ub', friendStream: B, mirrored: false }]);
  assert.deepEqual(state.accounts.get(A)?.profile?.friends, {});
});

test('a repeated RecordFriend of a request recorded before is refused, even after the friendship ended', () => {
  const state = given(...aliceWith());
  const record = onAlice(bob, { type: 'RecordFriend', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' });
  then(when(state, record), [{ type: 'FriendAdded', friendId: 'ub', requestId: 'r1' }]);
  then(when(state, onAlice(alice, { type: 'RemoveFriend', friendId: 'ub' })), [{ type: 'FriendRemoved' }]);
  then(when(state, record), rejected('conflict'));
  assert.deepEqual(state.accounts.get(A)?.profile?.friends, {});
});

test('MirrorFriendRemoved removes the friend once; the second is not_friends', () => {
  const state = given(...aliceWith(friendAdded(bob)));
  const mirror = onAlice(bob, { type: 'MirrorFriendRemoved', friendId: 'ub' });
  then(when(state, mirror), [{ type: 'FriendRemoved', profileId: 'ua', friendId: 'ub', friendStream: B, mirrored: true }]);
  then(when(state, mirror), rejected('not_friends'));
});

test('WithdrawFriendRequests cancels every request from one profile with the given reason', () => {
  const state = given(...aliceWith(requested('r1', bob), requested('r2', carol), requested('r3', bob)));
  const withdraw = onAlice(bob, { type: 'WithdrawFriendRequests', fromId: 'ub', reason: 'blocked' });
  then(when(state, withdraw), [
    { type: 'FriendRequestCancelled', requestId: 'r1', fromId: 'ub', toId: 'ua', reason: 'blocked' },
    { type: 'FriendRequestCancelled', requestId: 'r3', fromId: 'ub', toId: 'ua', reason: 'blocked' },
  ]);
  then(when(state, withdraw), rejected('request_not_pending'));
  assert.deepEqual(Object.keys(state.accounts.get(A)?.profile?.incoming ?? {}), ['r2']);
});

// --- Blocks ------------------------------------------------------------------------------------

test('BlockProfile of a stranger is one ProfileBlocked; twice is already_blocked; oneself is self_target', () => {
  const state = given(...aliceWith());
  const block = onAlice(alice, { type: 'BlockProfile', blockedId: 'ub', blockedStream: B });
  then(when(state, onAlice(alice, { type: 'BlockProfile', blockedId: 'ua', blockedStream: A })), rejected('self_target'));
  then(when(state, block), [{ type: 'ProfileBlocked', profileId: 'ua', blockedId: 'ub', blockedStream: B }]);
  then(when(state, block), rejected('already_blocked'));
});

test('blocking a friend with pending requests from them: FriendRemoved, FriendRequestCancelled (blocked), ProfileBlocked, in that order', () => {
  const state = given(...aliceWith(friendAdded(bob), requested('r1', bob), requested('r2', carol)));
  then(when(state, onAlice(alice, { type: 'BlockProfile', blockedId: 'ub', blockedStream: B })), [
    { type: 'FriendRemoved', profileId: 'ua', friendId: 'ub', friendStream: B, mirrored: false },
    { type: 'FriendRequestCancelled', requestId: 'r1', fromId: 'ub', toId: 'ua', reason: 'blocked' },
    { type: 'ProfileBlocked', profileId: 'ua', blockedId: 'ub', blockedStream: B },
  ]);
  const profile = state.accounts.get(A)?.profile;
  assert.deepEqual([profile?.friends, Object.keys(profile?.incoming ?? {}), profile?.blocked], [{}, ['r2'], { ub: true }]);
});

test('BlockProfile is refused with limit_reached at MAX_BLOCKED', () => {
  const blocks = Array.from({ length: MAX_BLOCKED }, (_, i) => blockedBy({ userId: `u${i}`, username: `p${i}` }));
  then(when(given(...aliceWith(...blocks)), onAlice(alice, { type: 'BlockProfile', blockedId: 'ub', blockedStream: B })), rejected('limit_reached'));
});

test('UnblockProfile: only a blocked profile', () => {
  const state = given(...aliceWith(blockedBy(bob)));
  then(when(state, onAlice(alice, { type: 'UnblockProfile', blockedId: 'uc', blockedStream: C })), rejected('not_blocked'));
  then(when(state, onAlice(alice, { type: 'UnblockProfile', blockedId: 'ub', blockedStream: B })), [{ type: 'ProfileUnblocked', profileId: 'ua', blockedId: 'ub', blockedStream: B }]);
  then(when(state, onAlice(alice, { type: 'UnblockProfile', blockedId: 'ub', blockedStream: B })), rejected('not_blocked'));
  then(when(state, onAlice(bob, { type: 'RequestFriend', requestId: 'r1', note: '' })), [{ type: 'FriendRequested', requestId: 'r1' }]);
});

// --- OpenDirect, decided on the stream of the one written to -----------------------------------------------

test('OpenDirect approves the two profiles\' direct conversation', () => {
  then(when(given(...aliceWith()), onAlice(bob, { type: 'OpenDirect', conversation: direct })), [
    { type: 'DirectApproved', conversation: direct, requesterId: 'ub', requesterHandle: 'bob', approverId: 'ua', approverHandle: 'alice' },
  ]);
  // friends-only, and they are friends
  then(when(given(...aliceWith({ type: 'PrivacyChanged', profileId: 'ua', directFrom: 'friends' }, friendAdded(bob))), onAlice(bob, { type: 'OpenDirect', conversation: direct })), [
    { type: 'DirectApproved', conversation: direct },
  ]);
});

test('OpenDirect with oneself is self_target; with another conversation id is bad_request', () => {
  then(when(given(...aliceWith()), onAlice(alice, { type: 'OpenDirect', conversation: directConversationId('ua', 'ua') })), rejected('self_target'));
  for (const conversation of [directConversationId('ub', 'uc'), 'd.ub.ua', 'g.1', 'd.ua'])
    then(when(given(...aliceWith()), onAlice(bob, { type: 'OpenDirect', conversation })), rejected('bad_request'));
});

test('OpenDirect refused by a block and by friends-only privacy look the same: the block is not revealed', () => {
  const open = onAlice(bob, { type: 'OpenDirect', conversation: direct });
  const byBlock = when(given(...aliceWith(blockedBy(bob))), open);
  const byPrivacy = when(given(...aliceWith({ type: 'PrivacyChanged', profileId: 'ua', directFrom: 'friends' })), open);

  then(byBlock, rejected('not_permitted'));
  assert.deepEqual(byBlock.map((e) => e.payload), byPrivacy.map((e) => e.payload));
});

// --- Group invitations, checked on the invitee's stream (the friends workflow's step) ------------------------

/** The workflow's check of bob's invitation of Alice to g.1 (friendsOnly: the group's invite policy is friends). */
const groupInvitation = (friendsOnly: boolean, inviteeId = alice.userId): CommandPayload => ({
  type: 'ReceiveGroupInvitation',
  conversation: 'g.1',
  inviteeId,
  inviterId: bob.userId,
  inviterHandle: bob.username,
  friendsOnly,
});
const invitationChecked = (allowed: boolean, reason: string) => [{ type: 'GroupInvitationChecked' as const, conversation: 'g.1', inviteeId: 'ua', inviterId: 'ub', allowed, reason }];

test('ReceiveGroupInvitation: allowed from anyone when the group lets members invite anyone, from friends when it wants friends', () => {
  then(when(given(...aliceWith()), onAlice(bob, groupInvitation(false))), invitationChecked(true, ''));
  then(when(given(...aliceWith(friendAdded(bob))), onAlice(bob, groupInvitation(true))), invitationChecked(true, ''));
});

test('ReceiveGroupInvitation from someone not a friend, where the group wants friends: not allowed, not_friends', () => {
  then(when(given(...aliceWith(friendAdded(carol))), onAlice(bob, groupInvitation(true))), invitationChecked(false, 'not_friends'));
});

test('ReceiveGroupInvitation from a profile the invitee blocks: not allowed, not_permitted', () => {
  then(when(given(...aliceWith(blockedBy(bob))), onAlice(bob, groupInvitation(false))), invitationChecked(false, 'not_permitted'));
  // Friends-only: refused as not_friends, blocked or not (a block ends a friendship), so the reason reveals no block.
  then(when(given(...aliceWith(blockedBy(bob))), onAlice(bob, groupInvitation(true))), invitationChecked(false, 'not_friends'));
});

test('ReceiveGroupInvitation to no profile, a deleted one or another profile\'s id: not allowed, not_found', () => {
  then(when(given(), onAlice(bob, groupInvitation(false))), invitationChecked(false, 'not_found'));
  then(when(given(...aliceWith({ type: 'ProfileDeleted', profileId: 'ua', loginId: 'l-alice' })), onAlice(bob, groupInvitation(false))), invitationChecked(false, 'not_found'));
  then(when(given(...aliceWith()), onAlice(bob, groupInvitation(false, carol.userId))), [
    { type: 'GroupInvitationChecked', inviteeId: carol.userId, allowed: false, reason: 'not_found' },
  ]);
});

test('ReceiveGroupInvitation is always a fact (the group waits for its answer), and changes nothing on the invitee\'s stream', () => {
  const state = given(...aliceWith(friendAdded(bob)));
  const before = JSON.stringify(state.accounts.get(A));
  // The workflow issues it as the inviter; without an actor it is decided the same.
  then(when(state, onAlice(null, groupInvitation(true))), invitationChecked(true, ''));
  then(when(state, onAlice(bob, groupInvitation(true))), invitationChecked(true, ''));
  assert.equal(JSON.stringify(state.accounts.get(A)), before);
});
