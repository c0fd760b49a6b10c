import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { accountStream } from '@parley/domain';
import type { CommandPayload } from '@parley/schemas';
import type { HttpAppDeps } from './create-http-app.js';
import { fakeEdge, serveFakeApp, type Answer, type FakeApp } from './fake-app.js';

// The group routes over fakes: commands are recorded and answered by `outcome` (accepted unless a test
// says otherwise); the store answers from the little world below. What is tested is the edge: which
// command a route sends, how it reads the caller's role for reads, and what it answers.

const GROUP = 'g.01JD3T0ZK8V5N2R4Q6W9YB1HCE';
const CODE = 'AAAAAAAAAAAAAAAAAAAAAA';
const claims = { userId: 'ualice', username: 'alice', loginId: 'ualice', tokenId: 't1', expiresAt: 1 };
const alice = { id: 'ualice', username: 'alice' };

interface Sent {
  stream: string;
  payload: CommandPayload;
}
let sent: Sent[] = [];
/** The outcome of the next commands by type; accepted when not named. */
let outcome: Record<string, { code: string; message: string }> = {};
/** The caller's role per conversation (undefined: not a member). */
let roles: Record<string, 'owner' | 'admin' | 'member' | undefined> = {};
/** The group approves joins: a join (not by link) or an accepted invitation becomes a request. */
let approves = false;
/** Who has a join request waiting, per conversation. */
let requests: Record<string, string[]> = {};
/** Former members' last readable seq. */
let formerUntil: number | undefined;
let memberRow = { id: 'ubob', username: 'bob', displayName: 'Bob', role: 'member', joinedAt: 1, readSeq: 0, mutedUntil: 0 };
let details: Record<string, unknown> | undefined;
let messageQueries: unknown[] = [];

const group = () => ({
  id: GROUP, kind: 'group', name: 'Team', avatar: '', description: 'd', joinPolicy: 'invite', invitePolicy: 'friends', muteAll: false, dissolved: false,
  ownerId: 'ualice', memberCount: 2, adminCount: 0, myRole: roles[GROUP] ?? 'member', myMutedUntil: 0, notice: null, noticeUnread: false, ...details,
});
const links = new Map<string, unknown>();
const link = { code: CODE, expiresAt: Date.now() + 60_000, maxUses: 0, uses: 0, createdBy: alice, createdAt: 1, conversationId: GROUP };

const deps = {
  commands: {
    execute: async (stream: string, _actor: unknown, payload: CommandPayload) => {
      sent.push({ stream, payload });
      const rejected = outcome[payload.type];
      if (rejected) return { status: 'rejected', ...rejected, stream };
      // What the projection then shows.
      if (payload.type === 'JoinConversation' || (payload.type === 'AnswerInvitation' && payload.accept)) {
        if (approves && !('code' in payload && payload.code) && roles[stream] === undefined) (requests[stream] ??= []).push('ualice');
        else roles[stream] ??= 'member';
      }
      if (payload.type === 'SetMemberRole') memberRow = { ...memberRow, role: payload.role };
      if (payload.type === 'MuteMember') memberRow = { ...memberRow, mutedUntil: payload.until > Date.now() ? payload.until : 0 };
      if (payload.type === 'CreateInviteLink') links.set(payload.code, { ...link, code: payload.code, expiresAt: payload.expiresAt, maxUses: payload.maxUses });
      if (payload.type === 'UpdateGroup') details = { ...details, ...payload, type: undefined };
      return { status: 'ok', code: null, message: null, stream };
    },
    until: async <T>(read: () => Promise<T | undefined>) => read(),
  },
  profiles: {
    byHandle: async (name: string) => (['bob', 'carol'].includes(name) ? { id: `u${name}`, handle: name, loginId: `u${name}`, deleted: false } : undefined),
    privacyOf: async () => new Map(),
  },
  sessions: { touch: async () => undefined, isRevoked: async () => false },
  conversations: {
    isMember: async (id: string, userId: string) => (userId === 'ualice' ? roles[id] !== undefined : false),
    summaryFor: async (_userId: string, id: string) => ({ id, kind: 'group', name: 'Team' }),
  },
  groups: {
    role: async (id: string) => roles[id],
    details: async (id: string, viewer: string) => (viewer === 'ualice' && roles[id] === undefined ? undefined : group()),
    readableUntil: async (id: string) => (roles[id] ? Number.MAX_SAFE_INTEGER : formerUntil),
    members: async () => [memberRow],
    member: async () => memberRow,
    bans: async () => [{ user: { id: 'ubob', username: 'bob' }, bannedBy: 'ualice', bannedAt: 1 }],
    notices: async () => [],
    inviteLinks: async () => [],
    inviteLink: async (code: string) => (code === CODE ? link : links.get(code)),
    joinRequests: async (id: string) => (requests[id] ?? []).map((userId) => ({ user: { id: userId, username: userId.slice(1) } })),
    joinRequestsFor: async () => [],
    invitationsFor: async () => [],
  },
  messages: {
    after: async (_id: string, after: number, limit: number) => (messageQueries.push({ after, limit }), [1, 2, 3, 4, 5].filter((s) => s > after).slice(0, limit).map((seq) => ({ seq }))),
    before: async (_id: string, before: number, limit: number) => (messageQueries.push({ before, limit }), [1, 2, 3, 4, 5].filter((s) => s < before).slice(-limit).map((seq) => ({ seq }))),
  },
  ...fakeEdge(claims),
} as unknown as HttpAppDeps;

