import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import fc from 'fast-check';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { uniqueName } from './clients.js';

// The published spec holds the running single-node server to itself: every answer's status must be listed
// for its operation and its body must match the listed schema; no answer is a 5xx; the server stays up.

type Json = Record<string, unknown>;
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly op: { operationId: string; responses: Record<string, Json>; requestBody?: Json; parameters?: Json[] };
}
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

const SPEC_PATH = fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url));
const PASSWORD = 'correct horse battery';
const SEED = 8_2026;

let spec: { paths: Record<string, Record<string, Operation['op']>>; components: { responses: Record<string, Json> } };
const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

/** The schema of a `$ref` into the spec, compiled against the whole document (OpenAPI 3.1: JSON Schema). */
function validatorFor(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"spec#/components/')) as Json);
    validators.set(key, v);
  }
  return v;
}

function responseSpec(op: Operation['op'], status: number): Json | undefined {
  const r = op.responses[String(status)];
  if (!r) return undefined;
  const ref = r['$ref'];
  return typeof ref === 'string' ? spec.components.responses[ref.split('/').pop()!] : r;
}

/** The answer is one the spec lists for the operation, with a body of the listed shape; never a 5xx. */
function conforms(o: Operation, answer: Answer, what: string): void {
  const label = `${o.method.toUpperCase()} ${o.path} ${what} -> ${answer.status} ${answer.text.slice(0, 200)}`;
  assert.ok(answer.status < 500, `5xx: ${label}`);
  const listed = responseSpec(o.op, answer.status);
  assert.ok(listed, `status not in the spec: ${label}`);
  const content = listed['content'] as Record<string, { schema: Json }> | undefined;
  if (!content) return assert.equal(answer.text, '', `the spec lists no body: ${label}`);
  assert.match(String(answer.headers['content-type']), /^application\/json/, label);
  const validate = validatorFor(content['application/json']!.schema);
  assert.ok(validate(JSON.parse(answer.text)), `body does not match the spec (${ajv.errorsText(validate.errors)}): ${label}`);
}

let server: RunningServer;
function call(method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string>; token?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    // An answer that never comes fails the test rather than hanging it.
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer within 5 s: ${method} ${path}`)));
    req.end(options.body);
  });
}
/** A request written to the socket as is; resolves with everything the server sent until it closed. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer within 5 s: ${text.slice(0, 40)}`)));
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}
const jsonHeaders = { 'content-type': 'application/json' };

