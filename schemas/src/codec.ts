import { readFileSync, readdirSync } from 'node:fs';
import avro from 'avsc';
import { rabinFingerprint } from './rabin.js';
import type { Command, ParleyEvent } from './types.js';

/**
 * Wire format (Avro single-object encoding, Avro spec 1.11 "Single-object encoding"):
 *
 *   0xC3 0x01 | 8 bytes: CRC-64-AVRO fingerprint of the writer schema, little-endian | Avro binary body
 *
 * A reader looks the fingerprint up among the current schema and every earlier version kept in
 * schemas/history/, and resolves an older writer's record into the current shape (new fields take their
 * defaults). An unknown fingerprint or a body that does not parse is a SchemaError, never a crash.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

const MAGIC_0 = 0xc3;
const MAGIC_1 = 0x01;
const HEADER = 10;

export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** Fingerprint of the current schema, as 16 hex digits. */
  readonly fingerprint: string;
}

const root = new URL('../', import.meta.url);

function loadType(file: URL): avro.Type {
  return avro.Type.forSchema(JSON.parse(readFileSync(file, 'utf8')) as avro.Schema, { wrapUnions: 'auto' });
}

export function fingerprintOf(type: avro.Type): bigint {
  return rabinFingerprint(Buffer.from(JSON.stringify(type.schema()), 'utf8'));
}

/** The schema files of one record kind: current first, then every kept earlier version. */
export function schemaVersions(name: 'command' | 'event'): { current: avro.Type; history: avro.Type[] } {
  const current = loadType(new URL(`${name}.avsc`, root));
  const historyDir = new URL('history/', root);
  const history = readdirSync(historyDir)
    .filter((f) => f.startsWith(`${name}.v`) && f.endsWith('.avsc'))
    .sort((a, b) => versionOf(a) - versionOf(b))
    .map((f) => loadType(new URL(f, historyDir)));
  return { current, history };
}

function versionOf(file: string): number {
  return Number.parseInt(/\.v(\d+)\.avsc$/.exec(file)?.[1] ?? '0', 10);
}

function createCodec<T extends { payload: { type: string } }>(name: 'command' | 'event'): Codec<T> {
  const { current, history } = schemaVersions(name);
  const namespace = `parley.${name}.`;
  const currentFp = fingerprintOf(current);
  const readers = new Map<bigint, (body: Buffer) => unknown>();
  readers.set(currentFp, (body) => current.fromBuffer(body));
  for (const writer of history) {
    const fp = fingerprintOf(writer);
    if (readers.has(fp)) continue;
    const resolver = current.createResolver(writer);
    readers.set(fp, (body) => current.fromBuffer(body, resolver));
  }
  const header = Buffer.alloc(HEADER);
  header[0] = MAGIC_0;
  header[1] = MAGIC_1;
  header.writeBigUInt64LE(currentFp, 2);

  return {
    fingerprint: currentFp.toString(16).padStart(16, '0'),
    encode(value: T): Uint8Array {
      const { type, ...fields } = value.payload;
      const record = { ...value, payload: { [namespace + type]: asBuffers(fields) } };
      const errors: string[] = [];
      if (!current.isValid(record, { errorHook: (path) => errors.push(path.join('.')) })) {
        throw new SchemaError(`Invalid ${name}: bad value at ${errors.join(', ') || 'record'}`);
      }
      return Buffer.concat([header, current.toBuffer(record)]);
    },
    decode(bytes: Uint8Array): T {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (buf.length < HEADER || buf[0] !== MAGIC_0 || buf[1] !== MAGIC_1) {
        throw new SchemaError(`Not an Avro single-object ${name} record`);
      }
      const reader = readers.get(buf.readBigUInt64LE(2));
      if (!reader) throw new SchemaError(`Unknown ${name} schema fingerprint ${buf.readBigUInt64LE(2).toString(16)}`);
      let decoded: Record<string, unknown>;
      try {
        decoded = reader(buf.subarray(HEADER)) as Record<string, unknown>;
      } catch (cause) {
        throw new SchemaError(`Malformed ${name} record: ${(cause as Error).message}`);
      }
      const wrapped = decoded['payload'] as Record<string, Record<string, unknown>>;
      const branch = Object.keys(wrapped)[0] ?? '';
      const plain = toPlain({ ...decoded, payload: wrapped[branch] }) as Record<string, Record<string, unknown>>;
      plain['payload'] = { type: branch.slice(namespace.length), ...plain['payload'] };
      return plain as unknown as T;
    },
  };
}

/**
 * avsc takes Avro `bytes` only as Buffer: a plain Uint8Array (e.g. from WebCrypto, or a decoded event that
 * crossed to a worker thread, where structured cloning makes Buffers plain) is wrapped, not copied.
 */
export function asBuffers(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(asBuffers);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = asBuffers((value as Record<string, unknown>)[key]);
  return out;
}

/** avsc decodes records as instances of generated classes; callers get plain objects. */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = toPlain((value as Record<string, unknown>)[key]);
  return out;
}

export const commandCodec: Codec<Command> = createCodec<Command>('command');
export const eventCodec: Codec<ParleyEvent> = createCodec<ParleyEvent>('event');
