/**
 * The search tokenizer (docs/adr/0011-search-tokens.md). One function of text for both sides, so that a
 * query matches what was indexed:
 *
 * - NFKC, then lower case (full-width Latin, ligatures and compatibility forms fold to their plain letters).
 * - Intl.Segmenter word-like segments (dictionary segmentation for Chinese and Japanese, Unicode word
 *   boundaries elsewhere). Punctuation, spaces and emoji are not word-like and give nothing.
 * - A segment without CJK characters (Latin words, numbers, other scripts written with spaces) is one token.
 * - CJK (Han, Hiragana, Katakana, Hangul): the segment itself, and every character bigram of each CJK run,
 *   a run being consecutive CJK characters regardless of where the segmenter cut them; a run of one
 *   character is indexed as that character. Letters and digits glued to CJK in one segment are a token too.
 *
 * A query becomes terms that must all match: words as they are (whole words, no prefix match), a CJK run of
 * two or more characters its bigrams, a lone CJK character itself. Bigrams make a part of a word match
 * (`搜索` in `消息搜索测试`) whatever the segmenter decided for the indexed sentence or the query; a single
 * CJK character matches where it is a word or a lone character (not every character is indexed alone).
 */

/** Longest token, in code points: longer words are cut, on both sides (a tsvector lexeme holds < 2 KiB). */
export const MAX_TOKEN_CHARS = 64;

/** The characters of the scripts written without spaces between words (and the Katakana-Hiragana prolonged sound mark). */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30FC]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30FC]+/gu;
/** A piece of a mixed segment that is not CJK: letters, marks and numbers. */
const NON_CJK_WORD = /[\p{L}\p{M}\p{N}]+/gu;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/** The text as both sides compare it: NFKC, lower case. */
export function normalizeForSearch(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The tokens of a message's content, each once, in order of first appearance. */
export function indexTokens(text: string): string[] {
  const normal = normalizeForSearch(text);
  const out = new Set<string>();
  for (const word of words(normal)) {
    out.add(word);
    if (CJK.test(word)) {
      for (const piece of word.replace(CJK_RUN, ' ').match(NON_CJK_WORD) ?? []) out.add(cut(piece));
    }
  }
  for (const run of normal.match(CJK_RUN) ?? []) for (const gram of grams(run)) out.add(gram);
  return [...out];
}

/**
 * The terms of a query, each once, in order: every one must match. Empty when the query has nothing to
 * look for (only spaces, punctuation or emoji).
 */
export function queryTerms(q: string): string[] {
  const normal = normalizeForSearch(q);
  const out = new Set<string>();
  for (const word of words(normal)) {
    if (!CJK.test(word)) {
      out.add(word);
      continue;
    }
    for (const piece of word.replace(CJK_RUN, ' ').match(NON_CJK_WORD) ?? []) out.add(cut(piece));
  }
  // CJK runs of the query as a whole, like the index's, so the query's own segmentation does not matter.
  for (const run of normal.match(CJK_RUN) ?? []) for (const gram of grams(run)) out.add(gram);
  return [...out];
}

/** The word-like segments of normalized text, cut to MAX_TOKEN_CHARS; none holds a space. */
function* words(normal: string): Generator<string> {
  if (ASCII.test(normal)) {
    for (const word of asciiWords(normal)) yield cut(word);
    return;
  }
  for (const s of segmenter.segment(normal)) {
    if (!s.isWordLike) continue;
    // A segment never spans white space; splitting anyway keeps a token free of the separator.
    for (const part of s.segment.split(/\s+/u)) if (part !== '') yield cut(part);
  }
}

const ASCII = /^[\x00-\x7f]*$/;
/**
 * Unicode word boundaries (UAX #29) restricted to ASCII: letters, digits and `_` hold together, a letter
 * joins a letter across `.`, `:` or `'`, a digit joins a digit across `.`, `,`, `;` or `'`.
 */
const ASCII_WORD = /[a-z0-9_]+(?:(?:(?<=[a-z])[.:'](?=[a-z])|(?<=[0-9])[.,;'](?=[0-9]))[a-z0-9_]+)*/g;

/**
 * The word-like segments of lower-case ASCII text, exactly as Intl.Segmenter finds them (a lone `_` is not
 * word-like) but about 30 times faster: most messages are ASCII, and segmenting was most of the indexing
 * cost (docs/BENCHMARKS.md 9). search-tokens.test.ts holds the two to the same answers.
 */
export function asciiWords(normal: string): string[] {
  return (normal.match(ASCII_WORD) ?? []).filter((w) => w !== '_');
}

/** What Intl.Segmenter takes for words in `normal` (the general path, for the equivalence test). */
export function segmenterWords(normal: string): string[] {
  return [...segmenter.segment(normal)].filter((s) => s.isWordLike).map((s) => s.segment);
}

/** A CJK run's bigrams, or the run itself when it is one character. */
function grams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

function cut(token: string): string {
  const chars = [...token];
  return chars.length > MAX_TOKEN_CHARS ? chars.slice(0, MAX_TOKEN_CHARS).join('') : token;
}

/** Whether a term is CJK text (a bigram or a lone character), matched anywhere rather than as a whole word. */
function isCjkTerm(term: string): boolean {
  return CJK.test(term);
}

/**
 * The code-point ranges [start, end) of `content` where a query term appears, merged and sorted: CJK terms
 * wherever they occur, other terms where they are a whole word. Content is compared normalized one
 * grapheme cluster at a time, so a range always covers whole clusters of the original text (a full-width
 * `ＰＡＲＬＥＹ` is highlighted for `parley`).
 */
export function highlightRanges(content: string, terms: readonly string[]): Array<{ start: number; end: number }> {
  if (terms.length === 0 || content === '') return [];
  // normal[i] came from the original code points [from[i], to[i]).
  const normal: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  for (const { segment } of graphemes.segment(content)) {
    const length = [...segment].length;
    for (const c of normalizeForSearch(segment)) {
      normal.push(c);
      from.push(at);
      to.push(at + length);
    }
    at += length;
  }
  const ranges: Array<{ start: number; end: number }> = [];
  const wordChar = (i: number): boolean => i >= 0 && i < normal.length && /[\p{L}\p{M}\p{N}]/u.test(normal[i]!) && !CJK.test(normal[i]!);
  for (const term of new Set(terms)) {
    const t = [...term];
    if (t.length === 0) continue;
    const cjk = isCjkTerm(term);
    for (let i = 0; i + t.length <= normal.length; i++) {
      let hit = true;
      for (let k = 0; k < t.length && hit; k++) hit = normal[i + k] === t[k];
      if (!hit) continue;
      if (!cjk && (wordChar(i - 1) || wordChar(i + t.length))) continue;
      ranges.push({ start: from[i]!, end: to[i + t.length - 1]! });
    }
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Array<{ start: number; end: number }> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
