import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseClientFrame, type ParseResult } from './parse-client-frame.js';
import { ClientFrame } from './client-frames.js';
import { compile } from './schema/compile.js';
import { isText, utf8Length } from './text.js';
import { MAX_SEQ } from './ids.js';
import { FRAME_ERROR_CODES } from './ws-error-codes.js';
import { MAX_MENTIONS, MENTION_ALL, messageProblem } from './message-kinds.js';

/** Seeded and bounded: the same cases on every run, well under a second each. */
const runs = { seed: 20_241_130, numRuns: 300 } as const;
const limits = { maxContentBytes: 64, maxResumeConversations: 3 };
const clientFrame = compile(ClientFrame);

/** Any UTF-16 unit sequence: scalar values, U+0000 and lone surrogates. */
const wildUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constant('\u0000') },
);
const wildString = fc.string({ unit: wildUnit, maxLength: 40 });

const idPart = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const conversationId = fc.oneof(
  fc.tuple(idPart, idPart).map(([a, b]) => `d.${a}.${b}`),
  idPart.map((p) => `g.${p}`),
  idPart.map((p) => `r.${p}`),
);
const clientMsgId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => isText(s) && utf8Length(s) <= limits.maxContentBytes);
const seq = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, MAX_SEQ));
const positions = fc.dictionary(conversationId, seq, { maxKeys: limits.maxResumeConversations });

const url = idPart.map((p) => `https://example.com/${p}`);
const shortText = fc.string({ unit: 'grapheme', maxLength: 20 }).filter(isText);
const profileId = idPart.map((p) => `u${p}`);

const styles = ['bold', 'italic', 'strike', 'code', 'link', 'mention'] as const;
const span = (length: number, [a, b, style]: [number, number, (typeof styles)[number]]) => ({
  start: Math.min(a % length, b % length),
  end: Math.max(a % length, b % length) + 1,
  style,
  ...(style === 'link' ? { href: 'https://example.com' } : {}),
  ...(style === 'mention' ? { userId: 'ubob' } : {}),
});
/** A text, with no body, an empty one, or spans within its content (in code points). */
const textMessage = fc
  .tuple(text, fc.option(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...styles)), { maxLength: 4 })), fc.boolean())
  .map(([content, seeds, withKind]) => ({
    content,
    ...(withKind ? { kind: 'text' } : {}),
    ...(seeds === null ? {} : { body: { spans: seeds.map((seed) => span([...content].length, seed)) } }),
  }));
/** Every other kind with a body that fits it. */
const bodies = {
  link: fc.record({ url, title: shortText, description: shortText, siteName: shortText, imageUrl: url }, { requiredKeys: ['url'] }),
  sticker: fc.record({ pack: fc.stringMatching(/^[a-z0-9_-]{1,64}$/), sticker: fc.stringMatching(/^[a-z0-9_-]{1,64}$/), emoji: fc.constantFrom('😀', '👍🏽') }, { requiredKeys: ['pack', 'sticker'] }),
  contact: fc.record({ profile: profileId }),
  news: fc.record({ title: shortText.filter((t) => t.length > 0), summary: shortText, url, imageUrl: url }, { requiredKeys: ['title', 'summary', 'url'] }),
  location: fc.record({ latitude: fc.double({ min: -90, max: 90, noNaN: true }), longitude: fc.double({ min: -180, max: 180, noNaN: true }), name: shortText, address: shortText }, { requiredKeys: ['latitude', 'longitude'] }),
  custom: fc.record({ type: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,63}$/), data: fc.jsonValue({ maxDepth: 4 }).filter(allText) }),
};
/** A content with a kind and a body that fits it (`kind` absent: text; `body` absent: none). */
const message: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  textMessage,
  ...Object.entries(bodies).map(([kind, body]) => fc.record({ content: text, kind: fc.constant(kind), body: body as fc.Arbitrary<unknown> })),
);

