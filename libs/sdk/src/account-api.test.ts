import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnProfile } from '@parley/protocol';
import { ParleyClient } from './parley-client.js';
import { recordingFetch, type RecordedRequest } from './recording-fetch.js';

const profile = (id: string, handle: string): OwnProfile => ({ id, handle, displayName: handle, bio: '', avatar: '', directFrom: 'everyone', readReceipts: true, presence: 'everyone', createdAt: 1 });
const login = { id: 'l1', username: 'alice', email: null };
const signIn = (id: string, handle: string) => ({ token: `tok-${id}`, expiresAt: 9, user: { id, username: handle }, profile: profile(id, handle), login });

/** Each case: the call, the request it must make, what the fake server answers, and what the call resolves to. */
const cases: Array<{ name: string; call: (c: ParleyClient) => Promise<unknown>; request: Omit<RecordedRequest, 'auth'>; json?: unknown; result?: unknown }> = [
  {
    name: 'register with a display name and an email',
    call: (c) => c.register('alice', 'secret-pw', { displayName: 'Alice A', email: 'a@example.com' }),
    request: { method: 'POST', path: '/v1/auth/register', body: { username: 'alice', password: 'secret-pw', displayName: 'Alice A', email: 'a@example.com' } },
    json: { user: { id: 'u1', username: 'alice' }, profile: profile('u1', 'alice'), login },
    result: { user: { id: 'u1', username: 'alice' }, profile: profile('u1', 'alice'), login },
  },
  {
    name: 'fetchMe',
    call: (c) => c.fetchMe(),
    request: { method: 'GET', path: '/v1/me', body: undefined },
    json: { user: { id: 'u1', username: 'alice' }, expiresAt: 9, profile: profile('u1', 'alice'), login },
    result: { user: { id: 'u1', username: 'alice' }, expiresAt: 9, profile: profile('u1', 'alice'), login },
  },
  { name: 'profiles', call: (c) => c.profiles(), request: { method: 'GET', path: '/v1/profiles', body: undefined }, json: { profiles: [profile('u1', 'alice')] }, result: [profile('u1', 'alice')] },
  {
    name: 'createProfile',
    call: (c) => c.createProfile('work', 'Alice at work'),
    request: { method: 'POST', path: '/v1/profiles', body: { handle: 'work', displayName: 'Alice at work' } },
    json: { profile: profile('u2', 'work') },
    result: profile('u2', 'work'),
  },
  {
    name: 'updateProfile',
    call: (c) => c.updateProfile('u2', { bio: 'hi', avatar: 'initials:#112233', directFrom: 'friends' }),
    request: { method: 'PATCH', path: '/v1/profiles/u2', body: { bio: 'hi', avatar: 'initials:#112233', directFrom: 'friends' } },
    json: { profile: profile('u2', 'work') },
    result: profile('u2', 'work'),
  },
  { name: 'deleteProfile', call: (c) => c.deleteProfile('u2'), request: { method: 'DELETE', path: '/v1/profiles/u2', body: undefined } },
  {
    name: 'sessions',
    call: (c) => c.sessions(),
    request: { method: 'GET', path: '/v1/sessions', body: undefined },
    json: { sessions: [{ id: 's1', client: 'web', ip: '::1', createdAt: 1, lastActiveAt: 2, expiresAt: 3, current: true }] },
    result: [{ id: 's1', client: 'web', ip: '::1', createdAt: 1, lastActiveAt: 2, expiresAt: 3, current: true }],
  },
  { name: 'revokeSession', call: (c) => c.revokeSession('s/1'), request: { method: 'DELETE', path: '/v1/sessions/s%2F1', body: undefined } },
  { name: 'requestEmailCode', call: (c) => c.requestEmailCode('a@example.com'), request: { method: 'POST', path: '/v1/auth/email', body: { email: 'a@example.com' } }, json: {} },
  {
    name: 'verifyEmail',
    call: (c) => c.verifyEmail('123456'),
    request: { method: 'POST', path: '/v1/auth/email/verify', body: { code: '123456' } },
    json: { login: { ...login, email: 'a@example.com' } },
    result: { ...login, email: 'a@example.com' },
  },
  { name: 'changePassword', call: (c) => c.changePassword('old-password', 'new-password'), request: { method: 'POST', path: '/v1/auth/password', body: { current: 'old-password', password: 'new-password' } } },
];

