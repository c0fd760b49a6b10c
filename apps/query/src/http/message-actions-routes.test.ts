import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredMessage } from '@parley/protocol';
import type { CommandPayload } from '@parley/schemas';
import type { HttpAppDeps } from './create-http-app.js';
import { fakeEdge, serveFakeApp, type Answer, type FakeApp } from './fake-app.js';

// The message routes over fakes: commands are recorded and answered by `outcome` (accepted unless a test
// says otherwise), and what an accepted command changes shows at once in the little store below. What is
// tested is the edge: which command a route sends, what it checks before, and what it answers.

const GROUP = 'g.team';
const OTHER = 'g.other';
const claims = { userId: 'ualice', username: 'alice', loginId: 'ualice', tokenId: 't1', expiresAt: 1 };

interface Sent {
  stream: string;
  payload: CommandPayload;
}
let sent: Sent[] = [];
let outcome: Record<string, { code: string; message: string }> = {};
/** Conversations the caller is a member of; g.former: a former member up to seq 3. */
let memberOf = new Set([GROUP, OTHER]);
/** (conversation, seq) -> message; seq 4 is a system entry, 5 recalled. */
let store = new Map<string, StoredMessage>();
let reactions = new Set<string>();
let pins: unknown[] = [];

const message = (conversation: string, seq: number, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  conversation,
  id: `m${seq}`,
  seq,
  ts: 1000 + seq,
  sender: { id: 'ubob', username: 'bob' },
  clientMsgId: `k${seq}`,
  kind: 'link',
  content: `message ${seq}`,
  body: { url: 'https://example.com' },
  replyTo: 1,
  mentions: ['ualice'],
  ...extra,
});

const deps = {
  commands: {
    execute: async (stream: string, _actor: unknown, payload: CommandPayload) => {
      sent.push({ stream, payload });
      const rejected = outcome[payload.type];
      if (rejected) return { status: 'rejected', ...rejected, stream };
      if (payload.type === 'ReactToMessage') {
        const key = `${stream}/${payload.seq}/${payload.emoji}/ualice`;
        if (payload.add) reactions.add(key);
        else reactions.delete(key);
      }
      if (payload.type === 'EditMessage') {
        const m = store.get(`${stream}/${payload.seq}`)!;
        store.set(`${stream}/${payload.seq}`, { ...m, content: payload.content, editedAt: 5000 });
      }
      if (payload.type === 'SendMessage') {
        store.set(`${stream}/9`, { ...message(stream, 9), clientMsgId: payload.clientMsgId, sender: { id: 'ualice', username: 'alice' } });
      }
      return { status: 'ok', code: null, message: null, stream };
    },
    until: async <T>(read: () => Promise<T | undefined>) => read(),
  },
  sessions: { touch: async () => undefined, isRevoked: async () => false },
  conversations: {
    isMember: async (id: string, userId: string) => userId === 'ualice' && memberOf.has(id),
  },
  groups: {
    readableUntil: async (id: string) => (memberOf.has(id) ? Number.MAX_SAFE_INTEGER : id === 'g.former' ? 3 : undefined),
  },
  messages: {
    one: async (id: string, seq: number, until = Number.MAX_SAFE_INTEGER) => (seq <= until ? store.get(`${id}/${seq}`) : undefined),
    byClientMsgId: async (id: string, senderId: string, clientMsgId: string) =>
      [...store.values()].find((m) => m.conversation === id && m.sender.id === senderId && m.clientMsgId === clientMsgId),
    hasReaction: async (id: string, seq: number, emoji: string, userId: string) => reactions.has(`${id}/${seq}/${emoji}/${userId}`),
    pins: async () => pins,
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
  memberOf = new Set([GROUP, OTHER]);
  reactions = new Set();
  pins = [];
  store = new Map();
  for (const c of [GROUP, 'g.former']) {
    for (const seq of [1, 2, 3]) store.set(`${c}/${seq}`, message(c, seq));
    store.set(`${c}/4`, message(c, 4, { kind: 'system', content: '{"event":"joined"}', body: undefined, replyTo: undefined, mentions: undefined }));
    store.set(`${c}/5`, message(c, 5, { content: '', body: undefined, mentions: undefined, recalled: true }));
  }
});

