import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TOKEN_CHARS, asciiWords, highlightRanges, indexTokens, queryTerms, segmenterWords } from './search-tokens.js';

/** Whether every term of `q` is a token of `text` (what the tsquery AND asks of the tsvector). */
const finds = (q: string, text: string): boolean => {
  const terms = queryTerms(q);
  const tokens = new Set(indexTokens(text));
  return terms.length > 0 && terms.every((t) => tokens.has(t));
};

describe('search tokens', () => {
  it('finds a Chinese sentence by any of its words and by a part that straddles them', () => {
    assert.ok(finds('消息', '消息搜索测试'));
    assert.ok(finds('搜索', '消息搜索测试'));
    assert.ok(finds('息搜', '消息搜索测试'), 'a bigram across the segmenter\'s words');
    assert.ok(finds('搜索测试', '消息搜索测试'));
    assert.ok(!finds('搜测', '消息搜索测试'));
    assert.ok(!finds('消息啊', '消息搜索测试'), 'every bigram of the query is required');
  });

  it('finds a Japanese word inside a sentence, whatever the segmenter makes of the sentence', () => {
    assert.ok(finds('東京', '私は東京に住んでいます'));
    assert.ok(finds('住んで', '私は東京に住んでいます'));
    assert.ok(!finds('大阪', '私は東京に住んでいます'));
    assert.ok(finds('タワー', '東京タワーに行った'), 'Katakana with the prolonged sound mark');
  });

  it('finds mixed text by either part', () => {
    assert.ok(finds('parley', 'Parley的消息'));
    assert.ok(finds('消息', 'Parley的消息'));
    assert.ok(finds('Parley 消息', 'Parley的消息'), 'both parts, AND');
    assert.ok(finds('PARLEY的消息', 'Parley的消息'));
    assert.ok(!finds('parley 搜索', 'Parley的消息'));
  });

  it('matches Latin words whole: no prefix, no substring', () => {
    assert.ok(finds('hello', 'Hello, world!'));
    assert.ok(!finds('hello', 'helloworld'));
    assert.ok(!finds('hell', 'hello'));
    assert.ok(finds('hello world', 'world … hello'));
    assert.ok(!finds('hello moon', 'hello world'));
  });

  it('folds full-width Latin, ligatures and case with NFKC', () => {
    assert.deepEqual(indexTokens('ＰＡＲＬＥＹ　ｈｅｌｌｏ'), ['parley', 'hello']);
    assert.ok(finds('parley', 'ＰＡＲＬＥＹ'));
    assert.ok(finds('ＨＥＬＬＯ', 'hello'));
    assert.deepEqual(indexTokens('ﬁle'), ['file']);
    assert.ok(finds('ｶﾀｶﾅ', 'カタカナ'), 'half-width Katakana');
  });

  it('gives nothing for emoji, punctuation and white space', () => {
    assert.deepEqual(indexTokens('😀👍🏽'), []);
    assert.deepEqual(queryTerms('😀'), []);
    assert.deepEqual(queryTerms('...!? ()&|:*'), []);
    assert.deepEqual(queryTerms(' \t\n'), []);
    assert.deepEqual(indexTokens(''), []);
    assert.deepEqual(indexTokens('great 👍 news'), ['great', 'news']);
  });

  it('keeps query syntax characters as plain text of a word, never as operators', () => {
    assert.deepEqual(queryTerms("don't"), ["don't"]);
    assert.ok(finds("don't", "I don't know"));
    assert.deepEqual(queryTerms('a&b|c'), ['a', 'b', 'c']);
  });

  it('indexes a lone CJK character, and each character of a CJK run only as part of its bigrams', () => {
    assert.deepEqual(queryTerms('消'), ['消']);
    assert.ok(finds('消', '消'));
    assert.ok(finds('的', 'Parley的消息'), 'the segmenter made it a word');
    assert.deepEqual(indexTokens('消息搜索测试'), ['消息', '搜索', '测试', '息搜', '索测']);
  });

  it('handles mixed scripts: Hangul, numbers glued to Han, other alphabets', () => {
    assert.ok(finds('서울', '서울에서 만나요'));
    assert.ok(finds('3', '3月5日'));
    assert.ok(finds('月', '3月5日'));
    assert.ok(finds('привет', 'Привет, мир'));
    assert.ok(finds('café', 'Café au lait'));
  });

  it('cuts very long words on both sides', () => {
    const long = 'a'.repeat(MAX_TOKEN_CHARS + 10);
    assert.deepEqual(indexTokens(long), ['a'.repeat(MAX_TOKEN_CHARS)]);
    assert.ok(finds(long, long));
  });

  it('lists each token once and never one with white space', () => {
    const tokens = indexTokens('hello hello 消息 消息');
    assert.deepEqual(tokens, ['hello', '消息']);
    assert.ok(indexTokens('a b\u3000c\u00a0d').every((t) => !/\s/u.test(t)));
  });
});