let app: FakeApp;
before(async () => {
  app = await serveFakeApp(deps);
});
after(() => app.close());
beforeEach(() => {
  sent = [];
  outcome = {};
  roles = { [GROUP]: 'owner' };
  requests = {};
  approves = false;
  formerUntil = undefined;
  details = undefined;
  messageQueries = [];
  memberRow = { id: 'ubob', username: 'bob', displayName: 'Bob', role: 'member', joinedAt: 1, readSeq: 0, mutedUntil: 0 };
});

const call = (method: string, path: string, body?: unknown): Promise<Answer> => app.call(method, path, body);
const types = () => sent.map((s) => s.payload.type);

test('a new group is invite-only unless the body says otherwise', async () => {
  assert.equal((await call('POST', '/v1/groups', { name: 'Team' })).status, 201);
  assert.equal((await call('POST', '/v1/groups', { name: 'Open', joinPolicy: 'open' })).status, 201);
  assert.deepEqual(sent.map((s) => (s.payload as { joinPolicy?: string }).joinPolicy), ['invite', 'open']);
  const bad = await call('POST', '/v1/groups', { name: 'Team', joinPolicy: 'closed' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error?.details?.field, 'joinPolicy');
});

test('joining a group: 200 once a member (also again), 202 for a request that waits, request_pending when asked again; the body is optional', async () => {
  roles = {};
  const joined = await call('POST', `/v1/groups/${GROUP}/join`);
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  assert.deepEqual(sent[0], { stream: GROUP, payload: { type: 'JoinConversation', kind: 'group', note: '' } });

  roles = {};
  approves = true;
  const asked = await call('POST', `/v1/groups/${GROUP}/join`, { note: 'Hi, it is Alice' });
  assert.equal(asked.status, 202);
  assert.deepEqual(asked.body, { request: { conversation: GROUP, status: 'pending' } });
  assert.equal((sent[1]?.payload as { note?: string }).note, 'Hi, it is Alice');
  // Asking again while the request waits is the code that says so.
  outcome = { JoinConversation: { code: 'request_pending', message: 'waiting' } };
  const again = await call('POST', `/v1/groups/${GROUP}/join`, { note: 'Hi, it is Alice' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error?.code, 'request_pending');

  outcome = { JoinConversation: { code: 'banned', message: 'You are banned' } };
  assert.equal((await call('POST', `/v1/groups/${GROUP}/join`, {})).body.error?.code, 'banned');
  const long = await call('POST', `/v1/groups/${GROUP}/join`, { note: 'x'.repeat(501) });
  assert.equal(long.status, 400);
  assert.equal(long.body.error?.details?.field, 'note');
  assert.equal((await call('POST', '/v1/groups/r.lobby/join')).status, 400);
});

test('reads check the role in the store: outsiders not_member, plain members forbidden where admins only may look', async () => {
  const adminsOnly = ['bans', 'join-requests', 'invite-links'];
  for (const what of adminsOnly) assert.equal((await call('GET', `/v1/conversations/${GROUP}/${what}`)).status, 200, what);
  roles = { [GROUP]: 'member' };
  for (const what of adminsOnly) assert.equal((await call('GET', `/v1/conversations/${GROUP}/${what}`)).body.error?.code, 'forbidden', what);
  for (const what of ['group', 'notices']) assert.equal((await call('GET', `/v1/conversations/${GROUP}/${what}`)).status, 200, what);
  roles = {};
  for (const what of [...adminsOnly, 'group', 'notices']) {
    const res = await call('GET', `/v1/conversations/${GROUP}/${what}`);
    assert.equal(res.status, 403, what);
    assert.equal(res.body.error?.code, 'not_member', what);
  }
  assert.equal(sent.length, 0);
});

test('writes go to the decider as they are; its rejection is the answer', async () => {
  roles = { [GROUP]: 'member' };
  outcome = { RemoveMember: { code: 'forbidden', message: 'Only the owner and admins may do this' } };
  const res = await call('DELETE', `/v1/conversations/${GROUP}/members/ubob?ban=true`);
  assert.equal(res.status, 403);
  assert.deepEqual(sent, [{ stream: GROUP, payload: { type: 'RemoveMember', userId: 'ubob', ban: true } }]);
  outcome = {};
  assert.equal((await call('DELETE', `/v1/conversations/${GROUP}/members/ubob`)).status, 204);
  assert.deepEqual(sent[1]?.payload, { type: 'RemoveMember', userId: 'ubob', ban: false });
  assert.equal((await call('DELETE', `/v1/conversations/${GROUP}/members/ubob?ban=maybe`)).body.error?.details?.field, 'ban');
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/transfer`, { userId: 'ubob' })).status, 204);
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/dissolve`)).status, 204);
  assert.equal((await call('DELETE', `/v1/conversations/${GROUP}/bans/ubob`)).status, 204);
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/join-requests/ubob`, { approve: true })).status, 204);
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/notices/n1/read`)).status, 204);
  assert.deepEqual(types().slice(2), ['TransferOwnership', 'DissolveConversation', 'UnbanMember', 'AnswerJoinRequest', 'AckNotice']);
});

