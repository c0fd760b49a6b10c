/**
 * Raw TCP framing (docs/PROTOCOL.md "TCP"). The frames are the WebSocket protocol's JSON frames; on TCP
 * each one travels as
 *
 *   +----------------------------+-------------------------------------+
 *   | length: uint32, big-endian | payload: `length` bytes, UTF-8 JSON |
 *   +----------------------------+-------------------------------------+
 *
 * `length` counts payload bytes only (not the 4 prefix bytes) and is 1..maxFrameBytes. Frames follow each
 * other with nothing between them. Example: `{"type":"ping"}` is 15 bytes, so on the wire it is
 * `00 00 00 0f 7b 22 74 79 70 65 22 3a 22 70 69 6e 67 22 7d`.
 *
 * What only TCP needs (the WebSocket has it in its own protocol):
 * - The server ends a connection with a final `close` frame `{"type":"close","code":4003,"reason":"..."}`
 *   (the WebSocket close codes, @parley/protocol CloseCodes) and then closes the socket.
 * - Heartbeats: the server sends `{"type":"heartbeat"}` to a connection it has not heard from for the
 *   heartbeat interval; the client answers with any frame (`{"type":"ping"}` is the usual one).
 */

/** Bytes of the length prefix. */
export const TCP_PREFIX_BYTES = 4;

/** Encodes one frame (its JSON text) as prefix + payload. */
export function encodeTcpFrame(text: string): Uint8Array {
  // One allocation, encoded in place: a UTF-16 unit is at most 3 UTF-8 bytes.
  const out = new Uint8Array(TCP_PREFIX_BYTES + text.length * 3);
  const { written } = utf8.encodeInto(text, out.subarray(TCP_PREFIX_BYTES));
  out[0] = written >>> 24;
  out[1] = (written >>> 16) & 0xff;
  out[2] = (written >>> 8) & 0xff;
  out[3] = written & 0xff;
  return out.subarray(0, TCP_PREFIX_BYTES + written);
}
const utf8 = new TextEncoder();

export type TcpDecodeError = { readonly kind: 'empty_frame' } | { readonly kind: 'frame_too_large'; readonly length: number };

/**
 * Splits a byte stream into frames, whatever the chunking: a read may hold part of a prefix, several frames,
 * or a frame split anywhere. Holds at most one incomplete frame (bounded by maxFrameBytes + 4).
 */
export class TcpFrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Set once the stream broke the framing; nothing more is decoded after it. */
  private failed: TcpDecodeError | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held that do not yet make a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds bytes read from the socket; returns the payloads of every frame now complete, in order, and the
   * framing error if the stream broke it (a zero length, or a length above the maximum: the connection
   * cannot be resynchronised after that and must be closed).
   */
  push(bytes: Uint8Array): { frames: Uint8Array[]; error?: TcpDecodeError } {
    if (this.failed) return { frames: [], error: this.failed };
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.buffered < TCP_PREFIX_BYTES) break;
      const p = this.peek(TCP_PREFIX_BYTES);
      const length = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
      if (length === 0) return this.fail({ kind: 'empty_frame' }, frames);
      if (length > this.maxFrameBytes) return this.fail({ kind: 'frame_too_large', length }, frames);
      if (this.buffered < TCP_PREFIX_BYTES + length) break;
      const whole = this.take(TCP_PREFIX_BYTES + length);
      frames.push(whole.subarray(TCP_PREFIX_BYTES));
    }
    return { frames };
  }

  private fail(error: TcpDecodeError, frames: Uint8Array[]): { frames: Uint8Array[]; error: TcpDecodeError } {
    this.failed = error;
    this.chunks = [];
    this.buffered = 0;
    return { frames, error };
  }

  /** The first n buffered bytes, copied into one array (n <= buffered). */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    // Uint8Array's slice copies (a Buffer's would be a view into its pool).
    if (first.length >= n) return Uint8Array.prototype.slice.call(first, 0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const chunk of this.chunks) {
      const part = chunk.subarray(0, Math.min(chunk.length, n - at));
      out.set(part, at);
      at += part.length;
      if (at === n) break;
    }
    return out;
  }

  /** Removes and returns the first n buffered bytes (n <= buffered). */
  private take(n: number): Uint8Array {
    const out = this.peek(n);
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return out;
  }
}
