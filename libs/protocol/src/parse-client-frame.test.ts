import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientFrame } from './parse-client-frame.js';
import { directConversationId, conversationKind } from './ids.js';

const limits = { maxContentBytes: 16, maxResumeConversations: 2 };

test('valid frames parse to their typed shape', () => {
  assert.deepEqual(parseClientFrame('{"type":"auth","token":"t"}', limits), { ok: true, frame: { type: 'auth', token: 't' } });
  assert.deepEqual(parseClientFrame('{"type":"send","conversation":"g.x","clientMsgId":"m1","content":"hi"}', limits), {
    ok: true,
    frame: { type: 'send', conversation: 'g.x', clientMsgId: 'm1', content: 'hi', kind: 'text' },
  });
  assert.deepEqual(parseClientFrame('{"type":"resume","conversations":{"r.lobby":3}}', limits), {
    ok: true,
    frame: { type: 'resume', conversations: { 'r.lobby': 3 } },
  });
});

test('each kind of bad input gets its own code, with the clientMsgId as ref where known', () => {
  const code = (t: string) => {
    const r = parseClientFrame(t, limits);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code('{nope'), 'invalid_json');
  assert.equal(code('[1]'), 'invalid_frame');
  assert.equal(code('{"type":"dance"}'), 'unknown_frame');
  assert.equal(code('{"type":"send","conversation":"../etc","clientMsgId":"m","content":"x"}'), 'invalid_frame');
  assert.equal(code('{"type":"send","conversation":"g.x","clientMsgId":"has space","content":"x"}'), 'invalid_frame');
  assert.equal(code('{"type":"send","conversation":"g.x","clientMsgId":"m","content":""}'), 'invalid_frame');
  const big = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'm9', content: '你好你好你好' }), limits);
  assert.deepEqual(big.ok ? null : [big.code, big.ref], ['content_too_large', 'm9']);
  assert.equal(code('{"type":"resume","conversations":{"g.a":1,"g.b":1,"g.c":1}}'), 'invalid_frame');
  assert.equal(code('{"type":"resume","conversations":{"g.a":-1}}'), 'invalid_frame');
  assert.equal(code('{"type":"read","conversation":"g.a","seq":1.5}'), 'invalid_frame');
});

test('direct conversation ids do not depend on who starts them', () => {
  assert.equal(directConversationId('u2', 'u1'), directConversationId('u1', 'u2'));
  assert.equal(conversationKind(directConversationId('u2', 'u1')), 'direct');
  assert.equal(conversationKind('r.lobby'), 'room');
  assert.equal(conversationKind('x.lobby'), undefined);
});
