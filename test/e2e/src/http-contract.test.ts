import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import fc from 'fast-check';
import WebSocket from 'ws';
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
/** The bytes of the file the upload operations send. */
const CONTRACT_FILE = Buffer.from('a contract test file\n');
/** A well-formed profile id nobody has. */
const UNKNOWN_PROFILE = 'u01JD3T0ZK8V5N2R4Q6W9YB1HCE';

let spec: {
  paths: Record<string, Record<string, Operation['op']>>;
  components: { responses: Record<string, Json>; schemas: Record<string, Json>; parameters: Record<string, Json> };
};
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

/** A `$ref` into components/{schemas,parameters,responses} resolved (one level), or the object itself. */
function resolve(value: Json): Json {
  const ref = value['$ref'];
  if (typeof ref !== 'string') return value;
  const [, , kind, name] = ref.split('/') as [string, string, keyof typeof spec.components, string];
  return spec.components[kind][name]!;
}

/** The JSON body an operation takes: its schema and the spec's example of it. */
function requestBody(o: Operation): { schema: Json; example: Json } {
  return (o.op.requestBody as { content: Record<string, { schema: Json; example: Json }> }).content['application/json']!;
}

/** Whether an operation takes a JSON body (uploadChunk takes raw bytes). */
function takesJson(o: Operation): boolean {
  return (o.op.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.['application/json'] !== undefined;
}

/** A body an operation accepts as it is declared: the spec's example as JSON, or a few raw bytes. */
function exampleBody(o: Operation): { body: string | Buffer; headers: Record<string, string> } {
  return takesJson(o) ? { body: JSON.stringify(requestBody(o).example), headers: jsonHeaders } : { body: Buffer.from('contract'), headers: { 'content-type': 'application/octet-stream' } };
}

/** The schema of each of an operation's path parameters, by name. */
function pathParameterSchemas(o: Operation): Map<string, Json> {
  const parameters = (o.op.parameters ?? []).map(resolve).filter((p) => p['in'] === 'path');
  for (const name of o.path.match(/(?<=\{)[^}]+(?=\})/g) ?? []) assert.ok(parameters.some((p) => p['name'] === name), `${o.op.operationId} declares its path parameter ${name}`);
  return new Map(parameters.map((p) => [p['name'] as string, p['schema'] as Json]));
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
  // A file's bytes (downloadFile): any type; what the type is for a file is the upload tests' to check.
  if (!content['application/json']) return;
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

/** A signed-up user with a token: `id` is its (first) profile id. */
interface Account {
  readonly username: string;
  readonly id: string;
  readonly token: string;
}
/** What one call to an operation sends: the `{id}` path parameter (and any other), a query string, a body, a token. */
interface Prepared {
  readonly id?: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: string;
  readonly body?: unknown;
  /** Raw bytes instead of a JSON body (application/octet-stream). */
  readonly bytes?: Buffer;
  readonly token?: string;
}

describe('the running server answers as docs/openapi.yaml says', () => {
  // Signed up in `before`; Alice's token is the default of every call (register and login ignore it).
  let alice: Account = { username: '', id: '', token: '' };
  let bob: Account = alice;
  let groupId = '';
  const operations: Operation[] = [];
  const operation = (operationId: string): Operation => {
    const o = operations.find((x) => x.op.operationId === operationId);
    assert.ok(o, `no operation ${operationId} in the spec`);
    return o;
  };
  /**
   * The path with its parameters filled: `id` (and `params`) if given, else a sensible id of the right kind
   * that exists (the contract room, the contract group, the caller's own profile, Bob's profile), or a
   * well-formed unknown one where any real one would be used up (sessions, friend requests) or changed
   * (a group's members, notices, invite links).
   */
  const fill = (o: Pick<Operation, 'path'>, id?: string, params: Readonly<Record<string, string>> = {}): string => {
    const others: Record<string, string> = { userId: UNKNOWN_PROFILE, noticeId: 'n0', code: 'A'.repeat(22), conversationId: groupId, seq: '1', emoji: '👍', ...params };
    const byPath: Array<[RegExp, string]> = [
      [/^\/v1\/groups\//, groupId],
      // Group-only operations (and the ones that would change the contract room) act on the contract group.
      [/^\/v1\/conversations\/\{id\}\/(group|members\/|transfer|dissolve|bans|notices|invitations|join-requests|invite-links)/, groupId],
      [/^\/v1\/conversations\//, 'r.contract'],
      [/^\/v1\/profiles\//, alice.id],
      [/^\/v1\/(friends|blocks|contacts)\/\{id\}/, bob.id],
      [/^\/v1\/friends\/requests\//, 'f01JD3T0ZK8V5N2R4Q6W9YB1HCE'],
      [/^\/v1\/sessions\//, '00000000-0000-4000-8000-000000000000'],
    ];
    const value = id ?? byPath.find(([re]) => re.test(o.path))?.[1] ?? 'unknown';
    return o.path.replace('{id}', encodeURIComponent(value)).replace('{name}', 'contract').replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(others[name] ?? 'unknown'));
  };
  /** Calls an operation by its operationId; the answer must conform to the spec and succeed. Its JSON body. */
  const send = async (operationId: string, r: Prepared = {}): Promise<{ json: Json }> => {
    const o = operation(operationId);
    const path = fill(o, r.id, r.params) + (r.query ? `?${r.query}` : '');
    const body = r.bytes ? { body: r.bytes, headers: { 'content-type': 'application/octet-stream' } } : r.body === undefined ? {} : { body: JSON.stringify(r.body), headers: jsonHeaders };
    const answer = await call(o.method.toUpperCase(), path, { token: r.token ?? alice.token, ...body });
    conforms(o, answer, r.body === undefined ? 'valid' : `valid ${JSON.stringify(r.body).slice(0, 80)}`);
    assert.ok(answer.status < 300, `a valid request succeeds: ${o.method.toUpperCase()} ${path} -> ${answer.status} ${answer.text}`);
    const json = /^application\/json/.test(String(answer.headers['content-type'])) && answer.text !== '';
    return { json: json ? (JSON.parse(answer.text) as Json) : {} };
  };
  const signUp = async (prefix: string): Promise<Account> => {
    const username = uniqueName(prefix);
    await send('register', { body: { username, password: PASSWORD } });
    const { json } = await send('login', { body: { username, password: PASSWORD } });
    return { username, id: (json['user'] as { id: string }).id, token: json['token'] as string };
  };
  /** The code in the last mail to `email` logged after log line `since` (no SMTP: the server logs its mail). */
  const mailedCode = async (email: string, since: number): Promise<string> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      for (const line of server.logs.slice(since).reverse()) {
        if (!line.includes('email not sent: no SMTP configured')) continue;
        const mail = JSON.parse(line) as { to?: string; subject?: string };
        const code = mail.to === email ? /\b(\d{6})\b/.exec(mail.subject ?? '')?.[1] : undefined;
        if (code) return code;
      }
      assert.ok(Date.now() < deadline, `no code mailed to ${email} in the server's log`);
      await sleep(20);
    }
  };
  /** A friend request from `from` to `to`; its id. */
  const requestFriend = async (from: Account, to: Account): Promise<string> =>
    ((await send('sendFriendRequest', { token: from.token, body: { profile: to.id } })).json['request'] as { id: string }).id;
  const newProfile = async (prefix: string): Promise<string> =>
    ((await send('createProfile', { body: { handle: uniqueName(prefix) } })).json['profile'] as { id: string }).id;
  /** A new group of `owner`'s, with `members` in it; its id. */
  const newGroup = async (owner: Account, members: readonly Account[] = [], joinPolicy = 'invite'): Promise<string> =>
    ((await send('createGroup', { token: owner.token, body: { name: uniqueName('group'), members: members.map((m) => m.username), joinPolicy } })).json['conversation'] as { id: string }).id;
  /** A new invite link of group `id`, made by `owner`; its code. */
  const newLink = async (owner: Account, id: string): Promise<string> =>
    ((await send('createInviteLink', { id, token: owner.token, body: {} })).json['link'] as { code: string }).code;
  /** A new notice of the contract group (Alice's); its id. */
  const newNotice = async (): Promise<string> => ((await send('postNotice', { id: groupId, body: { text: 'A notice' } })).json['notice'] as { id: string }).id;
  /** A message Alice sends to `conversation` over the WebSocket (no HTTP route sends one); its seq. */
  const postMessage = (conversation: string, content = 'Hello 😀', kindAndBody: { kind?: string; body?: Json } = {}): Promise<number> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/v1/ws`);
      const timer = setTimeout(() => (ws.terminate(), reject(new Error(`no ack within 5 s for a message to ${conversation}`))), 5_000);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: alice.token })));
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { type: string; seq?: number; ref?: string; message?: string };
        if (frame.type === 'ready') ws.send(JSON.stringify({ type: 'send', conversation, clientMsgId: uniqueName('k'), content, ...kindAndBody }));
        if (frame.type === 'ack' || frame.type === 'error') {
          clearTimeout(timer);
          ws.close();
          if (frame.type === 'ack') resolve(frame.seq!);
          else reject(new Error(`sending to ${conversation}: ${frame.message}`));
        }
      });
      ws.on('error', reject);
    });
  /** A new group of Alice's with one message of hers in it: what the message operations act on. */
  const newMessage = async (): Promise<{ id: string; params: { seq: string } }> => {
    const id = await newGroup(alice);
    return { id, params: { seq: String(await postMessage(id)) } };
  };
  /** An upload of Alice's of CONTRACT_FILE as a file, with its bytes sent when `filled`; its id. */
  const newUpload = async (filled = false): Promise<string> => {
    const id = (await send('createUpload', { body: { kind: 'file', name: 'contract.txt', size: CONTRACT_FILE.length } })).json['id'] as string;
    if (filled) await send('uploadChunk', { id, query: 'offset=0', bytes: CONTRACT_FILE });
    return id;
  };
  /** A file message of Alice's in the contract room (uploaded, completed, sent by its ref): its path parameters. */
  const newFileMessage = async (): Promise<{ id: string; params: { seq: string } }> => {
    const { ref } = (await send('completeUpload', { id: await newUpload(true) })).json as { ref: string };
    return { id: 'r.contract', params: { seq: String(await postMessage('r.contract', '[File] contract.txt', { kind: 'file', body: { attachment: ref } })) } };
  };
  /** A download URL of a new file message, as downloadFile takes it. */
  const newFileUrl = async (): Promise<Prepared> => {
    const url = new URL((await send('getAttachmentUrl', await newFileMessage())).json['url'] as string, 'http://x');
    return { params: { blob: url.pathname.split('/').pop()! }, query: url.search.slice(1) };
  };
  /** Polls `read` until it gives a value: what a workflow makes a moment after the answer. */
  const eventually = async <T>(what: string, read: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      assert.ok(Date.now() < deadline, `${what} did not come within 5 s`);
      await sleep(20);
    }
  };

  before(async () => {
    spec = parse(await readFile(SPEC_PATH, 'utf8')) as typeof spec;
    ajv.addSchema(spec as unknown as Json, 'spec');
    for (const [path, item] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(item)) operations.push({ method, path, op });
    // No PARLEY_SMTP_URL: the server writes each mail, codes included, to its log.
    server = await startServer();
    alice = await signUp('alice');
    bob = await signUp('bob');
    await send('joinRoom');
    groupId = ((await send('createGroup', { body: { name: 'contract' } })).json['conversation'] as { id: string }).id;
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  const healthy = async () => assert.equal((await call('GET', '/healthz')).status, 200, 'the server stays healthy');

  it('valid requests to every operation', async () => {
    // What a valid request to each operation needs: its body, a real id for its path (made here when it is
    // used up, e.g. a pending friend request), a token other than Alice's. Operations not listed need none.
    // Each entry makes its own preconditions, so the order of the spec does not matter; whatever would end
    // Alice's sessions (logout, a password change or reset, deleting a login) runs on a throwaway login.
    const valid: Record<string, () => Promise<Prepared>> = {
      register: async () => ({ body: { username: uniqueName('reg'), password: PASSWORD, displayName: 'Régis 😀', email: `${uniqueName('reg')}@example.com` } }),
      // "the username or the verified email (any case)"
      login: async () => ({ body: { username: bob.username.toUpperCase(), password: PASSWORD, client: 'contract test' } }),
      switchProfile: async () => ({ body: { profile: await newProfile('alt'), client: 'contract test' } }),
      logout: async () => ({ token: (await signUp('logout')).token }),
      requestEmailCode: async () => ({ body: { email: `${uniqueName('mail')}@example.com` } }),
      verifyEmail: async () => {
        const email = `${alice.username}@example.com`;
        const since = server.logs.length;
        await send('requestEmailCode', { body: { email } });
        return { body: { code: await mailedCode(email, since) } };
      },
      requestPasswordReset: async () => ({ body: { login: alice.username } }),
      confirmPasswordReset: async () => {
        const reset = await signUp('reset');
        const email = `${reset.username}@example.com`;
        let since = server.logs.length;
        await send('requestEmailCode', { token: reset.token, body: { email } });
        await send('verifyEmail', { token: reset.token, body: { code: await mailedCode(email, since) } });
        since = server.logs.length;
        await send('requestPasswordReset', { body: { login: email } });
        return { body: { login: reset.username, code: await mailedCode(email, since), password: 'a new long password' } };
      },
      changePassword: async () => ({ token: (await signUp('chpw')).token, body: { current: PASSWORD, password: 'another long password' } }),
      deleteLogin: async () => ({ token: (await signUp('gone')).token, body: { password: PASSWORD } }),
      revokeSession: async () => {
        const spare = await send('login', { body: { username: alice.username, password: PASSWORD, client: 'spare device' } });
        const { json } = await send('listSessions', { token: spare.json['token'] as string });
        return { id: (json['sessions'] as Array<{ id: string; current: boolean }>).find((s) => s.current)!.id };
      },
      createProfile: async () => ({ body: { handle: uniqueName('work'), displayName: 'Alice (work)' } }),
      getProfile: async () => ({ id: bob.id }),
      updateProfile: async () => ({ id: alice.id, body: { displayName: 'Alice Ünïcode', bio: 'Hi! 😀', avatar: 'initials:#3366ff', directFrom: 'everyone' } }),
      deleteProfile: async () => ({ id: await newProfile('spare') }),
      searchUsers: async () => ({ query: `q=${bob.username.slice(0, 5)}&limit=5` }),
      // postMessage sends "Hello 😀": the answer has results to check against the schema.
      searchMessages: async () => {
        await postMessage('r.contract');
        return { query: `q=hello&conversation=r.contract&limit=5` };
      },
      removeFriend: async () => {
        const friend = await signUp('friend');
        await send('acceptFriendRequest', { id: await requestFriend(friend, alice) });
        return { id: friend.id };
      },
      sendFriendRequest: async () => ({ body: { profile: bob.id, note: 'Hi, it is Alice from the contract test' } }),
      cancelFriendRequest: async () => ({ id: await requestFriend(alice, await signUp('erin')) }),
      acceptFriendRequest: async () => ({ id: await requestFriend(await signUp('carol'), alice) }),
      refuseFriendRequest: async () => ({ id: await requestFriend(await signUp('dave'), alice) }),
      block: async () => ({ id: (await signUp('blockee')).id }),
      unblock: async () => {
        const { id } = await signUp('unblockee');
        await send('block', { id });
        return { id };
      },
      setRemark: async () => ({ id: bob.id, body: { remark: 'Bob from work' } }),
      setConversationSettings: async () => ({ body: { pinned: true, muteUntil: -1, hidden: false, remark: 'the contract room' } }),
      openDirect: async () => ({ body: { username: bob.username } }),
      createGroup: async () => ({ body: { name: 'Team 😀', members: [bob.username] } }),
      addMembers: async () => ({ id: groupId, body: { usernames: [bob.username] } }),
      leaveConversation: async () => ({ id: ((await send('createGroup', { body: { name: 'to leave' } })).json['conversation'] as { id: string }).id }),
      markRead: async () => ({ body: { seq: 0 } }),
      getMessage: async () => {
        // Adding a member writes the group's first entry (seq 1); the answer waits for its projection.
        const id = await newGroup(alice);
        await send('addMembers', { id, body: { usernames: [bob.username] } });
        return { id, params: { seq: '1' } };
      },
      editMessage: async () => ({ ...(await newMessage()), body: { content: 'Hello again 😀' } }),
      recallMessage: newMessage,
      pinMessage: newMessage,
      unpinMessage: async () => {
        const message = await newMessage();
        await send('pinMessage', message);
        return message;
      },
      addReaction: async () => {
        const message = await newMessage();
        return { ...message, params: { ...message.params, emoji: '👨‍👩‍👧' } };
      },
      removeReaction: async () => {
        const message = await newMessage();
        await send('addReaction', message);
        return message;
      },
      forwardMessage: async () => ({ ...(await newMessage()), body: { to: 'r.contract' } }),
      listMembers: async () => ({ query: `q=${alice.username.slice(0, 5)}&role=owner&limit=5` }),
      createUpload: async () => ({ body: { kind: 'file', name: 'notes 😀.txt', size: 11, mime: 'text/plain' } }),
      getUpload: async () => ({ id: await newUpload() }),
      uploadChunk: async () => ({ id: await newUpload(), query: 'offset=0', bytes: CONTRACT_FILE }),
      deleteUpload: async () => ({ id: await newUpload(true) }),
      completeUpload: async () => ({ id: await newUpload(true) }),
      getAttachmentUrl: async () => ({ ...(await newFileMessage()), query: 'variant=original' }),
      downloadFile: newFileUrl,
      headFile: newFileUrl,
      joinGroup: async () => ({ id: await newGroup(bob, [], 'open'), body: { note: 'Hi, it is Alice' } }),
      getInviteLink: async () => ({ params: { code: await newLink(alice, groupId) } }),
      joinByInviteLink: async () => ({ params: { code: await newLink(bob, await newGroup(bob)) } }),
      answerInvitation: async () => {
        const id = await newGroup(bob);
        await send('updateGroup', { id, token: bob.token, body: { invitePolicy: 'anyone' } });
        await send('inviteMembers', { id, token: bob.token, body: { usernames: [alice.username] } });
        // Checked on Alice's stream by the workflow, then listed.
        const listed = async () => ((await send('listInvitations')).json['invitations'] as Array<{ conversation: { id: string } }>).some((i) => i.conversation.id === id) || undefined;
        await eventually('the invitation', listed);
        return { params: { conversationId: id }, body: { accept: true } };
      },
      updateGroup: async () => ({ body: { description: 'The contract group 😀', invitePolicy: 'anyone' } }),
      removeMember: async () => {
        const member = await signUp('removed');
        return { id: await newGroup(alice, [member]), params: { userId: member.id }, query: 'ban=true' };
      },
      setMemberRole: async () => {
        const member = await signUp('admin');
        return { id: await newGroup(alice, [member]), params: { userId: member.id }, body: { role: 'admin' } };
      },
      muteMember: async () => {
        const member = await signUp('muted');
        return { id: await newGroup(alice, [member]), params: { userId: member.id }, body: { until: Date.now() + 3_600_000 } };
      },
      transferOwnership: async () => {
        const heir = await signUp('heir');
        return { id: await newGroup(alice, [heir]), body: { userId: heir.id } };
      },
      dissolveConversation: async () => ({ id: await newGroup(alice) }),
      unbanMember: async () => {
        const member = await signUp('banned');
        const id = await newGroup(alice, [member]);
        await send('removeMember', { id, params: { userId: member.id }, query: 'ban=true' });
        return { id, params: { userId: member.id } };
      },
      listNotices: async () => ({ query: 'limit=5' }),
      postNotice: async () => ({ body: { text: 'Release on Friday 😀' } }),
      editNotice: async () => ({ params: { noticeId: await newNotice() }, body: { text: 'Release on Monday' } }),
      readNotice: async () => ({ params: { noticeId: await newNotice() } }),
      inviteMembers: async () => ({ body: { usernames: [(await signUp('invitee')).username] } }),
      answerJoinRequest: async () => {
        const id = await newGroup(alice, [], 'approval');
        const asker = await signUp('asker');
        const asked = await send('joinGroup', { id, token: asker.token, body: { note: 'Let me in' } });
        assert.deepEqual(asked.json, { request: { conversation: id, status: 'pending' } });
        return { id, params: { userId: asker.id }, body: { approve: true } };
      },
      createInviteLink: async () => ({ body: { expiresInSeconds: 3600, maxUses: 5 } }),
      revokeInviteLink: async () => ({ params: { code: await newLink(alice, groupId) } }),
    };
    const ids = new Set(operations.map((o) => o.op.operationId));
    assert.deepEqual(Object.keys(valid).filter((id) => !ids.has(id)), [], 'every entry names an operation of the spec');
    for (const o of operations) {
      const id = o.op.operationId;
      assert.ok(valid[id] || !o.op.requestBody, `${id} takes a body: give it a valid one above`);
      await send(id, (await valid[id]?.()) ?? {});
    }
    await healthy();
  });

  it('fuzzed bodies and queries get a listed 4xx with the Error body', async () => {
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
    // Every field name a body of the spec has (a dictionary over them reaches past "required").
    const fields = [
      ...['username', 'password', 'name', 'members', 'usernames', 'seq'],
      ...['handle', 'displayName', 'bio', 'avatar', 'directFrom', 'email', 'code', 'login', 'current', 'profile', 'note', 'remark', 'pinned', 'muteUntil', 'hidden', 'client'],
      ...['description', 'joinPolicy', 'invitePolicy', 'muteAll', 'role', 'until', 'userId', 'text', 'accept', 'approve', 'expiresInSeconds', 'maxUses'],
    ];
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom(...fields), nasty, { maxKeys: 3 }).map((b) => JSON.stringify(b)),
      nasty.map((v) => JSON.stringify(v) ?? 'null'),
      fc.constantFrom('{', '{"seq": 1e400}', '[]', '', '{"username": "a\\u0000"}', '{"name": "\\ud800"}', '{"muteUntil": 1e400}', '{"profile": "u%00"}', '{"code": "０４２１３７"}'),
    );
    const queryValue = fc.oneof(fc.constantFrom('%00', 'a%00b', '%ZZ', '%', '-1', '99999999999999999999', '1.5', '', '%F0%9F%98%80', '%ED%A0%80', 'true', 'TRUE'), fc.stringMatching(/^[a-z0-9]{0,5}$/));
    const bodyOps = operations.filter((o) => o.op.requestBody);
    const queryOps = operations.filter((o) => (o.op.parameters ?? []).some((p) => (p as { in?: string }).in === 'query'));

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyOps), body, async (o, text) => {
        conforms(o, await call(o.method.toUpperCase(), fill(o), { body: text, headers: jsonHeaders, token: alice.token }), `body ${text.slice(0, 60)}`);
      }),
      { seed: SEED, numRuns: 400 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...queryOps), fc.constantFrom('limit', 'after', 'before', 'prefix', 'q', 'hidden', 'role', 'ban'), queryValue, async (o, key, value) => {
        conforms(o, await call(o.method.toUpperCase(), `${fill(o)}?${key}=${value}`, { token: alice.token }), `query ${key}=${value}`);
      }),
      { seed: SEED, numRuns: 120 },
    );
    await healthy();
  });

  it('every field of every body, starting from the spec\'s example: a value its schema refuses is a 400', async () => {
    const edge: unknown[] = ['', '\u0000', 'a\u0000b', '\ud800', '\u0007', 'é'.repeat(65), '😀'.repeat(300), 'x@y', '042137', -1, 0, 1.5, 2 ** 53, 9007199254740991, 1e308, null, true, [], {}];
    for (const o of operations.filter(takesJson)) {
      const { schema, example } = requestBody(o);
      const valid = validatorFor(schema);
      assert.ok(valid(example), `the spec's example for ${o.op.operationId} is a valid body (${ajv.errorsText(valid.errors)})`);
      for (const field of Object.keys(resolve(schema)['properties'] as Json)) {
        for (const value of [undefined, ...edge]) {
          const body: Json = { ...example, [field]: value };
          if (value === undefined) delete body[field];
          const text = JSON.stringify(body);
          const answer = await call(o.method.toUpperCase(), fill(o), { body: text, headers: jsonHeaders, token: alice.token });
          conforms(o, answer, `body ${text.slice(0, 80)}`);
          if (!valid(body)) assert.equal(answer.status, 400, `the spec refuses ${text.slice(0, 80)} for ${o.op.operationId}; the server answered ${answer.text.slice(0, 200)}`);
        }
      }
    }
    await healthy();
  });

  it('every path parameter: an odd value gets a listed 4xx; one its schema refuses (or a broken escape) is a 400', async () => {
    const values = ['%ZZ', '%', 'r.%00', 'u%00', 'f%00', 'g.x%2Fy', 'not-an-id', 'r.' + 'x'.repeat(70), 'u' + 'x'.repeat(70), 'f' + '0'.repeat(70), '%ED%A0%80', 'd.a.b', 'u%C3%A9', 'u01JD3T0ZK8V5N2R4Q6W9YB1HCE', 'f01JD3T0ZK8V5N2R4Q6W9YB1HCE', '00000000-0000-4000-8000-000000000000'];
    for (const o of operations.filter((x) => x.path.includes('{'))) {
      // Each parameter in turn takes the odd value; the others are filled as usual.
      for (const [name, schema] of pathParameterSchemas(o)) {
        const valid = validatorFor(schema);
        for (const value of values) {
          const path = fill({ path: o.path.replace(`{${name}}`, value) });
          const answer = await call(o.method.toUpperCase(), path, { token: alice.token, ...(o.op.requestBody ? exampleBody(o) : {}) });
          conforms(o, answer, `path ${value}`);
          let decoded: string | undefined;
          try {
            decoded = decodeURIComponent(value);
          } catch {
            decoded = undefined;
          }
          if (decoded === undefined || !valid(decoded)) assert.equal(answer.status, 400, `${o.method.toUpperCase()} ${path}: the spec refuses it; the server answered ${answer.text.slice(0, 200)}`);
          // None of these names anything that exists (joining a room creates it).
          else if (o.op.operationId !== 'joinRoom') assert.ok(answer.status >= 400, `${o.method.toUpperCase()} ${path} -> ${answer.status}`);
        }
      }
    }
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
      const answer = await call(o.method.toUpperCase(), path, { token: alice.token, ...(body === undefined ? {} : { body, headers: jsonHeaders }) });
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
      for (const headers of cases) conforms(o, await call(o.method.toUpperCase(), fill(o), { body: 'not valid in any encoding', headers, token: alice.token }), JSON.stringify(headers));
      conforms(o, await call(o.method.toUpperCase(), fill(o), { body: `{"x":"${'a'.repeat(70_000)}"}`, headers: jsonHeaders, token: alice.token }), 'a 70 KB body');
    }
    await healthy();
  });

  it('a method a path does not serve is 405 with Allow and the Error body; CONNECT 400', async () => {
    const errorSchema = validatorFor({ $ref: '#/components/schemas/Error' });
    for (const [path, item] of Object.entries(spec.paths)) {
      const served = Object.keys(item).map((m) => m.toUpperCase());
      const allow = [...new Set(served.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))].sort().join(', ');
      const concrete = fill({ path });
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'POST', 'GET'].filter((m) => !served.includes(m))) {
        const answer = await call(method, concrete, { token: alice.token });
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
    const head = (size: number) => `GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\nX-Pad: ${'a'.repeat(size)}\r\nConnection: close\r\n\r\n`;
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
      await assert.rejects(call(method, '/v1/me', { token: alice.token }), /socket hang up|ECONNRESET/, method);
    }
    await healthy();
  });
});
