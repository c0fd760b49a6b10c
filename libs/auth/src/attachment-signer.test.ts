import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ParleyError } from '@parley/core';
import type { Attachment } from '@parley/protocol';
import { AttachmentSigner } from './attachment-signer.js';

const secret = randomBytes(32);
const signer = new AttachmentSigner(secret);
const photo: Attachment = { id: 'a'.repeat(64), kind: 'image', mime: 'image/png', size: 1234, name: 'cat.png', width: 20, height: 10, thumbnail: { id: 'b'.repeat(64), mime: 'image/webp', width: 20, height: 10, size: 99 } };
const now = 1_800_000_000_000;

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ParleyError);
    return error.code;
  }
  assert.fail('expected a ParleyError');
};

test('a ref names its attachment to its uploader until it expires', () => {
  const ref = signer.signRef(photo, 'ualice', now + 60_000);
  assert.match(ref, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(signer.verifyRef(ref, 'ualice', now), photo);
  assert.deepEqual(signer.openRef(ref, 'ualice', now), { attachment: photo, upload: undefined });
  assert.deepEqual(signer.openRef(signer.signRef(photo, 'ualice', now + 60_000, 'up_1'), 'ualice', now), { attachment: photo, upload: 'up_1' }, 'the upload it came from');
  assert.equal(code(() => signer.verifyRef(ref, 'ubob', now)), 'invalid_attachment');
  assert.equal(code(() => signer.verifyRef(ref, 'ualice', now + 60_000)), 'invalid_attachment');
});

test('an altered, cut or foreign ref is refused', () => {
  const ref = signer.signRef(photo, 'ualice', now + 60_000);
  const [v, payload, sig] = ref.split('.') as [string, string, string];
  const bigger = Buffer.from(JSON.stringify({ a: { ...photo, size: 1 }, u: 'ualice', e: now + 60_000 })).toString('base64url');
  for (const bad of [`${v}.${bigger}.${sig}`, `${v}.${payload}`, `v2.${payload}.${sig}`, `${v}.${payload}.${sig.slice(1)}`, '', 'x']) {
    assert.equal(code(() => signer.verifyRef(bad, 'ualice', now)), 'invalid_attachment', bad);
  }
  assert.equal(code(() => new AttachmentSigner(randomBytes(32)).verifyRef(ref, 'ualice', now)), 'invalid_attachment');
  // A well-signed ref of something that is not an attachment is refused too.
  const notFile = signer.signRef({ ...photo, id: 'nope' }, 'ualice', now + 60_000);
  assert.equal(code(() => signer.verifyRef(notFile, 'ualice', now)), 'invalid_attachment');
});

test('a download URL grants one blob of one message until it expires; any change breaks it', () => {
  const grant = { blob: photo.id, conversation: 'c1', seq: 7, userId: 'ubob', variant: 'thumbnail' as const, expiresAtMs: now + 300_000 };
  const query = Object.fromEntries(new URLSearchParams(signer.signUrl(grant)));
  assert.deepEqual(signer.verifyUrl(photo.id, query, now), grant);
  assert.equal(code(() => signer.verifyUrl(photo.id, query, now + 300_000)), 'url_expired');
  assert.equal(code(() => signer.verifyUrl('c'.repeat(64), query, now)), 'invalid_signature');
  for (const [k, v] of [['c', 'c2'], ['s', '8'], ['u', 'ualice'], ['v', 'o'], ['e', String(Number(query['e']) + 3600)], ['sig', 'x']] as const) {
    assert.equal(code(() => signer.verifyUrl(photo.id, { ...query, [k]: v }, now)), 'invalid_signature', k);
  }
  const unsigned: Record<string, string> = { ...query };
  delete unsigned['sig'];
  assert.equal(code(() => signer.verifyUrl(photo.id, unsigned, now)), 'invalid_signature');
  // A ref is no URL signature, and the other way round: the keys differ.
  assert.equal(code(() => signer.verifyRef(`v1.${Buffer.from('{}').toString('base64url')}.${String(query['sig'])}`, 'ubob', now)), 'invalid_attachment');
});
