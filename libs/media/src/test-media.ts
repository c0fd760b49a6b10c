// Real files built byte by byte for the tests (here and in apps/query): a WAV and minimal MP4s.

/** A mono 16-bit PCM WAV of `ms` milliseconds of a quiet tone: RIFF header, `fmt ` chunk, `data` chunk. */
export function wav(ms: number, sampleRate = 8000): Uint8Array {
  const samples = Math.round((sampleRate * ms) / 1000);
  const data = samples * 2;
  const out = new Uint8Array(44 + data);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => out.set(new TextEncoder().encode(text), at);
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + data, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // channels
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, data, true);
  for (let i = 0; i < samples; i++) view.setInt16(44 + i * 2, Math.round(1000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), true);
  return out;
}

/** An ISO BMFF box: size:u32, type, payload (size 1 + largesize:u64 when `large`). */
export function box(type: string, payload: Uint8Array, large = false): Uint8Array {
  const header = large ? 16 : 8;
  const out = new Uint8Array(header + payload.byteLength);
  const view = new DataView(out.buffer);
  if (large) {
    view.setUint32(0, 1);
    view.setBigUint64(8, BigInt(out.byteLength));
  } else view.setUint32(0, out.byteLength);
  out.set(new TextEncoder().encode(type), 4);
  out.set(payload, header);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export interface Mp4Options {
  readonly durationMs: number;
  readonly width: number;
  readonly height: number;
  /** A quarter turn in tkhd's matrix (a phone held upright). */
  readonly rotated?: boolean;
  /** Where moov goes: before mdat (fast start) or after it. */
  readonly moovLast?: boolean;
  /** Bytes of mdat (default 16). */
  readonly mdatBytes?: number;
  /** mdat with a 64-bit largesize. */
  readonly largeMdat?: boolean;
}

/**
 * A minimal MP4 of one video track: ftyp (isom), moov (mvhd with timescale 1000, trak with tkhd and
 * mdia/hdlr 'vide'), mdat of filler. Enough for its type, duration and size to be read, not to be played.
 */
export function mp4(o: Mp4Options): Uint8Array {
  const ftyp = box('ftyp', concat(new TextEncoder().encode('isom'), new Uint8Array([0, 0, 2, 0]), new TextEncoder().encode('isomiso2mp41')));
  const mvhd = new Uint8Array(100);
  new DataView(mvhd.buffer).setUint32(12, 1000); // timescale
  new DataView(mvhd.buffer).setUint32(16, o.durationMs);
  const tkhd = new Uint8Array(84);
  const t = new DataView(tkhd.buffer);
  t.setUint32(0, 0x000003); // version 0, flags enabled|in movie
  t.setUint32(12, 1); // track id
  t.setUint32(20, o.durationMs);
  // matrix at 40: identity [1 0 0; 0 1 0; 0 0 1] or a quarter turn [0 1 0; -1 0 0; 0 0 1], 16.16 and 2.30
  const m = o.rotated ? [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000] : [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];
  m.forEach((v, i) => t.setInt32(40 + i * 4, v));
  t.setUint32(76, o.width * 65536);
  t.setUint32(80, o.height * 65536);
  const mdhd = new Uint8Array(24);
  new DataView(mdhd.buffer).setUint32(12, 1000);
  new DataView(mdhd.buffer).setUint32(16, o.durationMs);
  const hdlr = concat(new Uint8Array(8), new TextEncoder().encode('vide'), new Uint8Array(12), new TextEncoder().encode('Video\0'));
  const moov = box('moov', concat(box('mvhd', mvhd), box('trak', concat(box('tkhd', tkhd), box('mdia', concat(box('mdhd', mdhd), box('hdlr', hdlr)))))));
  const mdat = box('mdat', new Uint8Array(o.mdatBytes ?? 16).fill(7), o.largeMdat);
  return o.moovLast ? concat(ftyp, mdat, moov) : concat(ftyp, moov, mdat);
}

/** `bytes` as a stream of chunks of `size` bytes. */
export async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.slice(at, at + size);
}
