import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientFrame } from './parse-client-frame.js';
import { directConversationId, conversationKind, MAX_SEQ } from './ids.js';

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

test('text that breaks the text rule is invalid_text, with the clientMsgId as ref', () => {
  const nul = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'm-nul', content: 'a\u0000b' }), limits);
  assert.deepEqual(nul.ok ? null : [nul.code, nul.ref], ['invalid_text', 'm-nul']);
  assert.match(nul.ok ? '' : nul.message, /send\.content/);
  // JSON's \ud800 escape is the only way to put a lone surrogate on the wire.
  const lone = parseClientFrame('{"type":"send","conversation":"g.x","clientMsgId":"m-sur","content":"x\\ud800"}', limits);
  assert.deepEqual(lone.ok ? null : [lone.code, lone.ref], ['invalid_text', 'm-sur']);
  const swapped = parseClientFrame('{"type":"send","conversation":"g.x","clientMsgId":"m2","content":"\\udc00\\ud800"}', limits);
  assert.equal(swapped.ok ? 'ok' : swapped.code, 'invalid_text');
  const pair = parseClientFrame('{"type":"send","conversation":"g.x","clientMsgId":"m3","content":"\\ud83d\\ude00"}', limits);
  assert.deepEqual(pair.ok ? pair.frame : null, { type: 'send', conversation: 'g.x', clientMsgId: 'm3', content: '😀', kind: 'text' });
  const ping = parseClientFrame('{"type":"ping","id":"\\u0000"}', limits);
  assert.equal(ping.ok ? 'ok' : ping.code, 'invalid_text');
  const key = parseClientFrame('{"type":"resume","conversations":{"g.\\ud800":1}}', limits);
  assert.equal(key.ok ? 'ok' : key.code, 'invalid_text');
});

test('seqs a client sends are integers from 0 to MAX_SEQ (the Avro long limit), everywhere', () => {
  const code = (frame: unknown) => {
    const r = parseClientFrame(JSON.stringify(frame), limits);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code({ type: 'read', conversation: 'g.a', seq: 2 ** 53 - 1 }), 'invalid_frame', 'was accepted, then failed in the Avro encoder');
  assert.equal(code({ type: 'read', conversation: 'g.a', seq: MAX_SEQ }), 'ok');
  assert.equal(code({ type: 'read', conversation: 'g.a', seq: 1e300 }), 'invalid_frame');
  assert.equal(code({ type: 'read', conversation: 'g.a', seq: '1' }), 'invalid_frame');
  assert.equal(code({ type: 'resume', conversations: { 'g.a': MAX_SEQ + 1 } }), 'invalid_frame');
  assert.equal(code({ type: 'auth', token: 't', resume: { 'g.a': 2 ** 53 } }), 'invalid_frame');
  assert.equal(code({ type: 'auth', token: 't', resume: { 'r.lobby': 0, 'g.a': MAX_SEQ } }), 'ok');
  const r = parseClientFrame(JSON.stringify({ type: 'read', conversation: 'g.a', seq: 2 ** 53 - 1 }), limits);
  assert.match(r.ok ? '' : r.message, /read\.seq must be an integer from 0 to 9007199254740990/);
});

test('lengths are in code points: 41 emoji are 41 characters, not 82', () => {
  const emoji = (n: number) => '😀'.repeat(n);
  // ping.id allows 64 code points; the old validator counted UTF-16 units and refused 41 emoji (82 units).
  assert.deepEqual(parseClientFrame(JSON.stringify({ type: 'ping', id: emoji(41) }), limits), { ok: true, frame: { type: 'ping', id: emoji(41) } });
  assert.equal(parseClientFrame(JSON.stringify({ type: 'ping', id: emoji(64) }), limits).ok, true);
  const over = parseClientFrame(JSON.stringify({ type: 'ping', id: emoji(65) }), limits);
  assert.deepEqual(over.ok ? null : [over.code, over.message], ['invalid_frame', 'ping.id must be text of at most 64 characters']);
  // Content is the one size measured in UTF-8 bytes: 4 emoji are 16 bytes, 5 are 20.
  assert.equal(parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'e', content: emoji(4) }), limits).ok, true);
  const big = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'e', content: emoji(5) }), limits);
  assert.deepEqual(big.ok ? null : [big.code, big.message], ['content_too_large', 'Content is 20 bytes; the limit is 16']);
});

