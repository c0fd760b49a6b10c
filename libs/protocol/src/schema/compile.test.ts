import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { compile } from './compile.js';
import { TEXT_PATTERN } from '../text.js';

test('maxLength counts code points and patterns see code points (the u flag)', () => {
  const name = compile(Type.String({ minLength: 1, maxLength: 80, pattern: TEXT_PATTERN }));
  assert.equal(name.check('😀'.repeat(80)), true);
  assert.equal(name.check('😀'.repeat(81)), false);
  assert.equal(name.lastError?.keyword, 'maxLength');
  assert.equal(name.check('a\u0000'), false);
  assert.equal(name.lastError?.keyword, 'pattern');
  assert.equal(name.check('\ud800'), false);
});
