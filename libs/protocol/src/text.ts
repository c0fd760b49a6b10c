/**
 * The one rule for text (docs/adr/0006-one-rule-for-text.md, docs/PROTOCOL.md "Text"), applied at every
 * edge (WebSocket, HTTP, TCP) before anything reaches the log:
 *
 * - Text is a sequence of Unicode scalar values without U+0000. An unpaired surrogate (which JSON's
 *   `\uD800` escape can produce) has no UTF-8 form, so neither Avro nor PostgreSQL can carry it, and
 *   PostgreSQL `text` cannot hold U+0000: both are refused with `invalid_text`, never stored altered.
 * - Names (group names, and later display names) also refuse control characters: C0 (U+0001-U+001F),
 *   DEL and C1 (U+007F-U+009F).
 * - Lengths are counted in Unicode code points, as JSON Schema's `minLength`/`maxLength` count them;
 *   only message content, a storage and bandwidth budget, is measured in UTF-8 bytes.
 * - A preview is cut on a grapheme-cluster boundary, never inside an emoji or a combining sequence.
 */

/** JSON Schema `pattern` (ECMA-262 with the `u` flag, as ajv compiles it) for text: no U+0000, no lone surrogate. */
export const TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';
/** JSON Schema `pattern` for names: text without control characters (C0, DEL, C1). */
export const NAME_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';

const TEXT = new RegExp(TEXT_PATTERN, 'u');
const NAME = new RegExp(NAME_PATTERN, 'u');

/** True when `s` follows the text rule (no U+0000, no unpaired surrogate). */
export function isText(s: string): boolean {
  return TEXT.test(s);
}

/** True when every string in a JSON value, keys included and at any depth, follows the text rule. Recursive: bound the depth first. */
export function isTextDeep(value: unknown): boolean {
  if (typeof value === 'string') return isText(value);
  if (Array.isArray(value)) return value.every(isTextDeep);
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([k, v]) => isText(k) && isTextDeep(v));
  return true;
}

/** True when `s` follows the rule for names (text without control characters). */
export function isName(s: string): boolean {
  return NAME.test(s);
}

/** Length in Unicode code points (a surrogate pair counts once). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Size in UTF-8 bytes, as TextEncoder would write it (a lone surrogate as U+FFFD, 3 bytes), counted
 * without encoding: every frame's content is measured, and the encoded copy was garbage per message.
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 2 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

let graphemes: Intl.Segmenter | undefined;
/**
 * The longest prefix of `s` that has at most `maxCodePoints` code points and ends on a grapheme-cluster
 * boundary. A single cluster longer than the limit (a long combining sequence) is dropped whole.
 */
export function cutOnGraphemes(s: string, maxCodePoints: number): string {
  if (codePointLength(s) <= maxCodePoints) return s;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(s)) {
    const n = codePointLength(segment);
    if (used + n > maxCodePoints) break;
    out += segment;
    used += n;
  }
  return out;
}

/**
 * Text folded for searching and filtering: compatibility forms unified (NFKC), lowercased, and accents
 * (combining marks, after NFD) removed, so `zoe`, `ZOE` and `Zoë` match. The server's people search and
 * conversation filter and the web client's filter fold with this one function.
 */
export function searchFold(text: string): string {
  return text.normalize('NFKC').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
}