test('role and mute answer the member as projected', async () => {
  const role = await call('PUT', `/v1/conversations/${GROUP}/members/ubob/role`, { role: 'admin' });
  assert.equal(role.status, 200);
  assert.equal((role.body['member'] as { role: string }).role, 'admin');
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/members/ubob/role`, { role: 'owner' })).status, 400);
  const until = Date.now() + 60_000;
  const mute = await call('PUT', `/v1/conversations/${GROUP}/members/ubob/mute`, { until });
  assert.equal((mute.body['member'] as { mutedUntil: number }).mutedUntil, until);
  const unmute = await call('PUT', `/v1/conversations/${GROUP}/members/ubob/mute`, { until: 0 });
  assert.equal((unmute.body['member'] as { mutedUntil: number }).mutedUntil, 0);
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/members/ubob/mute`, { until: -1 })).status, 400);
});

test('PATCH group sends every setting (the changed ones over the current) and answers the group as changed', async () => {
  const res = await call('PATCH', `/v1/conversations/${GROUP}/group`, { description: 'New', muteAll: true, extra: 1 });
  assert.equal(res.status, 200);
  assert.deepEqual(sent[0]?.payload, { type: 'UpdateGroup', name: 'Team', avatar: '', description: 'New', joinPolicy: 'invite', invitePolicy: 'friends', muteAll: true });
  assert.equal((res.body['group'] as { description: string }).description, 'New');
  for (const body of [{}, { extra: 1 }]) assert.equal((await call('PATCH', `/v1/conversations/${GROUP}/group`, body)).status, 400, JSON.stringify(body));
  assert.equal((await call('PATCH', `/v1/conversations/${GROUP}/group`, { avatar: 'blue' })).body.error?.details?.field, 'avatar');
});

