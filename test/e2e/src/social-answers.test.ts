import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { PASSWORD, http, signUp } from './social-helpers.js';
import { uniqueName } from './clients.js';

/**
 * The answers of the social writes hold what a later read of the same thing gives (docs/openapi.yaml):
 * a write answers with the stored object, not with a copy built from the request.
 */
describe('social write answers match what is stored, on a started single node', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  const call = async (method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const answer = await http(server.url, token, method, path, body);
    return { status: answer.status, body: (answer.body ?? {}) as Record<string, unknown> };
  };

  it('PUT /v1/conversations/{id}/settings answers the four settings only, ignoring a field the schema does not declare', async () => {
    const [me, bob] = await Promise.all([signUp(server.url, 'set'), signUp(server.url, 'bob')]);
    const dm = await me.client.openDirect(bob.username);
    const path = `/v1/conversations/${encodeURIComponent(dm.id)}/settings`;
    const put = await call('PUT', path, me.token, { pinned: true, color: 'red' });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { settings: { pinned: true, muteUntil: 0, hidden: false, remark: '' } });
    // A body with no declared setting changes nothing and says so (the schema's description), as PATCH of a profile does.
    const unknownOnly = await call('PUT', path, me.token, { color: 'blue' });
    assert.equal(unknownOnly.status, 400);
    assert.equal((unknownOnly.body['error'] as { code: string }).code, 'bad_request');
    assert.deepEqual((await call('GET', path, me.token)).body, put.body);
    const profile = await call('PATCH', `/v1/profiles/${me.id}`, me.token, { colour: 'blue' });
    assert.equal(profile.status, 400);
    assert.equal((profile.body['error'] as { code: string }).code, 'bad_request');
  });

  it('a password-reset confirmation reads the same for an unknown login as for a wrong code: it does not tell which logins exist', async () => {
    const me = await signUp(server.url, 'rst');
    const known = await call('POST', '/v1/auth/password-reset/confirm', undefined, { login: me.username, code: '000000', password: 'a new long password' });
    const unknown = await call('POST', '/v1/auth/password-reset/confirm', undefined, { login: uniqueName('nobody'), code: '000000', password: 'a new long password' });
    assert.equal(known.status, 400);
    assert.deepEqual(unknown, known);
  });

  it('register, a new profile and a friend request answer with the createdAt that later reads list', async () => {
    const username = uniqueName('made');
    const registered = await call('POST', '/v1/auth/register', undefined, { username, password: PASSWORD });
    assert.equal(registered.status, 201);
    const login = await call('POST', '/v1/auth/login', undefined, { username, password: PASSWORD });
    const token = String(login.body['token']);
    const me = await call('GET', '/v1/me', token);
    assert.deepEqual(registered.body['profile'], me.body['profile'], 'register answers the profile as stored');

    const created = await call('POST', '/v1/profiles', token, { handle: uniqueName('second') });
    assert.equal(created.status, 201);
    const listed = (await call('GET', '/v1/profiles', token)).body['profiles'] as Array<{ id: string }>;
    const profile = created.body['profile'] as { id: string };
    assert.deepEqual(profile, listed.find((p) => p.id === profile.id), 'POST /v1/profiles answers the profile as stored');

    const bob = await signUp(server.url, 'bob');
    const sent = await call('POST', '/v1/friends/requests', token, { profile: bob.id, note: 'hi' });
    assert.equal(sent.status, 201);
    const outgoing = (await call('GET', '/v1/friends/requests', token)).body['outgoing'] as unknown[];
    assert.deepEqual(outgoing, [sent.body['request']], 'POST /v1/friends/requests answers the request as stored');
  });
});