describe('highlightRanges', () => {
  it('marks CJK terms wherever they occur and merges overlapping bigrams', () => {
    assert.deepEqual(highlightRanges('消息搜索测试', queryTerms('搜索测试')), [{ start: 2, end: 6 }]);
    assert.deepEqual(highlightRanges('私は東京に住んでいます', queryTerms('東京')), [{ start: 2, end: 4 }]);
  });

  it('marks Latin terms as whole words only, in code points of the original text', () => {
    assert.deepEqual(highlightRanges('Parley的消息 helloworld hello', queryTerms('parley 消息 hello')), [
      { start: 0, end: 6 },
      { start: 7, end: 9 },
      { start: 21, end: 26 },
    ]);
    // 😀 is two UTF-16 units but one code point.
    assert.deepEqual(highlightRanges('😀 hello', queryTerms('hello')), [{ start: 2, end: 7 }]);
  });

  it('maps folded text back to the original clusters', () => {
    assert.deepEqual(highlightRanges('say ＰＡＲＬＥＹ!', queryTerms('parley')), [{ start: 4, end: 10 }]);
    assert.deepEqual(highlightRanges('a ﬁle', queryTerms('file')), [{ start: 2, end: 5 }], 'ﬁ is one code point');
    assert.deepEqual(highlightRanges('Cafe\u0301 x', queryTerms('café')), [{ start: 0, end: 5 }]);
  });

  it('marks nothing when no term is in the content', () => {
    assert.deepEqual(highlightRanges('hello', []), []);
    assert.deepEqual(highlightRanges('', ['hello']), []);
    assert.deepEqual(highlightRanges('helloworld', ['hello']), []);
  });
});

describe('the ASCII fast path', () => {
  it('finds exactly the words Intl.Segmenter finds, on 60,000 seeded random ASCII strings and the edge cases', () => {
    const cases = ['_', '__', 'a_', '_a', 'x.y.z', '3.14.15', "don't", 'e.g.', 'a..b', '1,,2', "a'b'c", 'a:b', '1:2', 'a.1', '1.a', '1,000;5', "rock'n'roll", 'a_b.c_d', '', ' \t\n'];
    // A seeded generator (xorshift), so a failure repeats; alphabets weighted toward what joins words.
    let state = 0x2545f491;
    const next = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const alphabets = ["abz019_.,;:' ", "aaaa1111____....::::'''',,,;;;   ", ` !"#$%&'()*+,-./0123456789:;<=>?@[\\]^_\`abcdefghijklmnopqrstuvwxyz{|}~\t\n\x01\x7f`];
    for (const alphabet of alphabets) {
      for (let i = 0; i < 20_000; i++) {
        let text = '';
        for (let j = next(40); j > 0; j--) text += alphabet[next(alphabet.length)];
        cases.push(text);
      }
    }
    for (const text of cases) assert.deepEqual(asciiWords(text), segmenterWords(text), JSON.stringify(text));
  });
});
