import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePointLength, cutOnGraphemes, isName, isText, utf8Length } from './text.js';

test('text refuses U+0000 and unpaired surrogates, and accepts every other scalar value', () => {
  assert.equal(isText('hello\u0000'), false);
  assert.equal(isText('\ud800'), false);
  assert.equal(isText('a\udc00b'), false);
  assert.equal(isText('\udc00\ud800'), false, 'a low surrogate before a high one is two lone surrogates');
  assert.equal(isText('😀 tab\t newline\n bell\u0007 中文 \uffff'), true);
  assert.equal(isText(''), true);
});

test('names also refuse C0, DEL and C1 controls', () => {
  assert.equal(isName('team 😀 中文'), true);
  for (const c of ['\u0001', '\n', '\u001f', '\u007f', '\u0085', '\u009f', '\u0000', '\ud83d']) assert.equal(isName(`a${c}b`), false, JSON.stringify(c));
});

test('lengths count code points; sizes count UTF-8 bytes', () => {
  assert.equal(codePointLength('😀'.repeat(41)), 41);
  assert.equal(codePointLength('abc'), 3);
  assert.equal(codePointLength('\ud800x'), 2, 'a lone surrogate counts as one');
  assert.equal(utf8Length('😀'), 4);
  assert.equal(utf8Length('é'), 2);
  assert.equal(utf8Length(''), 0);
});

test('the UTF-8 size is what TextEncoder writes, lone surrogates and all', () => {
  const encoder = new TextEncoder();
  const units = ['a', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '中', '\uffff', '\ud83d', '\ude00', '\udbff', '\udfff', '😀', '\u0000'];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let k = 0; k < 2000; k++) {
    let s = '';
    for (let j = Math.floor(random() * 12); j > 0; j--) s += units[Math.floor(random() * units.length)];
    assert.equal(utf8Length(s), encoder.encode(s).length, JSON.stringify(s));
  }
});

test('a preview is cut on a grapheme boundary, never inside an emoji', () => {
  const family = '👨‍👩‍👧'; // 5 code points, one grapheme
  const cut = cutOnGraphemes('ab' + family + 'cd', 4);
  assert.equal(cut, 'ab');
  assert.equal(cutOnGraphemes('😀'.repeat(200), 140), '😀'.repeat(140));
  assert.equal(cutOnGraphemes('short', 140), 'short');
  assert.ok(!cutOnGraphemes('x'.repeat(139) + '😀😀', 140).includes('\ufffd'));
  assert.equal(cutOnGraphemes('e\u0301'.repeat(100), 140), 'e\u0301'.repeat(70), 'combining marks stay with their base');
});
