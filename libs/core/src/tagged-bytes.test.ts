import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTagged, encodeTagged } from './tagged-bytes.js';

test('tagged bytes round-trip, and a wrong magic, format or checksum is named', () => {
  const body = Buffer.from('{"a":1}');
  const bytes = encodeTagged('TEST', 3, body);
  assert.deepEqual(decodeTagged(bytes, 'TEST', [2, 3]), { format: 3, body });
  assert.deepEqual(decodeTagged(bytes, 'OTHR', [3]), { problem: 'magic' });
  assert.deepEqual(decodeTagged(bytes.subarray(0, 8), 'TEST', [3]), { problem: 'magic' });
  assert.deepEqual(decodeTagged(bytes, 'TEST', [1]), { problem: 'format', format: 3 });
  assert.deepEqual(decodeTagged(bytes.subarray(0, bytes.length - 1), 'TEST', [3]), { problem: 'checksum' });
  const withLength = encodeTagged('TEST', 1, body, true);
  assert.equal(withLength.readUInt32LE(9), body.length);
  assert.deepEqual(withLength.subarray(13), body);
  assert.deepEqual(encodeTagged('TEST', 3, [body.subarray(0, 2), body.subarray(2)]), bytes, 'a body in parts is the same bytes');
});
