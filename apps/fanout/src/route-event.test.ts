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
