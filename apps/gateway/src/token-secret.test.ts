import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isParleyError } from '@parley/core';
import { parseTokenSecret } from './token-secret.js';

test('a token secret is hex or base64 of at least 32 bytes; anything else is refused, naming the variable', () => {
  const key = randomBytes(32);
  assert.deepEqual(parseTokenSecret(key.toString('hex')), key);
  assert.deepEqual(parseTokenSecret(key.toString('hex').toUpperCase()), key);
  assert.deepEqual(parseTokenSecret(key.toString('base64')), key);
  for (const bad of ['z'.repeat(65), 'a'.repeat(63), key.toString('hex').slice(0, 62), 'not a key at all, just words', key.toString('base64url').replace(/[A-Za-z0-9]/, '-')]) {
    assert.throws(() => parseTokenSecret(bad), (e) => isParleyError(e, 'config') && /PARLEY_TOKEN_SECRET/.test(e.message), bad);
  }
});