describe('the running server answers as docs/openapi.yaml says', () => {
  let token = '';
  let bob = '';
  let groupId = '';
  const params = (name: string): string => (name === 'id' ? 'r.contract' : 'contract');
  const operations: Operation[] = [];
  const fill = (o: Operation, id = o.path.includes('/groups/') ? groupId : 'r.contract'): string => o.path.replace('{id}', encodeURIComponent(id)).replace('{name}', params('name'));

  before(async () => {
    spec = parse(await readFile(SPEC_PATH, 'utf8')) as typeof spec;
    ajv.addSchema(spec as unknown as Json, 'spec');
    for (const [path, item] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(item)) operations.push({ method, path, op });
    server = await startServer();
    bob = uniqueName('bob');
    const alice = uniqueName('alice');
    for (const u of [alice, bob]) assert.equal((await call('POST', '/v1/auth/register', { body: JSON.stringify({ username: u, password: PASSWORD }), headers: jsonHeaders })).status, 201);
    token = (JSON.parse((await call('POST', '/v1/auth/login', { body: JSON.stringify({ username: alice, password: PASSWORD }), headers: jsonHeaders })).text) as { token: string }).token;
    await call('POST', '/v1/rooms/contract/join', { token });
    const group = JSON.parse((await call('POST', '/v1/groups', { body: JSON.stringify({ name: 'contract' }), headers: jsonHeaders, token })).text) as { conversation: { id: string } };
    groupId = group.conversation.id;
    // The valid requests below include a logout: it revokes its own token, not this one.
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  const healthy = async () => assert.equal((await call('GET', '/healthz')).status, 200, 'the server stays healthy');

  it('valid requests to every operation', async () => {
    const bodies: Record<string, unknown> = {
      register: { username: uniqueName('reg'), password: PASSWORD },
      login: { username: bob, password: PASSWORD },
      openDirect: { username: bob },
      createGroup: { name: 'Team 😀', members: [bob] },
      addMembers: { usernames: [bob] },
      markRead: { seq: 0 },
    };
    const covered = new Set<string>();
    for (const o of operations) {
      const id = o.op.operationId;
      let auth = token;
      if (id === 'logout') {
        auth = (JSON.parse((await call('POST', '/v1/auth/login', { body: JSON.stringify({ username: bob, password: PASSWORD }), headers: jsonHeaders })).text) as { token: string }).token;
      }
      const body = bodies[id];
      const path = id === 'leaveConversation' || id === 'addMembers' ? fill(o, groupId) : fill(o);
      const answer = await call(o.method.toUpperCase(), path, { token: auth, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: jsonHeaders }) });
      conforms(o, answer, 'valid');
      assert.ok(answer.status < 300, `a valid request succeeds: ${o.method} ${path} -> ${answer.status} ${answer.text}`);
      covered.add(id);
    }
    assert.equal(covered.size, operations.length);
    await healthy();
  });

  it('fuzzed bodies, queries and path parameters get a listed 4xx with the Error body', async () => {
    const nasty = fc.oneof(
      fc.string(),
      fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '😀'.repeat(41), 'a'.repeat(300), '\u0007bell', ''),
      fc.integer(),
      fc.constantFrom(9007199254740991, 2 ** 64, -1, 1.5, 1e308),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
    );
    const fields = ['username', 'password', 'name', 'members', 'usernames', 'seq'];
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom(...fields), nasty, { maxKeys: 3 }).map((b) => JSON.stringify(b)),
      nasty.map((v) => JSON.stringify(v) ?? 'null'),
      fc.constantFrom('{', '{"seq": 1e400}', '[]', '', '{"username": "a\\u0000"}', '{"name": "\\ud800"}'),
    );
    const queryValue = fc.oneof(fc.constantFrom('%00', 'a%00b', '%ZZ', '%', '-1', '99999999999999999999', '1.5', '', '%F0%9F%98%80', '%ED%A0%80'), fc.stringMatching(/^[a-z0-9]{0,5}$/));
    const pathValue = fc.constantFrom('%ZZ', '%', 'r.%00', 'g.x%2Fy', 'not-an-id', 'r.' + 'x'.repeat(70), '%ED%A0%80', 'd.a.b');
    const bodyOps = operations.filter((o) => o.op.requestBody);
    const pathOps = operations.filter((o) => o.path.includes('{'));
    const queryOps = operations.filter((o) => (o.op.parameters ?? []).some((p) => (p as { in?: string }).in === 'query'));

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyOps), body, async (o, text) => {
        conforms(o, await call(o.method.toUpperCase(), fill(o), { body: text, headers: jsonHeaders, token }), `body ${text.slice(0, 60)}`);
      }),
      { seed: SEED, numRuns: 120 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...queryOps), fc.constantFrom('limit', 'after', 'before', 'prefix'), queryValue, async (o, key, value) => {
        conforms(o, await call(o.method.toUpperCase(), `${fill(o)}?${key}=${value}`, { token }), `query ${key}=${value}`);
      }),
      { seed: SEED, numRuns: 80 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pathOps), pathValue, async (o, value) => {
        const path = o.path.replace('{id}', value).replace('{name}', value);
        const body = o.op.requestBody ? { body: '{}', headers: jsonHeaders } : {};
        conforms(o, await call(o.method.toUpperCase(), path, { token, ...body }), `path ${value}`);
      }),
      { seed: SEED, numRuns: 60 },
    );
    await healthy();
  });

  it('the issue-8 findings: %ZZ in a path, NUL in a query value, a read mark past MAX_SEQ are 400s', async () => {
    const op = (id: string) => operations.find((o) => o.op.operationId === id)!;
    const cases: Array<[Operation, string, string | undefined, number]> = [
      [op('getConversation'), '/v1/conversations/%ZZ', undefined, 400],
      [op('listMembers'), '/v1/conversations/r.contract/members?after=a%00b', undefined, 400],
      [op('markRead'), '/v1/conversations/r.contract/read', '{"seq": 9007199254740991}', 400],
      [op('markRead'), '/v1/conversations/r.contract/read', '{"seq": 9007199254740990}', 204],
      [op('createGroup'), '/v1/groups', '{"name": "nul\\u0000"}', 400],
    ];
    for (const [o, path, body, status] of cases) {
      const answer = await call(o.method.toUpperCase(), path, { token, ...(body === undefined ? {} : { body, headers: jsonHeaders }) });
      conforms(o, answer, path);
      assert.equal(answer.status, status, `${path} ${body ?? ''}: ${answer.text}`);
    }
    await healthy();
  });

  it('bad content types and encodings on body routes are 400/413/415 with the Error body', async () => {
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json; charset=bogus' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'br' },
      { 'content-type': 'application/json', 'content-encoding': 'deflate' },
      { 'content-type': 'application/json', 'content-encoding': 'compress' },
      { 'content-type': 'application/json', 'content-encoding': 'x-unknown' },
      {},
    ];
    for (const o of operations.filter((x) => x.op.requestBody)) {
      for (const headers of cases) conforms(o, await call(o.method.toUpperCase(), fill(o), { body: 'not valid in any encoding', headers, token }), JSON.stringify(headers));
      conforms(o, await call(o.method.toUpperCase(), fill(o), { body: `{"x":"${'a'.repeat(70_000)}"}`, headers: jsonHeaders, token }), 'a 70 KB body');
    }
    await healthy();
  });

  it('a method a path does not serve is 405 with Allow and the Error body; CONNECT 400', async () => {
    const errorSchema = validatorFor({ $ref: '#/components/schemas/Error' });
    for (const [path, item] of Object.entries(spec.paths)) {
      const served = Object.keys(item).map((m) => m.toUpperCase());
      const allow = [...new Set(served.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))].sort().join(', ');
      const concrete = path.replace('{id}', 'r.contract').replace('{name}', 'contract');
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'POST', 'GET'].filter((m) => !served.includes(m))) {
        const answer = await call(method, concrete, { token });
        assert.equal(answer.status, 405, `${method} ${path}: ${answer.text}`);
        assert.equal(String(answer.headers['allow']).split(', ').sort().join(', '), allow, `${method} ${path}`);
        assert.ok(errorSchema(JSON.parse(answer.text)), `${method} ${path}: ${answer.text}`);
      }
      // node's client hands a CONNECT answer to a 'connect' listener, not as a response: read it raw.
      const connect = await raw(`CONNECT ${concrete} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(connect, /^HTTP\/1\.1 400 /, `CONNECT ${path}`);
      assert.ok(errorSchema(JSON.parse(connect.slice(connect.indexOf('\r\n\r\n') + 4))), connect);
    }
    await healthy();
  });

  it('single-node: request headers up to the documented size are read; past it the answer is 431 with an empty body', async () => {
    const description = (spec as unknown as { info: { description: string } }).info.description;
    assert.match(description, /about 16 KiB on the single-node port/);
    const head = (size: number) => `GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Pad: ${'a'.repeat(size)}\r\nConnection: close\r\n\r\n`;
    // 12 KiB of headers is well within "about 16 KiB" (and would be far past the 4 KiB the docs once said).
    assert.match(await raw(head(12 * 1024)), /^HTTP\/1\.1 200 /);
    const big = await raw(head(20 * 1024));
    assert.match(big, /^HTTP\/1\.1 431 /);
    assert.equal(big.slice(big.indexOf('\r\n\r\n') + 4), '', 'the single-node 431 has no body, as documented');
    await healthy();
  });

  it('single-node: a method outside uWS’s nine is closed unanswered, as documented, and the server stays up', async () => {
    const description = (spec as unknown as { info: { description: string } }).info.description;
    assert.match(description, /closes the connection without an answer for a method outside GET, HEAD,\s+POST, PUT, DELETE, CONNECT, OPTIONS, TRACE and PATCH/);
    for (const method of ['QUERY', 'FOO', 'PROPFIND']) {
      await assert.rejects(call(method, '/v1/me', { token }), /socket hang up|ECONNRESET/, method);
    }
    await healthy();
  });
});
