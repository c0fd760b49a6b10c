import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConversationSummary, GroupDetails, GroupMember, InviteLink, Notice } from '@parley/protocol';
import { ParleyClient } from './parley-client.js';
import { recordingFetch, type RecordedRequest } from './recording-fetch.js';

const alice = { id: 'u1', username: 'alice' };
const bob = { id: 'u2', username: 'bob' };
// role and dissolved are new in the summary; asserted so the test also builds against a protocol before them.
const summary = {
  id: 'g.x',
  kind: 'group',
  name: 'Team',
  lastSeq: 3,
  readSeq: 3,
  unread: 0,
  memberCount: 2,
  lastMessage: null,
  settings: { pinned: false, muteUntil: 0, hidden: false, remark: '' },
  role: 'owner',
  dissolved: false,
} as ConversationSummary;
const notice: Notice = { id: 'n1', text: 'Read the rules', postedBy: alice, postedAt: 5, editedAt: 0, seq: 4 };
const group: GroupDetails = {
  id: 'g.x',
  kind: 'group',
  name: 'Team',
  avatar: '',
  description: 'd',
  joinPolicy: 'invite',
  invitePolicy: 'friends',
  muteAll: false,
  dissolved: false,
  ownerId: 'u1',
  memberCount: 2,
  adminCount: 0,
  myRole: 'owner',
  myMutedUntil: 0,
  notice,
  noticeUnread: false,
};
const member: GroupMember = { id: 'u2', username: 'bob', displayName: 'Bob', role: 'admin', joinedAt: 1, readSeq: 2, mutedUntil: 0 };
const link: InviteLink = { code: 'c0de', expiresAt: 9, maxUses: 0, uses: 1, createdBy: alice, createdAt: 2 };
const request = { conversation: { id: 'g.x', name: 'Team' }, user: bob, note: 'hi', invitedBy: null, requestedAt: 6 };
const invitation = { conversation: { id: 'g.x', name: 'Team', avatar: '', memberCount: 2 }, invitedBy: alice, invitedAt: 7 };

