import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ParleyEvent } from '@parley/schemas';
import { StreamState, STREAM_STATE_VERSION } from './stream-state.js';
import { SnapshotRejected, decodeStateSnapshot, encodeStateSnapshot } from './state-snapshot.js';

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
  assert.equal(digest, '8168071c8cf1c0f9');
});

function rejects(bytes: Uint8Array, why: RegExp, expected: Partial<{ options: typeof options; partition: number }> = {}): void {
  assert.throws(() => decodeStateSnapshot(bytes, { options, topic: 'parley.events', partition: 3, ...expected }), (e: unknown) => e instanceof SnapshotRejected && why.test(e.message));
}

/** The snapshot with its JSON body changed by `edit`, and a valid checksum. */
function reencoded(edit: (doc: Record<string, unknown>) => void): Buffer {
  const bytes = encodeStateSnapshot({ state: folded(), ...meta });
  const doc = JSON.parse(bytes.subarray(9).toString('utf8')) as Record<string, unknown>;
  edit(doc);
  const body = Buffer.from(JSON.stringify(doc));
  const header = Buffer.from(bytes.subarray(0, 9));
  header.writeUInt32LE(crc32(body), 5);
  return Buffer.concat([header, body]);
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
  rejects(reencoded((d) => ((d.state as Record<string, unknown>).conversations = [])), /shape/);
});
