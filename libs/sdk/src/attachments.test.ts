import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachmentKindFor, attachmentOf } from './attachments.js';

test('attachmentKindFor picks the kind the server takes for a media type', () => {
  assert.equal(attachmentKindFor('image/png'), 'image');
  assert.equal(attachmentKindFor('IMAGE/JPEG; q=1'), 'image');
  assert.equal(attachmentKindFor('image/svg+xml'), 'file', 'an image type the image kind refuses goes as a file');
  assert.equal(attachmentKindFor('audio/ogg'), 'voice');
  assert.equal(attachmentKindFor('video/mp4'), 'video');
  assert.equal(attachmentKindFor('application/pdf'), 'file');
  assert.equal(attachmentKindFor(''), 'file');
});

test('attachmentOf reads the file of a received attachment message only', () => {
  const file = { id: 'a'.repeat(64), kind: 'image' as const, mime: 'image/png', size: 3, name: 'x.png' };
  assert.deepEqual(attachmentOf({ kind: 'image', body: { attachment: file } }), file);
  assert.equal(attachmentOf({ kind: 'image', body: { attachment: 'ref.x' } }), undefined, 'an own message as sent names its ref');
  assert.equal(attachmentOf({ kind: 'image' }), undefined, 'recalled: no body');
  assert.equal(attachmentOf({ kind: 'custom', body: { attachment: file } }), undefined);
});
