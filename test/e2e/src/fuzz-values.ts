import fc from 'fast-check';
import { MAX_SEQ } from '@parley/protocol';

/** Values the fuzz tests put where a valid frame field was (shared by the WebSocket and TCP fuzzers). */

/** Strings with U+0000 and lone surrogates among ordinary code points. */
export const wildString = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
    { weight: 1, arbitrary: fc.constant('\u0000') },
  ),
  maxLength: 30,
});

/** Wrong types, bounds just past the limits, and broken text. */
export const badValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  wildString,
  fc.constantFrom(2 ** 53 - 1, 2 ** 53, MAX_SEQ + 1, -1, 1.5, 1e308, '', '\u0000', '\ud800', null, [], {}),
);

/** Well-formed client frames for one conversation (the fuzzers' starting points). */
export function validFrames(conversation: string, token: string) {
  return fc.oneof(
    fc.record({ type: fc.constant('send'), conversation: fc.constant(conversation), clientMsgId: fc.stringMatching(/^fz[a-z0-9]{1,20}$/), content: fc.string({ minLength: 1, maxLength: 40 }) }),
    fc.record({ type: fc.constant('read'), conversation: fc.constant(conversation), seq: fc.nat({ max: 50 }) }),
    fc.record({ type: fc.constant('resume'), conversations: fc.constant({ [conversation]: 0 }) }),
    fc.record({ type: fc.constant('ping'), id: fc.string({ maxLength: 64 }) }),
    fc.record({ type: fc.constant('auth'), token: fc.constant(token) }),
  );
}

/** Those frames' JSON with one field dropped, replaced by a bad value, broken as text, or an extra field added. */
export function mutatedFrames(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.nat(), fc.integer({ min: 0, max: 3 }), badValue, wildString)
    .map(([frame, i, how, bad, extra]) => {
      const f: Record<string, unknown> = { ...frame };
      const keys = Object.keys(f).filter((k) => k !== 'type');
      const key = keys[i % Math.max(1, keys.length)] ?? 'type';
      if (how === 0) delete f[key];
      else if (how === 1) f[key] = bad;
      else if (how === 2 && typeof f[key] === 'string') f[key] = `${f[key] as string}${i % 2 ? '\u0000' : '\ud800'}`;
      else f[extra] = bad;
      return JSON.stringify(f);
    });
}