const mentions = fc.uniqueArray(fc.oneof(profileId, fc.constant(MENTION_ALL)), { maxLength: 5 });
const sendFrame: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record({ type: fc.constant('send'), conversation: conversationId, clientMsgId }),
    message,
    fc.record({ replyTo: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(MAX_SEQ)), mentions }, { requiredKeys: [] }),
  )
  .map(([head, m, extra]) => ({ ...head, ...m, ...extra }));

/** Frames that must be accepted, as parseClientFrame returns them. */
const validFrame: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('auth'), token: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 200 }), resume: positions }, { requiredKeys: ['type', 'token'] }),
  sendFrame,
  fc.record({ type: fc.constant('resume'), conversations: positions }),
  fc.record({ type: fc.constant('read'), conversation: conversationId, seq }),
  fc.record({ type: fc.constant('ping'), id: fc.string({ unit: 'grapheme', maxLength: 64 }).filter(isText) }, { requiredKeys: ['type'] }),
);

const badValue = fc.oneof(
  fc.jsonValue(),
  wildString,
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, MAX_SEQ + 1, -1, 1.5, 1e308, -0, '', '\u0000', '\ud800', 'x\udc00y', null, [], {}),
);

type Mutation = (f: Record<string, unknown>) => Record<string, unknown>;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // drop a field
  fc.nat().map((i): Mutation => (f) => {
    const keys = Object.keys(f);
    const out = { ...f };
    delete out[keys[i % keys.length] ?? 'type'];
    return out;
  }),
  // replace a field with a wrong type, a huge number, or broken text
  fc.tuple(fc.nat(), badValue).map(([i, v]): Mutation => (f) => {
    const keys = Object.keys(f);
    return { ...f, [keys[i % keys.length] ?? 'type']: v };
  }),
  // insert U+0000 or a lone surrogate into a string field
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('\u0000', '\ud800', '\udfff')).map(([i, at, bad]): Mutation => (f) => {
    const strings = Object.keys(f).filter((k) => typeof f[k] === 'string' && k !== 'type');
    const key = strings[i % Math.max(1, strings.length)];
    if (key === undefined) return f;
    const s = f[key] as string;
    const cut = at % (s.length + 1);
    return { ...f, [key]: s.slice(0, cut) + bad + s.slice(cut) };
  }),
  // extra fields, which must be ignored
  fc.tuple(wildString, fc.jsonValue()).map(([k, v]): Mutation => (f) => (k === 'type' || k in f ? f : { ...f, [k]: v })),
);

/** The invariants of every answer: never a throw, a documented code, and only valid text accepted. */
function checkResult(r: ParseResult): void {
  if (!r.ok) {
    assert.ok((FRAME_ERROR_CODES as readonly string[]).includes(r.code), r.code);
    assert.equal(typeof r.message, 'string');
    assert.ok(r.message.length > 0 && isText(r.message));
    if (r.ref !== undefined) assert.ok(isText(r.ref) && [...r.ref].length <= 64, 'a ref is text of at most 64 code points');
    return;
  }
  assert.ok(clientFrame.check(r.frame), `accepted frame fails the schema: ${JSON.stringify(r.frame)}`);
  assert.ok(allText(r.frame), 'accepted frame breaks the text rule');
  if (r.frame.type === 'send') {
    assert.ok(utf8Length(r.frame.content) <= limits.maxContentBytes);
    assert.equal(messageProblem(r.frame.kind ?? 'text', r.frame.content, r.frame.body), undefined, 'an accepted body fits its kind');
    assert.ok((r.frame.mentions?.length ?? 0) <= MAX_MENTIONS);
  }
}

