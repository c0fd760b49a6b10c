import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BODY_DEPTH, parseClientFrame } from './parse-client-frame.js';
import { directConversationId, conversationKind, MAX_SEQ } from './ids.js';
import { MAX_MENTIONS } from './message-kinds.js';

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

test('a send may carry a kind, its body, a reply and mentions; all of them come back as sent', () => {
  const frame = {
    type: 'send',
    conversation: 'g.x',
    clientMsgId: 'm1',
    content: 'hi @bob',
    kind: 'text',
    body: { spans: [{ start: 0, end: 2, style: 'bold' }, { start: 3, end: 7, style: 'mention', userId: 'ubob' }] },
    replyTo: 3,
    mentions: ['ubob', 'all'],
  };
  assert.deepEqual(parseClientFrame(JSON.stringify(frame), limits), { ok: true, frame });
  const link = { type: 'send', conversation: 'g.x', clientMsgId: 'm2', content: 'a link', kind: 'link', body: { url: 'https://example.com/a' } };
  assert.deepEqual(parseClientFrame(JSON.stringify(link), limits), { ok: true, frame: link });
  // No body is an empty one: fine for text, whose spans are optional.
  assert.deepEqual(parseClientFrame('{"type":"send","conversation":"g.x","clientMsgId":"m3","content":"x","body":{}}', limits), {
    ok: true,
    frame: { type: 'send', conversation: 'g.x', clientMsgId: 'm3', content: 'x', kind: 'text', body: {} },
  });
});

test('kinds are a closed set: an unknown kind, or "system", is invalid_frame with the kinds in the message', () => {
  for (const kind of ['sticker2', 'system', 'photo', 'TEXT']) {
    const r = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'k', content: 'x', kind }), limits);
    assert.deepEqual(r.ok ? null : [r.code, r.ref], ['invalid_frame', 'k'], kind);
    assert.match(r.ok ? '' : r.message, /^send\.kind must be one of text, image, voice, video, file, link, sticker, contact, news, location, custom/);
  }
});

test('a body that does not fit its kind is invalid_frame, with the clientMsgId as ref', () => {
  const refused = (kind: string, body: unknown, content = 'hello') => {
    const r = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'b1', content, kind, body }), limits);
    if (!r.ok) assert.equal(r.ref, 'b1', `${kind} ${JSON.stringify(body)}`);
    return r.ok ? 'ok' : `${r.code}: ${r.message}`;
  };
  assert.match(refused('link', undefined), /^invalid_frame: send: body does not match kind "link".*url/);
  assert.match(refused('link', { url: 'ftp://x' }), /^invalid_frame: send: body does not match kind "link": \/url/);
  assert.match(refused('sticker', { pack: 'p', sticker: 's', extra: 1 }), /^invalid_frame: .*additional properties/);
  assert.match(refused('location', { latitude: 91, longitude: 0 }), /^invalid_frame: .*\/latitude/);
  assert.match(refused('text', { spans: [{ start: 2, end: 9, style: 'bold' }] }), /^invalid_frame: send: a span must have start < end <= 5/);
  assert.match(refused('text', { spans: [{ start: 0, end: 1, style: 'link' }] }), /^invalid_frame: send: a link span needs href/);
  assert.match(refused('custom', { type: 'poll', data: 'x'.repeat(20_000) }), /^invalid_frame: send: body is over 16384 bytes/);
  assert.match(refused('text', [1]), /^invalid_frame: send\.body must be a JSON object/);
  assert.match(refused('text', 'bold'), /^invalid_frame: send\.body must be a JSON object/);
  // Spans count code points: "😀😀" is 2 long, not 4.
  assert.match(refused('text', { spans: [{ start: 0, end: 3, style: 'bold' }] }, '😀😀'), /start < end <= 2/);
  assert.equal(refused('text', { spans: [{ start: 0, end: 2, style: 'bold' }] }, '😀😀'), 'ok');
});

test('every string in a body follows the text rule (invalid_text, ref set); a body nests at most MAX_BODY_DEPTH deep', () => {
  const send = (body: string) => parseClientFrame(`{"type":"send","conversation":"g.x","clientMsgId":"t1","content":"x","kind":"custom","body":${body}}`, limits);
  for (const body of ['{"type":"t","data":"a\\u0000"}', '{"type":"t","data":{"k":["\\ud800"]}}', '{"type":"t","data":{"\\udc00":1}}']) {
    const r = send(body);
    assert.deepEqual(r.ok ? null : [r.code, r.ref], ['invalid_text', 't1'], body);
  }
  const nested = (depth: number) => `{"type":"t","data":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  assert.equal(send(nested(MAX_BODY_DEPTH)).ok, true);
  const deep = send(nested(MAX_BODY_DEPTH + 1));
  assert.deepEqual(deep.ok ? null : [deep.code, deep.message], ['invalid_frame', `send.body is nested deeper than ${MAX_BODY_DEPTH} levels`]);
  // Far deeper than the stack: refused, never thrown.
  const abyss = send(nested(200_000));
  assert.equal(abyss.ok ? 'ok' : abyss.code, 'invalid_frame');
});

test('replyTo is a message seq; mentions are at most MAX_MENTIONS different profile ids or "all"', () => {
  const code = (extra: Record<string, unknown>) => {
    const r = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'r1', content: 'x', ...extra }), limits);
    return r.ok ? 'ok' : `${r.code} ${r.ref ?? ''}: ${r.message}`;
  };
  assert.equal(code({ replyTo: 1 }), 'ok');
  assert.equal(code({ replyTo: MAX_SEQ }), 'ok');
  for (const replyTo of [0, -1, 1.5, MAX_SEQ + 1, '3']) assert.match(code({ replyTo }), /^invalid_frame r1: send\.replyTo must be the seq of a message/);
  assert.equal(code({ mentions: [] }), 'ok');
  assert.equal(code({ mentions: Array.from({ length: MAX_MENTIONS }, (_, i) => `u${i}`) }), 'ok');
  assert.match(code({ mentions: Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => `u${i}`) }), /^invalid_frame r1: send\.mentions must be at most 50 different/);
  assert.match(code({ mentions: ['ua', 'ua'] }), /^invalid_frame r1: send\.mentions must be at most 50 different/);
  assert.match(code({ mentions: ['bob'] }), /^invalid_frame r1: send\.mentions\["0"\] must be a profile id or "all"/);
  assert.match(code({ mentions: ['u\u0000'] }), /^invalid_text r1/);
  assert.match(code({ mentions: 'all' }), /^invalid_frame r1: send\.mentions must be/);
});

test('a send is refused for the first problem: the schema, then the content size, then the body', () => {
  const code = (f: Record<string, unknown>) => {
    const r = parseClientFrame(JSON.stringify({ type: 'send', conversation: 'g.x', clientMsgId: 'o1', ...f }), limits);
    return r.ok ? 'ok' : r.code;
  };
  const badBody = { kind: 'link', body: { url: 'nope' } };
  assert.equal(code({ content: 'x'.repeat(40), ...badBody }), 'content_too_large');
  assert.equal(code({ content: 'x', ...badBody, replyTo: 0 }), 'invalid_frame');
  assert.equal(code({ content: 'x\u0000', ...badBody }), 'invalid_text');
  assert.equal(code({ content: 'x'.repeat(40), kind: 'custom', body: { type: 't', data: '\u0000' } }), 'content_too_large');
  assert.equal(code({ content: 'x', ...badBody }), 'invalid_frame');
});