/** Each case: the call, the request it must make, what the fake server answers (status, JSON), and what the call resolves to. */
const cases: Array<{ name: string; call: (c: ParleyClient) => Promise<unknown>; request: Omit<RecordedRequest, 'auth'>; status?: number; json?: unknown; result?: unknown }> = [
  { name: 'createGroup with a join policy', call: (c) => c.createGroup('Team', ['bob'], { joinPolicy: 'approval' }), request: { method: 'POST', path: '/v1/groups', body: { name: 'Team', members: ['bob'], joinPolicy: 'approval' } }, status: 201, json: { conversation: summary }, result: summary },
  { name: 'group', call: (c) => c.group('g.x'), request: { method: 'GET', path: '/v1/conversations/g.x/group', body: undefined }, json: { group }, result: group },
  { name: 'updateGroup', call: (c) => c.updateGroup('g.x', { description: 'd', muteAll: true }), request: { method: 'PATCH', path: '/v1/conversations/g.x/group', body: { description: 'd', muteAll: true } }, json: { group }, result: group },
  { name: 'requestJoin, joined', call: (c) => c.requestJoin('g.x'), request: { method: 'POST', path: '/v1/groups/g.x/join', body: undefined }, json: { conversation: summary }, result: { status: 'joined', conversation: summary } },
  { name: 'requestJoin with a note, pending', call: (c) => c.requestJoin('g.x', 'let me in'), request: { method: 'POST', path: '/v1/groups/g.x/join', body: { note: 'let me in' } }, status: 202, json: { request: { conversation: 'g.x', status: 'pending' } }, result: { status: 'pending', conversation: 'g.x' } },
  { name: 'inviteLinkPreview', call: (c) => c.inviteLinkPreview('a/b'), request: { method: 'GET', path: '/v1/invite-links/a%2Fb', body: undefined }, json: { conversation: { id: 'g.x', name: 'Team', avatar: '', description: '', memberCount: 2 }, expiresAt: 9 }, result: { conversation: { id: 'g.x', name: 'Team', avatar: '', description: '', memberCount: 2 }, expiresAt: 9 } },
  { name: 'joinByLink', call: (c) => c.joinByLink('c0de'), request: { method: 'POST', path: '/v1/invite-links/c0de/join', body: undefined }, json: { conversation: summary }, result: summary },
  {
    name: 'groupMembers with q, role and after',
    call: (c) => c.groupMembers('g.x', { limit: 20, after: 'bob', q: 'Zoë', role: 'admin' }),
    request: { method: 'GET', path: '/v1/conversations/g.x/members?limit=20&after=bob&q=Zo%C3%AB&role=admin', body: undefined },
    json: { members: [member], next: 'bob' },
    result: { members: [member], next: 'bob' },
  },
  { name: 'groupMembers, first page', call: (c) => c.groupMembers('g.x'), request: { method: 'GET', path: '/v1/conversations/g.x/members', body: undefined }, json: { members: [], next: null }, result: { members: [], next: null } },
  { name: 'setMemberRole', call: (c) => c.setMemberRole('g.x', 'u2', 'admin'), request: { method: 'PUT', path: '/v1/conversations/g.x/members/u2/role', body: { role: 'admin' } }, json: { member }, result: member },
  { name: 'removeMember', call: (c) => c.removeMember('g.x', 'u2'), request: { method: 'DELETE', path: '/v1/conversations/g.x/members/u2', body: undefined } },
  { name: 'removeMember with a ban', call: (c) => c.removeMember('g.x', 'u2', { ban: true }), request: { method: 'DELETE', path: '/v1/conversations/g.x/members/u2?ban=true', body: undefined } },
  { name: 'muteMember', call: (c) => c.muteMember('g.x', 'u2', 1000), request: { method: 'PUT', path: '/v1/conversations/g.x/members/u2/mute', body: { until: 1000 } }, json: { member }, result: member },
  { name: 'transferOwnership', call: (c) => c.transferOwnership('g.x', 'u2'), request: { method: 'POST', path: '/v1/conversations/g.x/transfer', body: { userId: 'u2' } } },
  { name: 'dissolve', call: (c) => c.dissolve('g.x'), request: { method: 'POST', path: '/v1/conversations/g.x/dissolve', body: undefined } },
  { name: 'bans', call: (c) => c.bans('r.lobby'), request: { method: 'GET', path: '/v1/conversations/r.lobby/bans', body: undefined }, json: { bans: [{ user: bob, bannedBy: 'u1', bannedAt: 3 }] }, result: [{ user: bob, bannedBy: 'u1', bannedAt: 3 }] },
  { name: 'unban', call: (c) => c.unban('r.lobby', 'u2'), request: { method: 'DELETE', path: '/v1/conversations/r.lobby/bans/u2', body: undefined } },
  { name: 'notices with paging', call: (c) => c.notices('g.x', { limit: 10, before: 5 }), request: { method: 'GET', path: '/v1/conversations/g.x/notices?limit=10&before=5', body: undefined }, json: { notices: [notice] }, result: [notice] },
  { name: 'postNotice', call: (c) => c.postNotice('g.x', 'Read the rules'), request: { method: 'POST', path: '/v1/conversations/g.x/notices', body: { text: 'Read the rules' } }, status: 201, json: { notice }, result: notice },
  { name: 'editNotice', call: (c) => c.editNotice('g.x', 'n1', 'New rules'), request: { method: 'PUT', path: '/v1/conversations/g.x/notices/n1', body: { text: 'New rules' } }, json: { notice }, result: notice },
  { name: 'markNoticeRead', call: (c) => c.markNoticeRead('g.x', 'n1'), request: { method: 'POST', path: '/v1/conversations/g.x/notices/n1/read', body: undefined } },
  { name: 'invite', call: (c) => c.invite('g.x', ['bob']), request: { method: 'POST', path: '/v1/conversations/g.x/invitations', body: { usernames: ['bob'] } }, status: 202, json: { invited: [bob] }, result: [bob] },
  { name: 'invitations', call: (c) => c.invitations(), request: { method: 'GET', path: '/v1/invitations', body: undefined }, json: { invitations: [invitation] }, result: [invitation] },
  { name: 'answerInvitation, accepted and joined', call: (c) => c.answerInvitation('g.x', true), request: { method: 'POST', path: '/v1/invitations/g.x', body: { accept: true } }, json: { conversation: summary }, result: { status: 'joined', conversation: summary } },
  { name: 'answerInvitation, accepted and pending', call: (c) => c.answerInvitation('g.x', true), request: { method: 'POST', path: '/v1/invitations/g.x', body: { accept: true } }, status: 202, json: { request: { conversation: 'g.x', status: 'pending' } }, result: { status: 'pending', conversation: 'g.x' } },
  { name: 'answerInvitation, declined', call: (c) => c.answerInvitation('g.x', false), request: { method: 'POST', path: '/v1/invitations/g.x', body: { accept: false } } },
  { name: 'joinRequests of a group', call: (c) => c.joinRequests('g.x'), request: { method: 'GET', path: '/v1/conversations/g.x/join-requests', body: undefined }, json: { requests: [request] }, result: [request] },
  { name: 'joinRequests of every group the caller runs', call: (c) => c.joinRequests(), request: { method: 'GET', path: '/v1/join-requests', body: undefined }, json: { requests: [request] }, result: [request] },
  { name: 'answerJoinRequest', call: (c) => c.answerJoinRequest('g.x', 'u2', false), request: { method: 'POST', path: '/v1/conversations/g.x/join-requests/u2', body: { approve: false } } },
  { name: 'inviteLinks', call: (c) => c.inviteLinks('g.x'), request: { method: 'GET', path: '/v1/conversations/g.x/invite-links', body: undefined }, json: { links: [link] }, result: [link] },
  { name: 'createInviteLink', call: (c) => c.createInviteLink('g.x', { expiresInSeconds: 3600, maxUses: 5 }), request: { method: 'POST', path: '/v1/conversations/g.x/invite-links', body: { expiresInSeconds: 3600, maxUses: 5 } }, status: 201, json: { link }, result: link },
  { name: 'createInviteLink with the defaults', call: (c) => c.createInviteLink('g.x'), request: { method: 'POST', path: '/v1/conversations/g.x/invite-links', body: {} }, status: 201, json: { link }, result: link },
  { name: 'revokeInviteLink', call: (c) => c.revokeInviteLink('g.x', 'c0de'), request: { method: 'DELETE', path: '/v1/conversations/g.x/invite-links/c0de', body: undefined } },
];

