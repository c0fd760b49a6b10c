import { ParleyError } from '@parley/core';

/**
 * The bytes of `body` in one buffer, refusing (ParleyError 'payload_too_large') as soon as more than
 * `maxBytes` arrive: the reader stops at once rather than after the fact.
 */
export async function collect(body: Uint8Array | AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) throw tooLarge(maxBytes);
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(maxBytes: number): ParleyError {
  return new ParleyError('payload_too_large', `The file is larger than ${maxBytes} bytes`, { details: { limit: maxBytes } });
}