for (const k of cases) {
  test(`AccountApi.${k.name} sends its request with the token and unwraps the answer`, async () => {
    const { fetch, requests } = recordingFetch(() => (k.json === undefined ? undefined : { json: k.json }));
    const client = new ParleyClient({ url: 'http://parley.test', fetch });
    client.useToken('tok');
    assert.deepEqual(await k.call(client), k.result);
    assert.deepEqual(requests, [{ ...k.request, auth: k.request.path === '/v1/auth/register' ? undefined : 'Bearer tok' }]);
  });
}

test('login sends the optional profile and client name, and the client uses the new token', async () => {
  const { fetch, requests } = recordingFetch((r) => (r.path === '/v1/auth/login' ? { json: signIn('u2', 'work') } : { json: { profiles: [] } }));
  const client = new ParleyClient({ url: 'http://parley.test', fetch, clientName: 'Parley web' });
  const res = await client.login('a@example.com', 'pw', { profile: 'u2' });
  assert.deepEqual(res.profile, profile('u2', 'work'));
  assert.deepEqual(client.me, { id: 'u2', username: 'work' });
  await client.profiles();
  assert.deepEqual(requests[0], { method: 'POST', path: '/v1/auth/login', auth: undefined, body: { username: 'a@example.com', password: 'pw', profile: 'u2', client: 'Parley web' } });
  assert.equal(requests[1]?.auth, 'Bearer tok-u2');
});

test('switchProfile signs in as another profile of the login without the password', async () => {
  const { fetch, requests } = recordingFetch(() => ({ json: signIn('u2', 'work') }));
  const client = new ParleyClient({ url: 'http://parley.test', fetch });
  client.useToken('tok-u1', { id: 'u1', username: 'alice' });
  const res = await client.switchProfile('u2', { client: 'cli' });
  assert.equal(res.token, 'tok-u2');
  assert.deepEqual(client.me, { id: 'u2', username: 'work' });
  assert.deepEqual(requests, [{ method: 'POST', path: '/v1/auth/switch', auth: 'Bearer tok-u1', body: { profile: 'u2', client: 'cli' } }]);
});

test('password reset needs no token; deleteLogin and logout forget the token', async () => {
  const { fetch, requests } = recordingFetch((r) => (r.path === '/v1/auth/password-reset' ? { status: 202, json: {} } : undefined));
  const client = new ParleyClient({ url: 'http://parley.test', fetch });
  await client.requestPasswordReset('alice');
  await client.confirmPasswordReset('alice', '654321', 'new-password');
  assert.deepEqual(requests, [
    { method: 'POST', path: '/v1/auth/password-reset', auth: undefined, body: { login: 'alice' } },
    { method: 'POST', path: '/v1/auth/password-reset/confirm', auth: undefined, body: { login: 'alice', code: '654321', password: 'new-password' } },
  ]);
  client.useToken('tok');
  await client.deleteLogin('pw');
  assert.deepEqual(requests[2], { method: 'POST', path: '/v1/auth/delete-login', auth: 'Bearer tok', body: { password: 'pw' } });
  await assert.rejects(client.profiles(), (e: Error & { code?: string }) => e.code === 'unauthenticated');
  client.useToken('tok2');
  await client.logout();
  await assert.rejects(client.sessions(), (e: Error & { code?: string }) => e.code === 'unauthenticated');
});

test('an error answer becomes a ParleyClientError with the code and status', async () => {
  const { fetch } = recordingFetch(() => ({ status: 409, json: { error: { code: 'last_profile', message: 'keep one' } } }));
  const client = new ParleyClient({ url: 'http://parley.test', fetch });
  client.useToken('tok');
  await assert.rejects(client.deleteProfile('u1'), (e: Error & { code?: string; status?: number }) => e.code === 'last_profile' && e.status === 409 && e.message === 'keep one');
});
