/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for a schema's Parsing Canonical
 * Form ("Schema Fingerprints"). Single-object encoding puts it, little-endian, in every record's header.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & (-(fp & 1n) & MASK));
  return fp;
});

export function rabinFingerprint(data: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of data) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  return fp;
}
