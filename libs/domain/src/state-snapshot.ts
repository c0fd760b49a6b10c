import { crc32 } from 'node:zlib';
import { StreamState, STREAM_STATE_VERSION, type StreamStateOptions } from './stream-state.js';

/**
 * Wire format of a snapshot of one partition's StreamState (ingest's decider state, fanout's routing
 * state), as kept by a SnapshotStore:
 *
 *   "PSNP" | u8 format (1) | u32 LE crc32(body) | body
 *   body = JSON (utf8) {
 *     stateVersion,            STREAM_STATE_VERSION of the code that wrote it
 *     options,                 the StreamStateOptions it was folded with (windows differ between consumers)
 *     topic, partition,
 *     next,                    the log offset it covers: every event below it is folded in
 *     last: {offset, crc} | null,  the last event folded: its offset and the crc32 of its value bytes
 *     takenAt,                 ms since the epoch
 *     state                    the StreamState's maps; a Map is {"\u0000map": [[key, value], ...]}, a Set {"\u0000set": [...]}
 *   }
 *
 * A reader uses it only when every check passes (see `decodeStateSnapshot`) and the log still holds the
 * `last` event with the same crc; otherwise it folds the partition from the log, which is always right.
 */
export interface StateSnapshot {
  readonly state: StreamState;
  readonly topic: string;
  readonly partition: number;
  readonly next: number;
  readonly last: { readonly offset: number; readonly crc: number } | null;
  readonly takenAt: number;
}

/** Why a snapshot was not used; the caller logs it and folds from the log. */
export class SnapshotRejected extends Error {}

const MAGIC = Buffer.from('PSNP', 'latin1');
const FORMAT = 1;
const HEADER = 9;
const MAP = '\u0000map';
const SET = '\u0000set';

export function encodeStateSnapshot(snapshot: StateSnapshot): Buffer {
  const body = Buffer.from(
    JSON.stringify(
      {
        stateVersion: STREAM_STATE_VERSION,
        options: normalized(snapshot.state.options),
        topic: snapshot.topic,
        partition: snapshot.partition,
        next: snapshot.next,
        last: snapshot.last,
        takenAt: snapshot.takenAt,
        state: snapshot.state.data(),
      },
      (_key, value: unknown) => {
        if (value instanceof Map) return { [MAP]: [...value] };
        if (value instanceof Set) return { [SET]: [...value] };
        return value;
      },
    ),
    'utf8',
  );
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt8(FORMAT, 4);
  header.writeUInt32LE(crc32(body), 5);
  return Buffer.concat([header, body]);
}

/**
 * Decodes and checks a snapshot against what the reader expects: its format, checksum, state version,
 * options, topic and partition. Throws SnapshotRejected saying which check failed. (Whether the log still
 * agrees with `last` is the caller's check: it needs the log.)
 */
export function decodeStateSnapshot(bytes: Uint8Array, expected: { options: StreamStateOptions; topic: string; partition: number }): StateSnapshot {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER || !buf.subarray(0, 4).equals(MAGIC)) throw new SnapshotRejected('not a state snapshot (bad magic or truncated header)');
  if (buf.readUInt8(4) !== FORMAT) throw new SnapshotRejected(`snapshot format ${buf.readUInt8(4)} is not ${FORMAT}`);
  const body = buf.subarray(HEADER);
  if (crc32(body) !== buf.readUInt32LE(5)) throw new SnapshotRejected('checksum mismatch (truncated or corrupt)');
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8'), (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === MAP) return new Map((value as Record<string, Array<[unknown, unknown]>>)[MAP]);
        if (keys.length === 1 && keys[0] === SET) return new Set((value as Record<string, unknown[]>)[SET]);
      }
      return value;
    }) as Record<string, unknown>;
  } catch (error) {
    throw new SnapshotRejected(`body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (doc.stateVersion !== STREAM_STATE_VERSION) {
    throw new SnapshotRejected(`state version ${String(doc.stateVersion)} is not this code's ${STREAM_STATE_VERSION}`);
  }
  if (JSON.stringify(doc.options) !== JSON.stringify(normalized(expected.options))) {
    throw new SnapshotRejected(`taken with options ${JSON.stringify(doc.options)}, not ${JSON.stringify(normalized(expected.options))}`);
  }
  if (doc.topic !== expected.topic || doc.partition !== expected.partition) {
    throw new SnapshotRejected(`covers ${String(doc.topic)}/${String(doc.partition)}, not ${expected.topic}/${expected.partition}`);
  }
  const next = doc.next;
  const last = doc.last as StateSnapshot['last'];
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0) throw new SnapshotRejected('bad offset');
  if (last !== null && (typeof last?.offset !== 'number' || typeof last.crc !== 'number' || last.offset >= next)) throw new SnapshotRejected('bad last event');
  let state: StreamState;
  try {
    state = StreamState.fromData(doc.state as ReturnType<StreamState['data']>, expected.options);
  } catch (error) {
    throw new SnapshotRejected(`state does not have this code's shape: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { state, topic: expected.topic, partition: expected.partition, next, last, takenAt: Number(doc.takenAt) };
}

function normalized(options: StreamStateOptions): { dedupeWindow: number; dedupeWindowMs: number; recentMessages: number } {
  return { dedupeWindow: options.dedupeWindow, dedupeWindowMs: options.dedupeWindowMs ?? 0, recentMessages: options.recentMessages ?? 1000 };
}
