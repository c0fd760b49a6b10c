import { crc32 } from 'node:zlib';

/**
 * The framing of Parley's own binary files (state snapshots; the embedded log's checkpoint and segment
 * headers): magic (4 latin1 bytes) | u8 format | u32 LE crc32(body) | [u32 LE body length] | body. With
 * `withLength` the body's length follows the checksum (a segment header: frames follow its body);
 * without, the body is the rest of the bytes. The body may come in parts, written one after another.
 */
export function encodeTagged(magic: string, format: number, body: Uint8Array | readonly Uint8Array[], withLength = false): Buffer {
  const parts = body instanceof Uint8Array ? [body] : body;
  const prefix = Buffer.alloc(withLength ? 13 : 9);
  prefix.write(magic, 0, 4, 'latin1');
  prefix.writeUInt8(format, 4);
  prefix.writeUInt32LE(parts.reduce((crc, part) => crc32(part, crc), 0), 5);
  if (withLength) prefix.writeUInt32LE(parts.reduce((n, part) => n + part.byteLength, 0), 9);
  return Buffer.concat([prefix, ...parts]);
}

/** What is wrong with bytes that `decodeTagged` refused (the caller says it in its own words). */
export type TaggedProblem = { readonly problem: 'magic' } | { readonly problem: 'format'; readonly format: number } | { readonly problem: 'checksum' };

/** The format and body of tagged bytes without a length field, when the magic, a known format and the checksum match. */
export function decodeTagged(bytes: Uint8Array, magic: string, formats: readonly number[]): { format: number; body: Buffer } | TaggedProblem {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 9 || buf.toString('latin1', 0, 4) !== magic) return { problem: 'magic' };
  const format = buf.readUInt8(4);
  if (!formats.includes(format)) return { problem: 'format', format };
  const body = buf.subarray(9);
  if (crc32(body) !== buf.readUInt32LE(5)) return { problem: 'checksum' };
  return { format, body };
}
