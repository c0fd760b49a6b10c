import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ATTACHMENT_KINDS } from '@parley/protocol';
import { detectType, kindAccepts, mimeForKind, UNKNOWN_MIME } from './detect-type.js';
import { mp4, wav } from './test-media.js';

const png = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } }).png().toBuffer();
const jpeg = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#3c3' } }).jpeg().toBuffer();

test('detectType reads the type from the bytes: PNG, JPEG, WebP, WAV, MP4', async () => {
  assert.equal(await detectType(await png()), 'image/png');
  assert.equal(await detectType(await jpeg()), 'image/jpeg');
  assert.equal(await detectType(await sharp(await png()).webp().toBuffer()), 'image/webp');
  assert.equal(await detectType(wav(100)), 'audio/wav');
  assert.equal(await detectType(mp4({ durationMs: 1000, width: 64, height: 48 })), 'video/mp4');
});

test('detectType: text, random bytes and nothing are application/octet-stream', async () => {
  assert.equal(await detectType(new TextEncoder().encode('just some notes\nnot an image\n')), UNKNOWN_MIME);
  assert.equal(await detectType(new Uint8Array(100).fill(0x41)), UNKNOWN_MIME);
  assert.equal(await detectType(new Uint8Array(0)), UNKNOWN_MIME);
});

test('detectType needs only the head: the first bytes of a PNG say it is one', async () => {
  assert.equal(await detectType((await png()).subarray(0, 64)), 'image/png');
});

test('kindAccepts: image only the six image types, voice audio/* and the recording containers, video video/*, file anything', () => {
  const table: Array<[string, Record<string, boolean>]> = [
    ['image/png', { image: true, voice: false, video: false, file: true }],
    ['image/jpeg', { image: true, voice: false, video: false, file: true }],
    ['image/avif', { image: true, voice: false, video: false, file: true }],
    ['image/svg+xml', { image: false, voice: false, video: false, file: true }],
    ['image/x-icon', { image: false, voice: false, video: false, file: true }],
    ['audio/wav', { image: false, voice: true, video: false, file: true }],
    ['video/mp4', { image: false, voice: true, video: true, file: true }],
    ['video/webm', { image: false, voice: true, video: true, file: true }],
    ['video/quicktime', { image: false, voice: false, video: true, file: true }],
    [UNKNOWN_MIME, { image: false, voice: false, video: false, file: true }],
  ];
  for (const [mime, expected] of table) {
    for (const kind of ATTACHMENT_KINDS) assert.equal(kindAccepts(kind, mime), expected[kind], `${kind} ${mime}`);
  }
});

test('a text file sent as an image is refused (detected as nothing, which no image kind accepts)', async () => {
  const mime = await detectType(new TextEncoder().encode('hello, this is text.txt\n'));
  assert.equal(kindAccepts('image', mime), false);
  assert.equal(kindAccepts('file', mime), true);
});

test('mimeForKind: a voice recording in a WebM or MP4 container is named by its audio type', () => {
  assert.equal(mimeForKind('voice', 'video/webm'), 'audio/webm');
  assert.equal(mimeForKind('voice', 'video/mp4'), 'audio/mp4');
  assert.equal(mimeForKind('voice', 'audio/ogg'), 'audio/ogg');
  assert.equal(mimeForKind('video', 'video/webm'), 'video/webm');
  assert.equal(mimeForKind('file', 'video/mp4'), 'video/mp4');
});