test('refusals name the field; unknown fields are ignored and dropped', () => {
  const message = (frame: unknown) => {
    const r = parseClientFrame(JSON.stringify(frame), limits);
    return r.ok ? 'ok' : r.message;
  };
  assert.match(message({ type: 'send', conversation: 'g.x', clientMsgId: 'm' }), /^send\.content is required/);
  assert.match(message({ type: 'auth', token: 't', resume: { 'x/y': 1 } }), /^auth\.resume has the key "x\/y"; each key must be a conversation id/);
  assert.match(message({ type: 'resume', conversations: { 'g.a': -1 } }), /^resume\.conversations\["g\.a"\] must be an integer/);
  assert.match(message({ type: 'auth', token: '' }), /^auth\.token must be/);
  assert.deepEqual(parseClientFrame('{"type":"read","conversation":"g.a","seq":1,"extra":{"deep":[1]}}', limits), {
    ok: true,
    frame: { type: 'read', conversation: 'g.a', seq: 1 },
  });
  const longRef = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: '😀'.repeat(70), content: 'x' }), limits);
  assert.equal(longRef.ok ? '' : longRef.ref, '😀'.repeat(64), 'the ref is cut on code points, never inside a surrogate pair');
});

test('direct conversation ids do not depend on who starts them', () => {
  assert.equal(directConversationId('u2', 'u1'), directConversationId('u1', 'u2'));
  assert.equal(conversationKind(directConversationId('u2', 'u1')), 'direct');
  assert.equal(conversationKind('r.lobby'), 'room');
  assert.equal(conversationKind('x.lobby'), undefined);
});

test('the first problem found is reported (PROTOCOL.md "Error codes"): missing fields, then the other checks in field order, then content size', () => {
  const message = (f: unknown) => {
    const r = parseClientFrame(JSON.stringify(f), limits);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.message;
  };
  assert.match(message({ type: 'send', conversation: 'bad!', clientMsgId: 'm' }), /^send\.content is required/);
  assert.match(message({ type: 'send', clientMsgId: 'bad id', content: 'x' }), /^send\.conversation is required/);
  assert.match(message({ type: 'send', conversation: 'bad!', clientMsgId: 'bad id', content: 'x' }), /^send\.conversation must be/);
  assert.match(message({ type: 'send', conversation: 'r.a', clientMsgId: 'm', content: 'x'.repeat(40), kind: 'BAD' }), /^send\.kind must be/);
});

test('the 2000-conversation bound of auth.resume and resume is in the published schema (maxProperties), not only in the server', async () => {
  const { protocolSchema } = await import('./schema/protocol-schema.js');
  const defs = (protocolSchema() as { definitions: Record<string, { properties: Record<string, { maxProperties?: number; description?: string }> }> }).definitions;
  for (const [frame, field] of [['AuthFrame', 'resume'], ['ResumeFrame', 'conversations']] as const) {
    assert.equal(defs[frame]?.properties[field]?.maxProperties, 2000, `${frame}.${field}`);
    assert.match(defs[frame]?.properties[field]?.description ?? '', /at most 2000 entries/);
  }
  const many = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`r.c${i}`, 0]));
  const loose = { maxContentBytes: 16, maxResumeConversations: 100_000 };
  assert.equal(parseClientFrame(JSON.stringify({ type: 'resume', conversations: many }), loose).ok, false);
  delete many['r.c2000'];
  assert.equal(parseClientFrame(JSON.stringify({ type: 'resume', conversations: many }), loose).ok, true);
});