const call = (method: string, path: string, body?: unknown): Promise<Answer> => app.call(method, path, body);

test('recall: RecallMessage on the conversation, 204; the decider\'s refusals as their statuses; outsiders and bad paths refused first', async () => {
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/messages/2/recall`)).status, 204);
  assert.deepEqual(sent, [{ stream: GROUP, payload: { type: 'RecallMessage', seq: 2 } }]);
  for (const [code, status] of [['too_late', 409], ['recalled', 410], ['forbidden', 403], ['not_found', 404]] as const) {
    outcome = { RecallMessage: { code, message: code } };
    const res = await call('POST', `/v1/conversations/${GROUP}/messages/2/recall`);
    assert.deepEqual([res.status, res.body.error?.code], [status, code]);
  }
  sent = [];
  assert.equal((await call('POST', '/v1/conversations/g.stranger/messages/2/recall')).body.error?.code, 'not_member');
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/messages/0/recall`)).body.error?.details?.field, 'seq');
  assert.equal((await call('POST', `/v1/conversations/${GROUP}/messages/x/recall`)).status, 400);
  assert.equal((await call('POST', '/v1/conversations/nope/messages/1/recall')).body.error?.details?.field, 'id');
  assert.deepEqual(sent, [], 'no command for a request refused before');
});

test('edit: EditMessage with the body as JSON text, 200 with the message as edited; bad bodies refused', async () => {
  const res = await call('PUT', `/v1/conversations/${GROUP}/messages/2`, { content: 'fixed', body: { url: 'https://example.com/b' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(sent, [{ stream: GROUP, payload: { type: 'EditMessage', seq: 2, content: 'fixed', body: '{"url":"https://example.com/b"}' } }]);
  assert.equal((res.body['message'] as StoredMessage).content, 'fixed');
  assert.equal((res.body['message'] as StoredMessage).editedAt, 5000);
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/3`, { content: 'plain' })).status, 200);
  assert.equal((sent[1]?.payload as { body?: string }).body, '', 'no body: none');
  for (const bad of [{}, { content: '' }, { content: 'a\u0000' }, { content: 'x', body: [] }, { content: 'x'.repeat(16_385) }]) {
    const r = await call('PUT', `/v1/conversations/${GROUP}/messages/2`, bad);
    assert.ok([400, 413].includes(r.status), JSON.stringify(bad));
  }
  const big = await call('PUT', `/v1/conversations/${GROUP}/messages/2`, { content: '€'.repeat(6000) });
  assert.deepEqual([big.status, big.body.error?.code], [413, 'content_too_large'], 'bytes, not characters');
  outcome = { EditMessage: { code: 'too_late', message: 'late' } };
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/2`, { content: 'again' })).status, 409);
  assert.equal(sent.length, 3);
});

test('pin: PUT and DELETE send PinMessage; done already (conflict) is 204 too; the pins list is for members', async () => {
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/2/pin`)).status, 204);
  outcome = { PinMessage: { code: 'conflict', message: 'already' } };
  assert.equal((await call('DELETE', `/v1/conversations/${GROUP}/messages/3/pin`)).status, 204);
  assert.deepEqual(sent.map((s) => s.payload), [{ type: 'PinMessage', seq: 2, pinned: true }, { type: 'PinMessage', seq: 3, pinned: false }]);
  outcome = { PinMessage: { code: 'limit_reached', message: 'too many' } };
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/2/pin`)).body.error?.code, 'limit_reached');
  pins = [{ message: message(GROUP, 2), pinnedBy: { id: 'ualice', username: 'alice' }, pinnedAt: 7 }];
  assert.deepEqual((await call('GET', `/v1/conversations/${GROUP}/pins`)).body, { pins });
  assert.equal((await call('GET', '/v1/conversations/g.former/pins')).body.error?.code, 'not_member');
});