for (const k of cases) {
  test(`${k.name}: the request and the unwrapped answer`, async () => {
    const { fetch, requests } = recordingFetch(() => (k.json === undefined ? undefined : { json: k.json, ...(k.status ? { status: k.status } : {}) }));
    const client = new ParleyClient({ url: 'http://parley.test', fetch });
    client.useToken('tok');
    assert.deepEqual(await k.call(client), k.result);
    assert.deepEqual(requests, [{ ...k.request, auth: 'Bearer tok' }]);
  });
}

test('joinGroup on a group that needs approval rejects with pending instead of answering no conversation', async () => {
  const { fetch } = recordingFetch(() => ({ status: 202, json: { request: { conversation: 'g.x', status: 'pending' } } }));
  const client = new ParleyClient({ url: 'http://parley.test', fetch });
  client.useToken('tok');
  await assert.rejects(client.joinGroup('g.x'), { name: 'ParleyClientError', code: 'pending', status: 202 });
});

test('a refusal rejects with the server code and status', async () => {
  const { fetch } = recordingFetch(() => ({ status: 410, json: { error: { code: 'invite_revoked', message: 'The link was revoked' } } }));
  const client = new ParleyClient({ url: 'http://parley.test', fetch });
  client.useToken('tok');
  await assert.rejects(client.joinByLink('c0de'), { name: 'ParleyClientError', code: 'invite_revoked', status: 410 });
});
