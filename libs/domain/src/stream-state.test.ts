import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParleyEvent } from '@parley/schemas';
import { StreamState } from './stream-state.js';

const a = { userId: 'ua', username: 'a' };
const b = { userId: 'ub', username: 'b' };
let n = 0;
const ev = (stream: string, seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e${++n}`, stream, seq, ts: n, commandId: `c${n}`, actor: a, origin: null, payload });
const log: ParleyEvent[] = [
  ev('r.x', 0, { type: 'ConversationCreated', kind: 'room', name: 'x', createdBy: 'ua', members: [a] }),
  ev('r.x', 0, { type: 'MembersJoined', members: [b] }),
  ev('r.x', 1, { type: 'MessageSent', id: 'm1', senderId: 'ub', senderName: 'b', clientMsgId: 'k1', kind: 'text', content: 'hi' }),
  ev('r.x', 1, { type: 'MemberLeft', userId: 'ub', username: 'b' }),
  ev('r.x', 2, { type: 'MessageSent', id: 'm2', senderId: 'ua', senderName: 'a', clientMsgId: 'k2', kind: 'text', content: 'yo' }),
  ev('u.a', 0, { type: 'UserRegistered', userId: 'ua', username: 'a', passwordHash: 'h' }),
];
const snapshot = (s: StreamState) => {
  const r = s.conversations.get('r.x')!;
  return { members: [...r.members], lastSeq: r.lastSeq, sent: [...r.sent.keys()], rooms: [...(s.roomsByUser.get('ua') ?? [])], bRooms: [...(s.roomsByUser.get('ub') ?? [])], accounts: JSON.stringify([...s.accounts]) };
};

test('folding events gives members, last seq, sent ids and room index', () => {
  const s = new StreamState({ dedupeWindow: 10 });
  for (const e of log) s.apply(e);
  assert.deepEqual(snapshot(s), { members: [['ua', 'a']], lastSeq: 2, sent: ['ub\u0000k1', 'ua\u0000k2'], rooms: ['r.x'], bRooms: [], accounts: JSON.stringify([['u.a', { login: { loginId: 'ua', username: 'a', deleted: false, hasEmail: false }, profile: { profileId: 'ua', loginId: 'ua', handle: 'a', displayName: 'a', deleted: false, directFrom: 'everyone', friends: {}, incoming: {}, blocked: {}, recorded: [] } }]]) });
});

test('re-applying a suffix already applied leaves the same state (consumers may fold an event twice)', () => {
  const once = new StreamState({ dedupeWindow: 10 });
  for (const e of log) once.apply(e);
  for (let from = 0; from < log.length; from++) {
    const twice = new StreamState({ dedupeWindow: 10 });
    for (const e of log) twice.apply(e);
    for (const e of log.slice(from)) twice.apply(e);
    assert.deepEqual(snapshot(twice), snapshot(once), `suffix from ${from}`);
  }
});

test('the dedupe memory keeps the newest ids by count and by time, and remembers the highest seq it forgot', () => {
  const s = new StreamState({ dedupeWindow: 3, dedupeWindowMs: 1000 });
  s.apply(ev('g.t', 0, { type: 'ConversationCreated', kind: 'group', name: 't', createdBy: 'ua', members: [a] }));
  const sent = (seq: number, ts: number): ParleyEvent => ({ ...ev('g.t', seq, { type: 'MessageSent', id: `m${seq}`, senderId: 'ua', senderName: 'a', clientMsgId: `k${seq}`, kind: 'text', content: '' }), ts });
  const c = () => s.conversations.get('g.t')!;
  for (const [seq, ts] of [[1, 0], [2, 100], [3, 200]] as const) s.apply(sent(seq, ts));
  assert.deepEqual([...c().sent.values()].map((v) => v.seq), [1, 2, 3]);
  s.apply(sent(4, 300));
  assert.deepEqual([[...c().sent.values()].map((v) => v.seq), c().dedupeHorizon], [[2, 3, 4], 1], 'by count');
  s.apply(sent(5, 1250));
  assert.deepEqual([[...c().sent.values()].map((v) => v.seq), c().dedupeHorizon], [[4, 5], 3], 'by time: older than 1 s before the newest');
  s.apply(sent(2, 100));
  assert.deepEqual([...c().sent.values()].map((v) => v.seq), [4, 5], 'an event folded again after it was forgotten is not remembered again');
});
