import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { isParleyError } from '@parley/core';
import { imageInfo, MAX_IMAGE_PIXELS } from './image-info.js';
import { detectType } from './detect-type.js';
import { chunks } from './test-media.js';

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#36c' } });

test('imageInfo: a PNG\'s size and a WebP thumbnail fitting 320x320, aspect kept', async () => {
  const info = await imageInfo(await solid(800, 400).png().toBuffer());
  assert.deepEqual([info.width, info.height], [800, 400]);
  assert.deepEqual([info.thumbnail.width, info.thumbnail.height], [320, 160]);
  assert.equal(await detectType(info.thumbnail.bytes), 'image/webp');
  const meta = await sharp(info.thumbnail.bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 320, 160]);
});

test('imageInfo: a JPEG with EXIF orientation 6 (turned a quarter) is as displayed: taller than wide', async () => {
  const bytes = await solid(900, 300).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  assert.equal((await sharp(bytes).metadata()).orientation, 6);
  const info = await imageInfo(chunks(bytes, 1000));
  assert.deepEqual([info.width, info.height], [300, 900]);
  assert.equal(info.thumbnail.height, 320);
  assert.ok(Math.abs(info.thumbnail.width - 107) <= 1, `thumbnail width ${info.thumbnail.width}`);
});

test('imageInfo: a small image is not enlarged', async () => {
  const info = await imageInfo(await solid(50, 40).png().toBuffer());
  assert.deepEqual([info.width, info.height, info.thumbnail.width, info.thumbnail.height], [50, 40, 50, 40]);
});

test('imageInfo: bytes that are not a readable image are type_mismatch', async () => {
  const png = await solid(200, 200).png().toBuffer();
  await assert.rejects(imageInfo(png.subarray(0, 60)), (e) => isParleyError(e, 'type_mismatch'));
  await assert.rejects(imageInfo(new TextEncoder().encode('not an image')), (e) => isParleyError(e, 'type_mismatch'));
});

test(`imageInfo: an image declaring more than ${MAX_IMAGE_PIXELS} pixels is refused before decoding`, async () => {
  // A 1x1 PNG whose IHDR is rewritten to 20000x20000 (CRC fixed): a decompression bomb's header.
  const png = Buffer.from(await solid(1, 1).png().toBuffer());
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  png.writeUInt32BE(20_000, 16);
  png.writeUInt32BE(20_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  await assert.rejects(imageInfo(png), (e) => isParleyError(e, 'type_mismatch') && /pixel/.test(e.message));
});

test('imageInfo: more bytes than maxBytes is payload_too_large, read no further', async () => {
  const png = await solid(100, 100).png().toBuffer();
  let read = 0;
  async function* body() {
    for await (const c of chunks(png, 16)) {
      read += c.byteLength;
      yield c;
    }
  }
  await assert.rejects(imageInfo(body(), { maxBytes: 64 }), (e) => isParleyError(e, 'payload_too_large'));
  assert.equal(read, 80);
});