test('invitations name each invitee with the stream that checks it; answers join, wait or decline', async () => {
  const res = await call('POST', `/v1/conversations/${GROUP}/invitations`, { usernames: ['bob', 'carol', 'bob'] });
  assert.equal(res.status, 202);
  assert.deepEqual(sent[0]?.payload, {
    type: 'InviteMembers',
    invitees: [
      { userId: 'ubob', username: 'bob', stream: accountStream('bob') },
      { userId: 'ucarol', username: 'carol', stream: accountStream('carol') },
    ],
  });
  assert.deepEqual(res.body['invited'], [{ id: 'ubob', username: 'bob' }, { id: 'ucarol', username: 'carol' }]);
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/invitations`, { usernames: ['nobody'] })).status, 404);
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/invitations`, { usernames: [] })).status, 400);

  roles = {};
  assert.equal((await call('POST', `/v1/invitations/${GROUP}`, { accept: false })).status, 204);
  assert.equal((await call('POST', `/v1/invitations/${GROUP}`, { accept: true })).status, 200);
  // Accepted already: the invitation is gone (not_found), the caller a member: the same answer.
  outcome = { AnswerInvitation: { code: 'not_found', message: 'You have no invitation to this group' } };
  assert.equal((await call('POST', `/v1/invitations/${GROUP}`, { accept: true })).status, 200);
  roles = {};
  assert.equal((await call('POST', `/v1/invitations/${GROUP}`, { accept: true })).status, 404);
  outcome = {};
  approves = true;
  assert.deepEqual((await call('POST', `/v1/invitations/${GROUP}`, { accept: true })).body, { request: { conversation: GROUP, status: 'pending' } });
  assert.equal((await call('POST', '/v1/invitations/r.lobby', { accept: true })).status, 400);
});

test('invite links: a 22-character base64url code of 16 random bytes, expiring as asked; joined by code', async () => {
  const made = await call('POST', `/v1/conversations/${GROUP}/invite-links`, {});
  assert.equal(made.status, 201);
  const p = sent[0]?.payload as { type: string; code: string; expiresAt: number; maxUses: number };
  assert.deepEqual(made.body['link'], { code: p.code, expiresAt: p.expiresAt, maxUses: 0, uses: 0, createdBy: alice, createdAt: 1 });
  assert.equal(p.type, 'CreateInviteLink');
  assert.match(p.code, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(Buffer.from(p.code, 'base64url').length, 16);
  assert.ok(Math.abs(p.expiresAt - (Date.now() + 604_800_000)) < 10_000);
  assert.equal(p.maxUses, 0);
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/invite-links`, { expiresInSeconds: 59 })).body.error?.details?.field, 'expiresInSeconds');
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/invite-links`, { maxUses: 100_001 })).body.error?.details?.field, 'maxUses');

  const preview = await call('GET', `/v1/invite-links/${CODE}`);
  assert.deepEqual(preview.body, { conversation: { id: GROUP, name: 'Team', avatar: '', description: 'd', memberCount: 2 }, expiresAt: link.expiresAt });
  assert.equal((await call('GET', '/v1/invite-links/BBBBBBBBBBBBBBBBBBBBBB')).status, 404);
  assert.equal((await call('GET', '/v1/invite-links/short')).status, 400);
  roles = {};
  assert.equal((await call('POST', `/v1/invite-links/${CODE}/join`)).status, 200);
  assert.deepEqual(sent.at(-1), { stream: GROUP, payload: { type: 'JoinConversation', kind: 'group', code: CODE } });
  outcome = { JoinConversation: { code: 'invite_expired', message: 'expired' } };
  assert.equal((await call('POST', `/v1/invite-links/${CODE}/join`)).status, 410);
  assert.equal((await call('DELETE', `/v1/conversations/${GROUP}/invite-links/${CODE}`)).status, 204);
});

