import { decodeTagged, encodeTagged } from '@parley/core';
import { StreamState, STREAM_STATE_VERSION, type StreamStateOptions } from './stream-state.js';
import type { StatePaging } from './conversations.js';
import { stateFromJson, stateToJson } from './state-json.js';

/**
 * Wire format of a snapshot of one partition's StreamState (ingest's decider state, fanout's routing
 * state), as kept by a SnapshotStore:
 *
 *   "PSNP" | u8 format (2) | u32 LE crc32(body) | body
 *   body = u32 LE n | head: n bytes of JSON (utf8) | one frame per conversation, in the order of head.conversations
 *   head = {
 *     stateVersion,            STREAM_STATE_VERSION of the code that wrote it
 *     options,                 the StreamStateOptions it was folded with (windows differ between consumers)
 *     topic, partition,
 *     next,                    the log offset it covers: every event below it is folded in
 *     last: {offset, crc} | null,  the last event folded: its offset and the crc32 of its value bytes
 *     takenAt,                 ms since the epoch
 *     state,                   the StreamState's other maps: accounts, directBlocks, roomsByUser
 *     conversations            the conversation ids, sorted
 *   }
 *   frame = u32 LE n | n bytes of JSON (utf8): one conversation's state
 *
 * A Map is {"\u0000map": [[key, value], ...]}, a Set {"\u0000set": [...]}. Conversations are framed apart so
 * that a reader can page them out unparsed and parse each only when it is used. Format 1 (still read) had
 * the conversations inside head.state, and no frames.
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

const MAGIC = 'PSNP';
const FORMAT = 2;

export function encodeStateSnapshot(snapshot: StateSnapshot): Buffer {
  const { state } = snapshot;
  const ids = state.conversations.ids().sort();
  const head = Buffer.from(
    stateToJson({
      stateVersion: STREAM_STATE_VERSION,
      options: normalized(state.options),
      topic: snapshot.topic,
      partition: snapshot.partition,
      next: snapshot.next,
      last: snapshot.last,
      takenAt: snapshot.takenAt,
      state: { accounts: state.accounts, directBlocks: state.directBlocks, roomsByUser: state.roomsByUser },
      conversations: ids,
    }),
    'utf8',
  );
  const parts: Buffer[] = [u32(head.length), head];
  for (const id of ids) {
    const frame = state.conversations.encoded(id)!;
    parts.push(u32(frame.length), frame);
  }
  return encodeTagged(MAGIC, FORMAT, parts);
}

/**
 * Decodes and checks a snapshot against what the reader expects: its format, checksum, state version,
 * options, topic and partition. Throws SnapshotRejected saying which check failed. (Whether the log still
 * agrees with `last` is the caller's check: it needs the log.) With `paging`, the conversations go to a
 * page file unparsed (each is checked when first used); without, each is parsed and checked now.
 */
export function decodeStateSnapshot(bytes: Uint8Array, expected: { options: StreamStateOptions; topic: string; partition: number; paging?: StatePaging }): StateSnapshot {
  const tagged = decodeTagged(bytes, MAGIC, [FORMAT, 1]);
  if ('problem' in tagged) {
    if (tagged.problem === 'magic') throw new SnapshotRejected('not a state snapshot (bad magic or truncated header)');
    if (tagged.problem === 'format') throw new SnapshotRejected(`snapshot format ${tagged.format} is not ${FORMAT} (nor 1)`);
    throw new SnapshotRejected('checksum mismatch (truncated or corrupt)');
  }
  const { format, body } = tagged;
  let doc: Record<string, unknown>;
  let frames = 0;
  try {
    if (format === 1) doc = stateFromJson(body.toString('utf8')) as Record<string, unknown>;
    else {
      if (body.length < 4 || body.readUInt32LE(0) > body.length - 4) throw new SnapshotRejected('head runs past the end');
      frames = 4 + body.readUInt32LE(0);
      doc = stateFromJson(body.subarray(4, frames).toString('utf8')) as Record<string, unknown>;
    }
  } catch (error) {
    if (error instanceof SnapshotRejected) throw error;
    throw new SnapshotRejected(`body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (doc === null || typeof doc !== 'object') throw new SnapshotRejected('body is not a JSON object');
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
  let state: StreamState | undefined;
  try {
    const data = doc.state as Parameters<typeof StreamState.fromData>[0];
    if (data === null || typeof data !== 'object') throw new Error('no state');
    if (format === 2 && data.conversations !== undefined) throw new Error('conversations belong in frames');
    state = StreamState.fromData(data, expected.options, expected.paging);
    if (format === 2) {
      const ids = doc.conversations;
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new Error('conversations is not a list of ids');
      let at = frames;
      for (const id of ids as string[]) {
        if (at + 4 > body.length || body.readUInt32LE(at) > body.length - at - 4) throw new Error(`conversation ${id}: frame runs past the end`);
        const length = body.readUInt32LE(at);
        state.conversations.putEncoded(id, body.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
      if (at !== body.length) throw new Error(`${body.length - at} bytes after the last conversation`);
    }
  } catch (error) {
    state?.close();
    throw new SnapshotRejected(`state does not have this code's shape: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { state, topic: expected.topic, partition: expected.partition, next, last, takenAt: Number(doc.takenAt) };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function normalized(options: StreamStateOptions): { dedupeWindow: number; dedupeWindowMs: number; recentMessages: number } {
  return { dedupeWindow: options.dedupeWindow, dedupeWindowMs: options.dedupeWindowMs ?? 0, recentMessages: options.recentMessages ?? 1000 };
}
