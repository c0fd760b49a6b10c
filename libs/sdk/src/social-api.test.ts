import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublicProfile } from '@parley/protocol';
import { ParleyClient } from './parley-client.js';
import { recordingFetch, type RecordedRequest } from './recording-fetch.js';

const pub = (id: string, handle: string): PublicProfile => ({ id, handle, displayName: handle, bio: '', avatar: '' });
const request = { id: 'f1', from: pub('u1', 'alice'), to: pub('u2', 'bob'), note: 'hi', createdAt: 1 };
const settings = { pinned: true, muteUntil: -1, hidden: false, remark: 'team' };

/** Each case: the call, the request it must make, what the fake server answers, and what the call resolves to. */
const cases: Array<{ name: string; call: (c: ParleyClient) => Promise<unknown>; request: Omit<RecordedRequest, 'auth'>; json?: unknown; result?: unknown }> = [
  {
    name: 'searchUsers pages with q, limit and after',
    call: (c) => c.searchUsers('Zoë', { limit: 5, after: 'cursor 1' }),
    request: { method: 'GET', path: '/v1/users?q=Zo%C3%AB&limit=5&after=cursor+1', body: undefined },
    json: { users: [{ id: 'u2', username: 'zoe', displayName: 'Zoë', avatar: '' }], next: null },
    result: { users: [{ id: 'u2', username: 'zoe', displayName: 'Zoë', avatar: '' }], next: null },
  },
  {
    name: 'getProfile',
    call: (c) => c.getProfile('u2'),
    request: { method: 'GET', path: '/v1/profiles/u2', body: undefined },
    json: { profile: pub('u2', 'bob'), relation: 'friend', remark: 'Bobby' },
    result: { profile: pub('u2', 'bob'), relation: 'friend', remark: 'Bobby' },
  },
  { name: 'friends', call: (c) => c.friends(), request: { method: 'GET', path: '/v1/friends', body: undefined }, json: { friends: [{ profile: pub('u2', 'bob'), remark: '', since: 3 }] }, result: [{ profile: pub('u2', 'bob'), remark: '', since: 3 }] },
  { name: 'friendRequests', call: (c) => c.friendRequests(), request: { method: 'GET', path: '/v1/friends/requests', body: undefined }, json: { incoming: [], outgoing: [request] }, result: { incoming: [], outgoing: [request] } },
  { name: 'sendFriendRequest', call: (c) => c.sendFriendRequest('u2', 'hi'), request: { method: 'POST', path: '/v1/friends/requests', body: { profile: 'u2', note: 'hi' } }, json: { request }, result: request },
  { name: 'sendFriendRequest without a note', call: (c) => c.sendFriendRequest('u2'), request: { method: 'POST', path: '/v1/friends/requests', body: { profile: 'u2' } }, json: { request }, result: request },
  { name: 'acceptFriendRequest', call: (c) => c.acceptFriendRequest('f1'), request: { method: 'POST', path: '/v1/friends/requests/f1/accept', body: undefined } },
  { name: 'refuseFriendRequest', call: (c) => c.refuseFriendRequest('f1'), request: { method: 'POST', path: '/v1/friends/requests/f1/refuse', body: undefined } },
  { name: 'cancelFriendRequest', call: (c) => c.cancelFriendRequest('f1'), request: { method: 'DELETE', path: '/v1/friends/requests/f1', body: undefined } },
  { name: 'removeFriend', call: (c) => c.removeFriend('u2'), request: { method: 'DELETE', path: '/v1/friends/u2', body: undefined } },
  { name: 'blocks', call: (c) => c.blocks(), request: { method: 'GET', path: '/v1/blocks', body: undefined }, json: { blocked: [{ profile: pub('u3', 'eve'), since: 4 }] }, result: [{ profile: pub('u3', 'eve'), since: 4 }] },
  { name: 'block', call: (c) => c.block('u3'), request: { method: 'PUT', path: '/v1/blocks/u3', body: undefined } },
  { name: 'unblock', call: (c) => c.unblock('u3'), request: { method: 'DELETE', path: '/v1/blocks/u3', body: undefined } },
  { name: 'setRemark', call: (c) => c.setRemark('u2', 'Bobby'), request: { method: 'PUT', path: '/v1/contacts/u2/remark', body: { remark: 'Bobby' } }, json: { remark: 'Bobby' }, result: 'Bobby' },
  {
    name: 'conversations with q and hidden',
    call: (c) => c.conversations({ q: 'team', hidden: true }),
    request: { method: 'GET', path: '/v1/conversations?q=team&hidden=true', body: undefined },
    json: { conversations: [] },
    result: [],
  },
  { name: 'conversations with no options', call: (c) => c.conversations(), request: { method: 'GET', path: '/v1/conversations', body: undefined }, json: { conversations: [] }, result: [] },
  { name: 'conversationSettings', call: (c) => c.conversationSettings('g.x'), request: { method: 'GET', path: '/v1/conversations/g.x/settings', body: undefined }, json: { settings }, result: settings },
  {
    name: 'setConversationSettings',
    call: (c) => c.setConversationSettings('g.x', { pinned: true, muteUntil: -1 }),
    request: { method: 'PUT', path: '/v1/conversations/g.x/settings', body: { pinned: true, muteUntil: -1 } },
    json: { settings },
    result: settings,
  },
];

for (const k of cases) {
  test(`${k.name}: the request and the unwrapped answer`, async () => {
    const { fetch, requests } = recordingFetch(() => (k.json === undefined ? undefined : { json: k.json }));
    const client = new ParleyClient({ url: 'http://parley.test', fetch });
    client.useToken('tok');
    assert.deepEqual(await k.call(client), k.result);
    assert.deepEqual(requests, [{ ...k.request, auth: 'Bearer tok' }]);
  });
}