test('a former member reads history up to their departure, no further', async () => {
  roles = {};
  formerUntil = 3;
  const newest = await call('GET', `/v1/conversations/${GROUP}/messages`);
  assert.deepEqual(newest.body['messages'], [{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
  const after = await call('GET', `/v1/conversations/${GROUP}/messages?after=1&limit=1`);
  assert.deepEqual(after.body, { messages: [{ seq: 2 }], hasMore: true });
  const last = await call('GET', `/v1/conversations/${GROUP}/messages?after=2&limit=1`);
  assert.deepEqual(last.body, { messages: [{ seq: 3 }], hasMore: false });
  assert.deepEqual(messageQueries[0], { before: 4, limit: 51 });
  formerUntil = undefined;
  assert.equal((await call('GET', `/v1/conversations/${GROUP}/messages`)).body.error?.code, 'not_member');
});

test('group paths refuse ids of the wrong kind with 400 before anything runs', async () => {
  const d = 'd.ualice.ubob';
  const cases: Array<[string, string, unknown?]> = [
    ['GET', `/v1/conversations/${d}/group`],
    ['GET', `/v1/conversations/${d}/bans`],
    ['POST', `/v1/conversations/${d}/dissolve`],
    ['PUT', `/v1/conversations/${GROUP}/members/bob/role`, { role: 'admin' }],
    ['DELETE', `/v1/conversations/${GROUP}/members/not-an-id`],
    ['PUT', `/v1/conversations/${GROUP}/notices/a.b`, { text: 'x' }],
    ['DELETE', `/v1/conversations/${GROUP}/invite-links/short`],
  ];
  for (const [method, path, body] of cases) {
    const res = await call(method, path, body);
    assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
  }
  assert.equal(sent.length, 0);
});

test('every group route answers an unsupported method with 405 and Allow', async () => {
  const routes: Array<[string, string]> = [
    [`/v1/groups/${GROUP}/join`, 'POST'],
    [`/v1/invite-links/${CODE}`, 'GET, HEAD'],
    [`/v1/invite-links/${CODE}/join`, 'POST'],
    ['/v1/invitations', 'GET, HEAD'],
    [`/v1/invitations/${GROUP}`, 'POST'],
    ['/v1/join-requests', 'GET, HEAD'],
    [`/v1/conversations/${GROUP}/group`, 'GET, HEAD, PATCH'],
    [`/v1/conversations/${GROUP}/members/ubob`, 'DELETE'],
    [`/v1/conversations/${GROUP}/members/ubob/role`, 'PUT'],
    [`/v1/conversations/${GROUP}/members/ubob/mute`, 'PUT'],
    [`/v1/conversations/${GROUP}/transfer`, 'POST'],
    [`/v1/conversations/${GROUP}/dissolve`, 'POST'],
    [`/v1/conversations/${GROUP}/bans`, 'GET, HEAD'],
    [`/v1/conversations/${GROUP}/bans/ubob`, 'DELETE'],
    [`/v1/conversations/${GROUP}/notices`, 'GET, HEAD, POST'],
    [`/v1/conversations/${GROUP}/notices/n1`, 'PUT'],
    [`/v1/conversations/${GROUP}/notices/n1/read`, 'POST'],
    [`/v1/conversations/${GROUP}/invitations`, 'POST'],
    [`/v1/conversations/${GROUP}/join-requests`, 'GET, HEAD'],
    [`/v1/conversations/${GROUP}/join-requests/ubob`, 'POST'],
    [`/v1/conversations/${GROUP}/invite-links`, 'GET, HEAD, POST'],
    [`/v1/conversations/${GROUP}/invite-links/${CODE}`, 'DELETE'],
  ];
  for (const [path, allow] of routes) {
    const served = allow.split(', ');
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !served.includes(m))) {
      const res = await call(method, path);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers['allow'], allow, `${method} ${path}`);
    }
  }
});
