import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { HttpAppDeps } from './create-http-app.js';
import { fakeEdge, serveFakeApp, type Answer, type FakeApp, type RawOptions } from './fake-app.js';

const storedMessage = (conversation: string, seq: number) => ({
  conversation,
  id: `m${seq}`,
  seq,
  ts: 1000 + seq,
  sender: { id: 'ubob', username: 'bob' },
  clientMsgId: `k${seq}`,
  kind: 'text',
  content: 'hi',
  replyTo: 1,
  mentions: ['ualice'],
});

// The HTTP app over fakes: every conversation exists and the caller is a member, every command is
// accepted (and recorded), so what is left to answer is the edge: methods, encodings, shapes.
const commands: unknown[] = [];
const claims = { userId: 'ualice', username: 'alice', loginId: 'ualice', tokenId: 't1', expiresAt: 1 };
const deps = {
  commands: { execute: async (_s: string, _a: unknown, payload: unknown) => (commands.push(payload), { status: 'accepted' }) },
  profiles: {
    listForLogin: async (id: string) => [{ id, handle: id.slice(1), displayName: id.slice(1), bio: '', avatar: '', directFrom: 'everyone', createdAt: 1 }],
    byHandle: async (name: string) => (name === 'bob' ? { id: 'ubob', handle: 'bob', loginId: 'ubob', deleted: false } : undefined),
    search: async () => ({ users: [], next: null }),
    privacyOf: async () => new Map(),
  },
  sessions: { touch: async () => undefined, isRevoked: async () => false },
  logins: { byUsername: async (name: string) => (name === 'bob' ? { id: 'ubob', username: 'bob', passwordHash: 'h', email: null } : undefined), byEmail: async () => undefined, byId: async () => ({ id: 'ualice', username: 'alice', passwordHash: 'h', email: null }) },
  conversations: {
    isMember: async () => true,
    summaryFor: async () => undefined,
    listForUser: async () => [],
  },
  groups: {
    members: async (_id: string, o: { after?: string }) => (o.after?.includes('\u0000') ? Promise.reject(new Error('invalid byte sequence for encoding "UTF8": 0x00')) : []),
    // g.former: the caller left at seq 3; g.stranger: never a member.
    readableUntil: async (id: string) => (id === 'g.former' ? 3 : id === 'g.stranger' ? undefined : Number.MAX_SAFE_INTEGER),
  },
  messages: {
    after: async () => [],
    before: async () => [],
    // Every conversation holds seqs 1 to 5.
    one: async (conversation: string, seq: number, until = Number.MAX_SAFE_INTEGER) => (seq <= 5 && seq <= until ? storedMessage(conversation, seq) : undefined),
  },
  tokens: { issue: async () => ({ token: 't', claims }) },
  ...fakeEdge(claims),
} as unknown as HttpAppDeps;

let app: FakeApp;
before(async () => {
  app = await serveFakeApp(deps);
});
after(() => app.close());

const call = (method: string, path: string, options: RawOptions = {}): Promise<Answer> => app.raw(method, path, options);
const json = (value: unknown, extra: Record<string, string> = {}) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json', ...extra } });

