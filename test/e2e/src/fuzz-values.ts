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
