import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamState } from '@parley/domain';
import type { ParleyEvent } from '@parley/schemas';
import { routeEvent } from './route-event.js';

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