test('a malformed body encoding or charset is a 4xx error body, not a 500', async () => {
  const cases: Array<[Record<string, string>, Buffer | string, number, string]> = [
    [{ 'content-encoding': 'gzip' }, 'not gzip', 400, 'bad_request'],
    [{ 'content-encoding': 'br' }, 'not brotli', 400, 'bad_request'],
    [{ 'content-encoding': 'deflate' }, 'not deflate', 400, 'bad_request'],
    [{ 'content-encoding': 'compress' }, 'x', 415, 'unsupported_media_type'],
    [{ 'content-encoding': 'foo' }, 'x', 415, 'unsupported_media_type'],
    [{ 'content-type': 'application/json; charset=latin1' }, '{}', 415, 'unsupported_media_type'],
    [{ 'content-type': 'application/json; charset=bogus' }, '{}', 415, 'unsupported_media_type'],
    // UTF-8 only (docs/openapi.yaml UnsupportedMediaType): body-parser alone would read any utf-* charset.
    [{ 'content-type': 'application/json; charset=utf-16le' }, Buffer.from('{"username":"bob","password":"x"}', 'utf16le'), 415, 'unsupported_media_type'],
    [{ 'content-type': 'application/json; charset=utf-16' }, '{}', 415, 'unsupported_media_type'],
    [{ 'content-type': 'application/json; charset=utf-32' }, '{}', 415, 'unsupported_media_type'],
    [{ 'content-type': 'text/plain' }, '{}', 415, 'unsupported_media_type'],
  ];
  for (const [headers, body, status, code] of cases) {
    const res = await call('POST', '/v1/auth/login', { body, headers: { 'content-type': 'application/json', ...headers } });
    assert.equal(res.status, status, JSON.stringify(headers));
    assert.equal(res.body.error?.code, code, JSON.stringify(headers));
  }
  // A valid gzip body is still read.
  const ok = await call('POST', '/v1/auth/login', { body: gzipSync(JSON.stringify({ username: 'bob', password: 'x' })), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
  assert.equal(ok.status, 401);
  // UTF-8, in any case, with or without quotes, is read.
  for (const charset of ['utf-8', 'UTF-8', '"utf-8"']) {
    const res = await call('POST', '/v1/auth/login', { body: JSON.stringify({ username: 'bob', password: 'x' }), headers: { 'content-type': `application/json; charset=${charset}` } });
    assert.equal(res.status, 401, charset);
  }
});

test('a bad percent-escape in the path and a NUL in a query value are 400s', async () => {
  const escape = await call('GET', '/v1/conversations/%ZZ');
  assert.equal(escape.status, 400);
  assert.equal(escape.body.error?.code, 'bad_request');
  const nul = await call('GET', '/v1/conversations/r.lobby/members?after=a%00b');
  assert.equal(nul.status, 400);
  assert.equal(nul.body.error?.details?.field, 'after');
  // In the query too: a lone %, a non-hex escape, bytes that are not UTF-8; named by their parameter.
  for (const [query, field] of [['q=%zz', 'q'], ['q=hi%', 'q'], ['q=%C3', 'q'], ['li%6Dit=%E0%A4%A', 'limit'], ['%zz=1', '%zz']]) {
    const bad = await call('GET', `/v1/conversations?${query}`);
    assert.deepEqual([bad.status, bad.body.error?.code, bad.body.error?.details?.field], [400, 'bad_request', field], query);
  }
  assert.equal((await call('GET', '/v1/conversations?q=%E6%B6%88+x')).status, 200, 'a well-formed escape and + pass');
});

test('a read mark is bounded to MAX_SEQ (the Avro long limit), in the validator', async () => {
  const top = await call('POST', '/v1/conversations/r.lobby/read', json({ seq: 9007199254740991 }));
  assert.equal(top.status, 400);
  assert.equal(top.body.error?.details?.field, 'seq');
  const n = commands.length;
  assert.equal((await call('POST', '/v1/conversations/r.lobby/read', json({ seq: 9007199254740990 }))).status, 204);
  assert.deepEqual(commands.slice(n), [{ type: 'MarkReceipts', marks: [{ userId: 'ualice', readSeq: 9007199254740990, deliveredSeq: 0, shared: true }] }]);
});

test('text rule and code-point lengths: NUL and lone surrogates are invalid_text; emoji count once', async () => {
  const nul = await call('POST', '/v1/auth/register', json({ username: 'carol', password: 'pass\u0000word' }));
  assert.equal(nul.body.error?.code, 'invalid_text');
  assert.equal(nul.body.error?.details?.field, 'password');
  const surrogate = await call('POST', '/v1/groups', { body: '{"name":"team \\ud800"}', headers: { 'content-type': 'application/json' } });
  assert.equal(surrogate.body.error?.code, 'invalid_text');
  const control = await call('POST', '/v1/groups', json({ name: 'team\u0007' }));
  assert.equal(control.body.error?.code, 'invalid_text');
  assert.equal(control.body.error?.details?.field, 'name');
  // 7 code points (one emoji, 2 UTF-16 units) is too short for a password of at least 8.
  const short = await call('POST', '/v1/auth/register', json({ username: 'carol', password: 'abcdef😀' }));
  assert.equal(short.status, 400);
  assert.equal(short.body.error?.details?.field, 'password');
  // 41 emoji are 41 code points: a valid group name (limit 80).
  const n = commands.length;
  const emoji = await call('POST', '/v1/groups', json({ name: '😀'.repeat(41) }));
  assert.notEqual(emoji.status, 400, JSON.stringify(emoji.body));
  assert.equal((commands[n] as { name?: string } | undefined)?.name, '😀'.repeat(41));
  assert.equal((await call('POST', '/v1/groups', json({ name: '😀'.repeat(81) }))).status, 400);
});

test('login answers 4xx for any input', async () => {
  for (const body of [{}, { username: 1, password: 2 }, { username: 'bob', password: '\ud800' }, { username: 'x'.repeat(300), password: 'y' }, [], 'str', null]) {
    const res = await call('POST', '/v1/auth/login', { ...json(body), auth: false });
    assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(body)} -> ${res.status}`);
    assert.equal(typeof res.body.error?.code, 'string');
  }
});

test('every route answers an unsupported method with 405, Allow and the error body', async () => {
  const routes: Array<[string, string]> = [
    ['/healthz', 'GET, HEAD'],
    ['/v1/me', 'GET, HEAD'],
    ['/v1/auth/login', 'POST'],
    ['/v1/conversations/r.lobby/members', 'GET, HEAD, POST'],
    ['/v1/conversations/r.lobby/messages', 'GET, HEAD'],
    ['/v1/conversations/r.lobby/messages/1', 'GET, HEAD, PUT'],
    ['/v1/conversations/r.lobby/messages/1/recall', 'POST'],
    ['/v1/conversations/r.lobby/messages/1/pin', 'PUT, DELETE'],
    ['/v1/conversations/r.lobby/pins', 'GET, HEAD'],
    ['/v1/conversations/r.lobby/messages/1/reactions/%F0%9F%91%8D', 'PUT, DELETE'],
    ['/v1/conversations/r.lobby/messages/1/forward', 'POST'],
  ];
  for (const [path, allow] of routes) {
    for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'QUERY', 'PROPFIND']) {
      if (allow.split(', ').includes(method)) continue;
      // A broken body is not read: the method is refused first. (Node's parser refuses TRACE with a body: 400.)
      const res = await call(method, path, method === 'TRACE' ? {} : { body: '{broken', headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers['allow'], allow, `${method} ${path}`);
      assert.equal(res.body.error?.code, 'method_not_allowed');
    }
  }
});

test('methods node cannot parse, CONNECT, and oversized headers get a JSON 4xx, not a dropped connection', async () => {
  const raw = async (text: string): Promise<string> => {
    const net = await import('node:net');
    return new Promise((resolve, reject) => {
      const socket = net.connect(app.port, '127.0.0.1', () => socket.write(text));
      let out = '';
      socket.on('data', (d) => (out += d.toString()));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
  };
  const foo = await raw('FOO /v1/me HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(foo, /^HTTP\/1\.1 400 /);
  assert.match(foo, /"code":"bad_request"/);
  const connect = await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
  assert.match(connect, /^HTTP\/1\.1 400 /);
  assert.match(connect, /"code":"bad_request"/);
  const big = await raw(`GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.match(big, /"code":"headers_too_large"/);
});

test('unknown paths answer a JSON 404', async () => {
  for (const path of ['/nope', '/v1/nope']) {
    const res = await call('GET', path);
    assert.equal(res.status, 404);
    assert.equal(res.body.error?.code, 'not_found');
  }
});

test('adding members to a room or a direct conversation is 400 even when every listed user is a member already', async () => {
  // The fake answers isMember true for everyone: no AddMembers command is needed, so the route itself must refuse.
  for (const id of ['r.lobby', 'd.ualice.ubob']) {
    const n = commands.length;
    const res = await call('POST', `/v1/conversations/${id}/members`, json({ usernames: ['bob'] }));
    assert.equal(res.status, 400, `${id}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error?.code, 'bad_request', id);
    assert.equal(commands.length, n, id);
  }
  const group = await call('POST', '/v1/conversations/g.01JD3T0ZK8V5N2R4Q6W9YB1HCE/members', json({ usernames: ['bob'] }));
  assert.equal(group.status, 200);
  assert.deepEqual(group.body['added'], []);
});

test('a body that parses but is not an object is bad_request; one that does not parse is invalid_json', async () => {
  for (const body of ['null', '"str"', '5', 'true', '[]', '[{"username":"bob"}]']) {
    const res = await call('POST', '/v1/groups', { body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, body);
    assert.equal(res.body.error?.code, 'bad_request', body);
  }
  for (const body of ['{', 'nul', '  ', '{"name":"x"}{}']) {
    const res = await call('POST', '/v1/groups', { body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, body);
    assert.equal(res.body.error?.code, 'invalid_json', body);
  }
});

test('the Authorization scheme name is case-insensitive; the token is not', async () => {
  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    const res = await call('GET', '/v1/me', { auth: false, headers: { authorization: `${scheme} valid-token-123` } });
    assert.equal(res.status, 200, scheme);
  }
  const wrong = await call('GET', '/v1/me', { auth: false, headers: { authorization: 'Basic valid-token-123' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error?.code, 'unauthenticated');
});

test('one message by seq: members read it, a former member up to their departure, anything else is 404, a bad seq 400', async () => {
  const ok = await call('GET', '/v1/conversations/g.team/messages/2');
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { message: storedMessage('g.team', 2) });
  assert.equal((await call('GET', '/v1/conversations/g.team/messages/0002')).body['message'] !== undefined, true, 'leading zeros are the same number');
  assert.equal((await call('GET', '/v1/conversations/g.former/messages/3')).status, 200, 'a former member reads up to their departure');
  const past = await call('GET', '/v1/conversations/g.former/messages/4');
  assert.deepEqual([past.status, past.body.error?.code], [404, 'not_found'], 'and nothing after it');
  const none = await call('GET', '/v1/conversations/g.team/messages/6');
  assert.deepEqual([none.status, none.body.error?.code], [404, 'not_found']);
  const stranger = await call('GET', '/v1/conversations/g.stranger/messages/1');
  assert.deepEqual([stranger.status, stranger.body.error?.code], [403, 'not_member']);
  for (const seq of ['0', '-1', '1.5', 'x', '9007199254740991', '99999999999999999999999', '%201', '1e3']) {
    const bad = await call('GET', `/v1/conversations/g.team/messages/${seq}`);
    assert.deepEqual([bad.status, bad.body.error?.code, bad.body.error?.details?.field], [400, 'bad_request', 'seq'], seq);
  }
  const badId = await call('GET', '/v1/conversations/nope/messages/1');
  assert.deepEqual([badId.status, badId.body.error?.details?.field], [400, 'id']);
  assert.equal((await call('GET', '/v1/conversations/g.team/messages/1', { auth: false })).status, 401);
});
