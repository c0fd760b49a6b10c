import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInt, readEnum, readBool, readString, deepFreeze } from './config.js';
import { isParleyError } from './parley-error.js';

test('config readers return defaults, parse values and name the variable they reject', () => {
  assert.equal(readInt({}, 'PORT', 8080, { min: 0, max: 65535 }), 8080);
  assert.equal(readInt({ PORT: '9000' }, 'PORT', 8080, { min: 0, max: 65535 }), 9000);
  assert.throws(() => readInt({ PORT: 'eighty' }, 'PORT', 8080, { min: 0, max: 65535 }), (e) => isParleyError(e, 'config') && /PORT/.test(e.message));
  assert.throws(() => readInt({ PORT: '70000' }, 'PORT', 8080, { min: 0, max: 65535 }), /between 0 and 65535/);
  assert.equal(readEnum({ M: 'b' }, 'M', ['a', 'b'] as const, 'a'), 'b');
  assert.throws(() => readEnum({ M: 'c' }, 'M', ['a', 'b'] as const, 'a'), /one of a, b/);
  assert.equal(readBool({ B: 'yes' }, 'B', false), true);
  assert.throws(() => readString({}, 'SECRET'), /SECRET is required/);
  assert.doesNotThrow(() => deepFreeze({ secret: new Uint8Array(32) }));
  const frozen = deepFreeze({ a: { b: 1 } });
  assert.throws(() => {
    (frozen.a as { b: number }).b = 2;
  });
});