function allText(value: unknown): boolean {
  if (typeof value === 'string') return isText(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(allText);
  return Object.entries(value).every(([k, v]) => isText(k) && allText(v));
}

test('random text never throws and is answered with a documented code', () => {
  fc.assert(
    fc.property(wildString, (s) => checkResult(parseClientFrame(s, limits))),
    runs,
  );
});

test('random JSON values never throw; anything accepted follows the schema and the text rule', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.record({ type: fc.constantFrom('auth', 'send', 'resume', 'read', 'ping', 'x') }, { noNullPrototype: true })), (v) => {
      checkResult(parseClientFrame(JSON.stringify(v) ?? 'null', limits));
    }),
    runs,
  );
});

test('valid frames round-trip: parse(stringify(frame)) is the frame', () => {
  fc.assert(
    fc.property(validFrame, (frame) => {
      const r = parseClientFrame(JSON.stringify(frame), limits);
      // fast-check builds null-prototype records; the parser returns plain objects.
      const expected: unknown = JSON.parse(JSON.stringify(frame['type'] === 'send' ? { kind: 'text', ...frame } : frame));
      assert.deepEqual(r, { ok: true, frame: expected });
      checkResult(r);
    }),
    runs,
  );
});

test('mutated frames (dropped, wrong-typed, huge, broken text, extra fields) never throw and keep the invariants', () => {
  fc.assert(
    fc.property(validFrame, fc.array(mutation, { minLength: 1, maxLength: 3 }), (frame, mutations) => {
      const mutated = mutations.reduce((f, m) => m(f), frame);
      checkResult(parseClientFrame(JSON.stringify(mutated), limits));
    }),
    runs,
  );
});

test('U+0000 or a lone surrogate anywhere in a valid send is invalid_text, with the clientMsgId as ref', () => {
  fc.assert(
    fc.property(validFrame.filter((f) => f['type'] === 'send'), fc.nat(), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00'), (frame, at, bad) => {
      const content = frame['content'] as string;
      const cut = at % (content.length + 1);
      const r = parseClientFrame(JSON.stringify({ ...frame, content: content.slice(0, cut) + bad + content.slice(cut) }), limits);
      const joinsPair = (bad >= '\udc00' && /[\ud800-\udbff]$/.test(content.slice(0, cut))) || (bad <= '\udbff' && bad !== '\u0000' && /^[\udc00-\udfff]/.test(content.slice(cut)));
      fc.pre(!joinsPair);
      assert.deepEqual(r.ok ? null : [r.code, r.ref], ['invalid_text', frame['clientMsgId']]);
    }),
    runs,
  );
});

test('U+0000 in any string of a valid body (keys too) is invalid_text, with the clientMsgId as ref', () => {
  fc.assert(
    fc.property(sendFrame.filter((f) => strings(f['body']).length > 0), fc.nat(), fc.nat(), (frame, pick, at) => {
      const found = strings(frame['body']);
      const { path, key } = found[pick % found.length] ?? { path: [], key: false };
      const body = structuredClone(frame['body']) as Record<string, unknown>;
      const parent = path.slice(0, -1).reduce<Record<string, unknown>>((node, k) => node[k] as Record<string, unknown>, body);
      const last = path[path.length - 1] ?? '';
      const cut = (s: string) => s.slice(0, at % (s.length + 1)) + '\u0000' + s.slice(at % (s.length + 1));
      if (key) {
        parent[cut(last)] = parent[last];
        delete parent[last];
      } else parent[last] = cut(parent[last] as string);
      const r = parseClientFrame(JSON.stringify({ ...frame, body }), limits);
      assert.deepEqual(r.ok ? null : [r.code, r.ref], ['invalid_text', frame['clientMsgId']]);
    }),
    runs,
  );
});

/** Every string in a JSON value: its path, and whether it is the last key of the path or the value there. */
function strings(value: unknown, path: string[] = []): Array<{ path: string[]; key: boolean }> {
  if (typeof value === 'string') return [{ path, key: false }];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [...(Array.isArray(value) ? [] : [{ path: [...path, k], key: true }]), ...strings(v, [...path, k])]);
}
