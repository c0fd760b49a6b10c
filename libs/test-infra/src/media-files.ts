import { crc32, deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';

/**
 * A real PNG of `width` x `height` (8-bit RGB, a gradient with some noise so it does not compress to
 * nothing), built by hand: what a test uploads as an image without an image library.
 */
export function png(width: number, height: number, seed = 1): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let x = seed;
  for (let row = 0; row < height; row++) {
    const at = row * (width * 3 + 1);
    raw[at] = 0; // filter: none
    for (let col = 0; col < width; col++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      raw[at + 1 + col * 3] = (col * 255) / width;
      raw[at + 2 + col * 3] = (row * 255) / height;
      raw[at + 3 + col * 3] = x & 0xff;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter method, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