test('reactions: the emoji percent-encoded; a command only when it changes something; not an emoji is 400', async () => {
  const thumbs = encodeURIComponent('👍');
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/2/reactions/${thumbs}`)).status, 204);
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/2/reactions/${thumbs}`)).status, 204);
  assert.equal((await call('DELETE', `/v1/conversations/${GROUP}/messages/2/reactions/${thumbs}`)).status, 204);
  assert.equal((await call('DELETE', `/v1/conversations/${GROUP}/messages/2/reactions/${thumbs}`)).status, 204);
  assert.deepEqual(sent.map((s) => s.payload), [
    { type: 'ReactToMessage', seq: 2, emoji: '👍', add: true },
    { type: 'ReactToMessage', seq: 2, emoji: '👍', add: false },
  ], 'adding one they have, or taking back one they have not, sends nothing');
  const family = encodeURIComponent('👨‍👩‍👧');
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/2/reactions/${family}`)).status, 204, 'one emoji of several code points');
  for (const bad of ['a', encodeURIComponent('👍👍'), '%E0%A4%A']) {
    const r = await call('PUT', `/v1/conversations/${GROUP}/messages/2/reactions/${bad}`);
    assert.equal(r.status, 400, bad);
  }
  outcome = { ReactToMessage: { code: 'recalled', message: 'gone' } };
  assert.equal((await call('PUT', `/v1/conversations/${GROUP}/messages/5/reactions/${thumbs}`)).status, 410);
});

test('forward: SendMessage to the other conversation with the kind, content and body, forwarded, a fresh clientMsgId; 201 with where it went', async () => {
  const res = await call('POST', `/v1/conversations/${GROUP}/messages/2/forward`, { to: OTHER });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(res.body, { message: { conversation: OTHER, seq: 9, id: 'm9' } });
  const [{ stream, payload }] = sent as [Sent];
  assert.equal(stream, OTHER);
  const { clientMsgId, ...rest } = payload as CommandPayload & { clientMsgId: string };
  assert.match(clientMsgId, /^[0-9A-Z]{26}$/);
  assert.deepEqual(rest, { type: 'SendMessage', kind: 'link', content: 'message 2', body: '{"url":"https://example.com"}', replyTo: 0, mentions: [], forwarded: true });

  sent = [];
  const refused: Array<[string, unknown, number, string]> = [
    [`/v1/conversations/${GROUP}/messages/5/forward`, { to: OTHER }, 410, 'recalled'],
    [`/v1/conversations/${GROUP}/messages/4/forward`, { to: OTHER }, 400, 'bad_request'],
    [`/v1/conversations/${GROUP}/messages/8/forward`, { to: OTHER }, 404, 'not_found'],
    ['/v1/conversations/g.former/messages/4/forward', { to: OTHER }, 404, 'not_found'],
    ['/v1/conversations/g.stranger/messages/1/forward', { to: OTHER }, 403, 'not_member'],
    [`/v1/conversations/${GROUP}/messages/2/forward`, { to: 'g.stranger' }, 403, 'not_member'],
    [`/v1/conversations/${GROUP}/messages/2/forward`, { to: 'nope' }, 400, 'bad_request'],
    [`/v1/conversations/${GROUP}/messages/2/forward`, {}, 400, 'bad_request'],
  ];
  for (const [path, body, status, code] of refused) {
    const r = await call('POST', path, body);
    assert.deepEqual([r.status, r.body.error?.code], [status, code], `${path} ${JSON.stringify(body)}`);
  }
  assert.deepEqual(sent, []);
  // A former member forwards what they could read.
  assert.equal((await call('POST', '/v1/conversations/g.former/messages/3/forward', { to: OTHER })).status, 201);
});
