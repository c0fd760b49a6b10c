import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ParleyEvent } from '@parley/schemas';
import { StreamState, STREAM_STATE_VERSION } from './stream-state.js';
import { SnapshotRejected, decodeStateSnapshot, encodeStateSnapshot } from './state-snapshot.js';
import { stateToJson } from './state-json.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const a = { userId: 'ua', username: 'a' };
const b = { userId: 'ub', username: 'b' };
let n = 0;
const ev = (stream: string, seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e${++n}`, stream, seq, ts: 1_700_000_000_000 + n, commandId: `c${n}`, actor: a, origin: null, payload });
const history: ParleyEvent[] = [
  ev('u.a', 0, { type: 'UserRegistered', userId: 'ua', username: 'a', passwordHash: 'h' }),
  ev('r.x', 0, { type: 'ConversationCreated', kind: 'room', name: 'x', createdBy: 'ua', members: [a] }),
  ev('r.x', 0, { type: 'MembersJoined', members: [b] }),
  ev('r.x', 1, { type: 'MessageSent', id: 'm1', senderId: 'ub', senderName: 'b', clientMsgId: 'k1', kind: 'text', content: 'hi' }),
  ev('r.x', 1, { type: 'MessagePinned', target: 1, pinned: true }),
  ev('g.y', 0, { type: 'ConversationCreated', kind: 'group', name: 'y', createdBy: 'ua', members: [a, b] }),
  ev('g.y', 1, { type: 'MessageSent', id: 'm2', senderId: 'ua', senderName: 'a', clientMsgId: 'k2', kind: 'text', content: 'yo' }),
  ev('g.y', 1, { type: 'ReadMarked', userId: 'ub', readSeq: 1 }),
  ev('d.ua.ub', 0, { type: 'DirectBlockChanged', by: 'ua', other: 'ub', blocked: true }),
];
const options = { dedupeWindow: 10, recentMessages: 5 };
const folded = (events: readonly ParleyEvent[] = history): StreamState => {
  const s = new StreamState(options);
  for (const e of events) s.apply(e);
  return s;
};
const meta = { topic: 'parley.events', partition: 3, next: 9, last: { offset: 8, crc: 1234 }, takenAt: 1 };
/** The data as comparable plain values (Maps and Sets spelled out, in order). */
const plain = (s: StreamState): string => JSON.stringify(s.data(), (_k, v: unknown) => (v instanceof Map ? ['Map', ...v] : v instanceof Set ? ['Set', ...v] : v));

test('a snapshot decodes to the same state, which folds on like the original', () => {
  const bytes = encodeStateSnapshot({ state: folded(history.slice(0, 6)), ...meta });
  const back = decodeStateSnapshot(bytes, { options, topic: 'parley.events', partition: 3 });
  assert.equal(plain(back.state), plain(folded(history.slice(0, 6))));
  assert.deepEqual([back.next, back.last], [9, { offset: 8, crc: 1234 }]);
  for (const e of history.slice(6)) back.state.apply(e);
  assert.equal(plain(back.state), plain(folded()));
  assert.ok(back.state.conversations.get('r.x')!.members instanceof Map);
  assert.ok(back.state.roomsByUser.get('ub') instanceof Set);
});

test('a snapshot of a known history has this digest (if this fails, bump STREAM_STATE_VERSION and update it)', () => {
  assert.equal(STREAM_STATE_VERSION, 2);
  const digest = createHash('sha256').update(plain(folded())).digest('hex').slice(0, 16);
  // (0b3d...: since data() lists conversations by id, not in the order they were made; the data is unchanged)
  assert.equal(digest, '0b3d96331367df35');
});

function rejects(bytes: Uint8Array, why: RegExp, expected: Partial<{ options: typeof options; partition: number }> = {}): void {
  assert.throws(() => decodeStateSnapshot(bytes, { options, topic: 'parley.events', partition: 3, ...expected }), (e: unknown) => e instanceof SnapshotRejected && why.test(e.message));
}

/** The snapshot with its JSON head changed by `edit` (the frames as they were, or `frames`), and a valid checksum. */
function reencoded(edit: (doc: Record<string, unknown>) => void, frames?: Buffer): Buffer {
  const bytes = encodeStateSnapshot({ state: folded(), ...meta });
  const headLength = bytes.readUInt32LE(9);
  const doc = JSON.parse(bytes.subarray(13, 13 + headLength).toString('utf8')) as Record<string, unknown>;
  edit(doc);
  const head = Buffer.from(JSON.stringify(doc));
  return withBody(bytes, Buffer.concat([u32(head.length), head, frames ?? bytes.subarray(13 + headLength)]));
}

/** `bytes`' header (magic, format) over `body`, with the checksum of `body`. */
function withBody(bytes: Buffer, body: Buffer): Buffer {
  const header = Buffer.from(bytes.subarray(0, 9));
  header.writeUInt32LE(crc32(body), 5);
  return Buffer.concat([header, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

test('a truncated, corrupt, foreign or mismatched snapshot is rejected, saying why', () => {
  const good = encodeStateSnapshot({ state: folded(), ...meta });
  rejects(good.subarray(0, good.length - 10), /checksum/);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3]! ^= 0x40;
  rejects(flipped, /checksum/);
  rejects(good.subarray(0, 5), /magic|truncated/);
  rejects(Buffer.from('not a snapshot at all'), /magic/);
  const format = Buffer.from(good);
  format[4] = 9;
  rejects(format, /format 9/);
  rejects(reencoded((d) => (d.stateVersion = STREAM_STATE_VERSION + 1)), new RegExp(`state version ${STREAM_STATE_VERSION + 1}`));
  rejects(good, /options/, { options: { dedupeWindow: 0, recentMessages: 0 } });
  rejects(good, /covers parley.events\/3/, { partition: 4 });
  rejects(reencoded((d) => (d.next = -1)), /bad offset/);
  rejects(reencoded((d) => (d.last = { offset: 9, crc: 1 })), /bad last event/);
  rejects(reencoded((d) => ((d.state as Record<string, unknown>).conversations = [])), /shape.*frames/);
  rejects(reencoded((d) => (d.conversations = [1, 2])), /shape.*list of ids/);
  rejects(reencoded((d) => (d.conversations = ['g.y', 'r.x', 'z.z'])), /shape.*z\.z: frame runs past the end/);
  rejects(reencoded((d) => (d.conversations = ['g.y'])), /shape.*bytes after the last conversation/);
  rejects(reencoded((d) => (d.conversations = ['r.x', 'g.y'])), /shape.*conversation r\.x: not its state/);
  rejects(reencoded(() => undefined, Buffer.concat([u32(2), Buffer.from('{}'), u32(4), Buffer.from('nope')])), /shape.*g\.y: not its state|not JSON/);
  const headRunsPast = Buffer.from(good);
  headRunsPast.writeUInt32LE(good.length, 9);
  rejects(withBody(good, headRunsPast.subarray(9)), /head runs past the end/);
});

test('a snapshot of format 1 (conversations inside the JSON body) is still read', () => {
  const state = folded();
  const doc = {
    stateVersion: STREAM_STATE_VERSION,
    options: { dedupeWindow: 10, dedupeWindowMs: 0, recentMessages: 5 },
    ...meta,
    state: { conversations: new Map([...state.conversations.ids()].map((id) => [id, state.conversations.get(id)])), accounts: state.accounts, directBlocks: state.directBlocks, roomsByUser: state.roomsByUser },
  };
  const body = Buffer.from(stateToJson(doc));
  const header = Buffer.concat([Buffer.from('PSNP'), Buffer.from([1]), u32(crc32(body))]);
  const back = decodeStateSnapshot(Buffer.concat([header, body]), { options, topic: 'parley.events', partition: 3 });
  assert.equal(plain(back.state), plain(folded()));
  rejects(Buffer.concat([header.subarray(0, 5), u32(crc32(Buffer.from('[]'))), Buffer.from('[]')]), /state version undefined/);
});

test('with paging, a restored snapshot keeps its conversations in the page file until each is used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-pages-'));
  try {
    const bytes = encodeStateSnapshot({ state: folded(history.slice(0, 6)), ...meta });
    const back = decodeStateSnapshot(bytes, { options, topic: 'parley.events', partition: 3, paging: { dir, idleMs: 60_000 } });
    assert.deepEqual([back.state.conversations.size, back.state.conversations.inMemory], [2, 0]);
    assert.deepEqual(readdirSync(dir), [], 'the page file is unlinked as soon as it is opened');
    // Encoded again while paged out, it is the same snapshot, byte for byte.
    assert.ok(encodeStateSnapshot({ state: back.state, ...meta }).equals(bytes));
    assert.equal(plain(back.state), plain(folded(history.slice(0, 6))), 'copies read from the pages are the same state');
    assert.equal(back.state.conversations.inMemory, 0, 'reading copies pages nothing in');
    for (const e of history.slice(6)) back.state.apply(e);
    assert.equal(back.state.conversations.inMemory, 1, 'the events named one conversation: it alone is paged in');
    assert.equal(plain(back.state), plain(folded()));
    assert.equal(back.state.conversations.get('r.x')?.members.get('ub'), 'b');
    assert.equal(back.state.conversations.inMemory, 2);
    back.state.close();
    const unpaged = decodeStateSnapshot(bytes, { options, topic: 'parley.events', partition: 3, paging: { dir, idleMs: 0 } });
    assert.equal(unpaged.state.conversations.inMemory, 2, 'PARLEY_STATE_IDLE_SECONDS=0: everything stays in memory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
