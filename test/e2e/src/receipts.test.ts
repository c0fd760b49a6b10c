/**
 * Read receipts, typing and presence on a started single node, end to end over raw WebSockets and HTTP
 * (docs/PROTOCOL.md "Read receipts", "Typing", "Presence"; docs/openapi.yaml tag "receipts"): delivered
 * and read marks across devices in direct and group conversations, the coalescing of reads, the privacy
 * settings, typing to members only and its end, and contacts going online and offline.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadersResponse, ReceiptsResponse } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { befriend, type TestUser } from './social-helpers.js';
import type { Frame, RawSocket } from './raw-socket.js';
import { harness } from './harness.js';

/** The flush interval of this server's gateway: reads written together within it. */
const FLUSH_MS = 300;
/** Long enough for anything the server would send to have arrived. */
const QUIET_MS = FLUSH_MS * 3;

describe('read receipts, typing and presence on a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer({ env: { PARLEY_RECEIPT_FLUSH_MS: String(FLUSH_MS) } });
  });
  after(async () => {
    for (const close of closers) close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const { user, socket, api, expect, createGroup, sent } = harness(() => server, closers);
  const openDirect = async (a: TestUser, b: TestUser): Promise<string> =>
    ((await expect(a, 'POST', '/v1/conversations/direct', { username: b.username }, 200, 'open direct')) as { conversation: { id: string } }).conversation.id;
  /** The marks of `who` in the receipts frames `s` got for conversation `id`. */
  const marksOf = (s: RawSocket, id: string, who: TestUser): Array<{ readSeq: number; deliveredSeq: number }> =>
    s.frames
      .filter((f) => f['type'] === 'receipts' && f['conversation'] === id)
      .flatMap((f) => f['marks'] as Array<{ user: { id: string }; readSeq: number; deliveredSeq: number }>)
      .filter((m) => m.user.id === who.id)
      .map(({ readSeq, deliveredSeq }) => ({ readSeq, deliveredSeq }));
  const receipt = (s: RawSocket, id: string, who: TestUser, want: (m: { readSeq: number; deliveredSeq: number }) => boolean): Promise<Frame> =>
    s.next((f) => f['type'] === 'receipts' && f['conversation'] === id && (f['marks'] as Array<{ user: { id: string }; readSeq: number; deliveredSeq: number }>).some((m) => m.user.id === who.id && want(m)));
  const readers = async (u: TestUser, id: string, seq: number, query = ''): Promise<ReadersResponse> =>
    (await expect(u, 'GET', `/v1/conversations/${id}/messages/${seq}/readers${query}`, undefined, 200, 'readers')) as ReadersResponse;
  const setPrivacy = (u: TestUser, body: Record<string, unknown>) => expect(u, 'PATCH', `/v1/profiles/${u.id}`, body, 200, 'privacy');

  it('direct: delivered when a device of the recipient got it, read when any device reads; marks move forward, shared by every device', async () => {
    const [alice, bob] = await Promise.all([user('rcal'), user('rcbob')]);
    const id = await openDirect(alice, bob);
    const [a1, a2, b1, b2] = await Promise.all([socket(alice), socket(alice), socket(bob), socket(bob)]);
    for (const text of ['one', 'two', 'three']) await sent(a1, id, text);
    // Bob's connections got all three: delivered, not read, on both of alice's devices.
    await receipt(a1, id, bob, (m) => m.deliveredSeq === 3 && m.readSeq === 0);
    await receipt(a2, id, bob, (m) => m.deliveredSeq === 3 && m.readSeq === 0);
    assert.deepEqual(await expect(bob, 'GET', '/v1/unread', undefined, 200, 'unread totals'), { conversations: 1, messages: 3, mentions: 0 });

    const before = marksOf(a1, id, bob).length;
    b1.send({ type: 'read', conversation: id, seq: 1 });
    b1.send({ type: 'read', conversation: id, seq: 2 });
    await receipt(a1, id, bob, (m) => m.readSeq === 2);
    await b2.next((f) => f['type'] === 'conversation' && f['event'] === 'read' && f['conversation'] === id && f['readSeq'] === 2);
    await sleep(QUIET_MS);
    assert.deepEqual(marksOf(a1, id, bob).slice(before), [{ readSeq: 2, deliveredSeq: 3 }], 'two reads in one flush are one mark');

    // Back, or again: nothing moves, nothing is sent. Past the last: clamped.
    b2.send({ type: 'read', conversation: id, seq: 1 });
    await sleep(QUIET_MS);
    assert.equal(marksOf(a1, id, bob).length, before + 1);
    b2.send({ type: 'read', conversation: id, seq: 99 });
    await receipt(a1, id, bob, (m) => m.readSeq === 3 && m.deliveredSeq === 3);

    const marks = (await expect(alice, 'GET', `/v1/conversations/${id}/receipts`, undefined, 200, 'receipts')) as ReceiptsResponse;
    assert.equal(marks.shared, true);
    assert.deepEqual(marks.marks.find((m) => m.user.id === bob.id), { user: { id: bob.id, username: bob.username }, readSeq: 3, deliveredSeq: 3 });
    assert.equal(marks.marks.find((m) => m.user.id === alice.id)?.readSeq, 3, 'a sender has read their own messages');
    // Bob's unread count follows his reads, from either device.
    const list = (await expect(bob, 'GET', '/v1/conversations', undefined, 200, 'list')) as { conversations: Array<{ id: string; unread: number }> };
    assert.equal(list.conversations.find((c) => c.id === id)?.unread, 0);
    assert.deepEqual(await expect(bob, 'GET', '/v1/unread', undefined, 200, 'unread totals'), { conversations: 0, messages: 0, mentions: 0 }, 'caught up on another device');
    assert.deepEqual(await expect(alice, 'GET', '/v1/unread', undefined, 200, 'unread totals'), { conversations: 0, messages: 0, mentions: 0 }, "a sender's own messages are read");
  });

  it('group: read by N and who has and has not read, paged; a reader never sees themselves as unread', async () => {
    const [alice, bob, carol] = await Promise.all([user('rgal'), user('rgbob'), user('rgcar')]);
    const id = await createGroup(alice, [bob, carol]);
    const [a, b, c] = await Promise.all([socket(alice), socket(bob), socket(carol)]);
    const seq = await sent(a, id, 'read me');
    const unreadBefore = await readers(alice, id, seq, '?state=unread');
    assert.deepEqual([unreadBefore.count, unreadBefore.users.map((u) => u.id).sort()], [2, [bob.id, carol.id].sort()]);
    b.send({ type: 'read', conversation: id, seq });
    await receipt(a, id, bob, (m) => m.readSeq === seq && m.deliveredSeq === seq);
    await receipt(c, id, bob, (m) => m.readSeq === seq);
    const read = await readers(alice, id, seq);
    assert.deepEqual([read.count, read.users], [1, [{ id: bob.id, username: bob.username }]]);
    c.send({ type: 'read', conversation: id, seq });
    await receipt(a, id, carol, (m) => m.readSeq === seq);
    const first = await readers(alice, id, seq, '?state=read&limit=1');
    assert.equal(first.count, 2);
    assert.equal(first.users.length, 1);
    assert.ok(first.next, 'a second page');
    const second = await readers(alice, id, seq, `?state=read&limit=1&cursor=${first.next}`);
    assert.deepEqual([...first.users, ...second.users].map((u) => u.id).sort(), [bob.id, carol.id].sort());
    assert.equal(second.next, undefined);
    assert.deepEqual((await readers(alice, id, seq, '?state=unread')).count, 0);
    // The sender is in neither list; another member asks about the same message and gets the same lists.
    assert.deepEqual((await readers(bob, id, seq)).users.map((u) => u.id).sort(), [bob.id, carol.id].sort());
  });

  it('privacy: a member who turns read receipts off is seen by no one and sees no one; their own devices still sync', async () => {
    const [alice, bob, carol] = await Promise.all([user('rpal'), user('rpbob'), user('rpcar')]);
    const id = await createGroup(alice, [bob, carol]);
    await setPrivacy(carol, { readReceipts: false });
    const [a, b, c1, c2] = await Promise.all([socket(alice), socket(bob), socket(carol), socket(carol)]);
    const seq = await sent(a, id, 'who reads this');
    c1.send({ type: 'read', conversation: id, seq });
    await c2.next((f) => f['type'] === 'conversation' && f['event'] === 'read' && f['conversation'] === id && f['readSeq'] === seq);
    b.send({ type: 'read', conversation: id, seq });
    await receipt(a, id, bob, (m) => m.readSeq === seq);
    await sleep(QUIET_MS);
    assert.deepEqual(marksOf(a, id, carol), [], "no one sees carol's reads");
    assert.deepEqual(c1.frames.filter((f) => f['type'] === 'receipts'), [], 'carol sees no one else\'s');
    const seen = (await expect(alice, 'GET', `/v1/conversations/${id}/receipts`, undefined, 200, 'receipts')) as ReceiptsResponse;
    assert.deepEqual(seen.marks.map((m) => m.user.id).sort(), [alice.id, bob.id].sort());
    assert.deepEqual(await expect(carol, 'GET', `/v1/conversations/${id}/receipts`, undefined, 200, 'receipts'), { shared: false, marks: [] });
    assert.deepEqual(await readers(carol, id, seq), { count: 0, users: [] });
    assert.deepEqual((await readers(alice, id, seq)).users.map((u) => u.id), [bob.id]);
    assert.deepEqual((await readers(alice, id, seq, '?state=unread')).users, [], 'carol is in neither list');
    // The members list shows a read mark only where both share them (one's own always).
    const marksIn = async (u: TestUser) =>
      Object.fromEntries(((await expect(u, 'GET', `/v1/conversations/${id}/members`, undefined, 200, 'members')) as { members: Array<{ id: string; readSeq: number | null }> }).members.map((m) => [m.id, m.readSeq]));
    assert.deepEqual(await marksIn(alice), { [alice.id]: seq, [bob.id]: seq, [carol.id]: null });
    assert.deepEqual(await marksIn(carol), { [alice.id]: null, [bob.id]: null, [carol.id]: seq });
    // Their own profile shows the setting, and turning it back on shows their marks again.
    const profiles = (await expect(carol, 'GET', '/v1/profiles', undefined, 200, 'profiles')) as { profiles: Array<{ id: string; readReceipts: boolean; presence: string }> };
    assert.deepEqual(profiles.profiles.map((p) => [p.readReceipts, p.presence]), [[false, 'everyone']]);
    await setPrivacy(carol, { readReceipts: true });
    assert.deepEqual((await readers(alice, id, seq)).users.map((u) => u.id).sort(), [bob.id, carol.id].sort());
  });

  it('typing reaches the other members only, once per 2 s, and stops when the typist sends', async () => {
    const [alice, bob, carol, dave] = await Promise.all([user('rtal'), user('rtbob'), user('rtcar'), user('rtdav')]);
    const id = await createGroup(alice, [bob, carol]);
    const [a, b1, b2, c, d] = await Promise.all([socket(alice), socket(bob), socket(bob), socket(carol), socket(dave)]);
    b1.send({ type: 'typing', conversation: id });
    b1.send({ type: 'typing', conversation: id, typing: true });
    const typing = (f: Frame, on: boolean) => f['type'] === 'typing' && f['conversation'] === id && f['typing'] === on && (f['user'] as { id: string }).id === bob.id;
    assert.deepEqual((await a.next((f) => typing(f, true)))['user'], { id: bob.id, username: bob.username });
    await c.next((f) => typing(f, true));
    await sent(b1, id, 'done typing');
    await a.next((f) => typing(f, false));
    await c.next((f) => typing(f, false));
    await sleep(QUIET_MS);
    assert.equal(a.frames.filter((f) => typing(f, true)).length, 1, 'the repeat within 2 s was dropped');
    assert.deepEqual([...b1.frames, ...b2.frames, ...d.frames].filter((f) => f['type'] === 'typing'), [], 'not to the typist, nor to others');
    // An outsider's typing is refused; a stop with no start says nothing.
    d.send({ type: 'typing', conversation: id });
    assert.equal((await d.next((f) => f['type'] === 'error'))['code'], 'not_member');
    c.send({ type: 'typing', conversation: id, typing: false });
    await sleep(QUIET_MS);
    assert.equal(a.frames.filter((f) => f['type'] === 'typing' && (f['user'] as { id: string }).id === carol.id).length, 0);
  });

  it('presence: contacts see a user online while any device is connected and offline with last seen after the last closes, as the user allows', async () => {
    const [alice, bob, erin] = await Promise.all([user('rsal'), user('rsbob'), user('rsern')]);
    await befriend(alice, bob);
    const direct = await openDirect(alice, erin); // erin is a direct partner, not a friend
    assert.ok(direct);
    const a = await socket(alice);
    /** The first presence frame from the `from`-th frame on that has `who` online or offline. */
    const status = (s: RawSocket, who: TestUser, online: boolean, from = 0) =>
      s.next((f) => s.frames.indexOf(f) >= from && f['type'] === 'presence' && (f['users'] as Array<{ id: string; online: boolean }>).some((u) => u.id === who.id && u.online === online));
    const b1 = await socket(bob);
    await status(a, bob, true);
    // Bob's snapshot after ready has alice online, and erin is not his contact.
    await status(b1, alice, true);
    const b2 = await socket(bob);
    const mark = a.frames.length;
    b1.close();
    await sleep(QUIET_MS);
    assert.deepEqual(a.frames.slice(mark).filter((f) => f['type'] === 'presence'), [], 'online while a device is');
    const closedAt = Date.now();
    b2.close();
    const offline = await status(a, bob, false, mark);
    const lastSeen = (offline['users'] as Array<{ id: string; lastSeen: number }>).find((u) => u.id === bob.id)!.lastSeen;
    assert.ok(Math.abs(lastSeen - closedAt) < 5000, `last seen ${lastSeen} near ${closedAt}`);

    // Erin shows only to friends: alice (a partner, not a friend) no longer sees her come and go.
    await setPrivacy(erin, { presence: 'contacts' });
    const before = a.frames.length;
    const e = await socket(erin);
    await status(e, alice, true);
    await sleep(QUIET_MS);
    assert.deepEqual(a.frames.slice(before).filter((f) => f['type'] === 'presence'), [], 'erin shows to friends only');
    // A new connection's snapshot leaves her out too, and shows bob's last seen.
    const a2 = await socket(alice);
    const snapshot = await a2.next((f) => f['type'] === 'presence');
    assert.deepEqual(snapshot['users'], [{ id: bob.id, online: false, lastSeen }]);
  });

  it('bad input: reads and typing for conversations one is not in, malformed frames and query parameters', async () => {
    const [alice, bob, mallory] = await Promise.all([user('rbal'), user('rbbob'), user('rbmal')]);
    const id = await createGroup(alice, [bob]);
    const m = await socket(mallory);
    m.send({ type: 'read', conversation: id, seq: 1 });
    const error = await m.next((f) => f['type'] === 'error');
    assert.deepEqual([error['code'], error['conversation']], ['not_member', id]);
    m.send({ type: 'typing', conversation: id, typing: 'yes' });
    assert.equal((await m.next((f) => f['type'] === 'error' && f['code'] === 'invalid_frame'))['code'], 'invalid_frame');
    await expect(mallory, 'GET', `/v1/conversations/${id}/receipts`, undefined, 'not_member', 'receipts of a stranger');
    await expect(mallory, 'GET', `/v1/conversations/${id}/messages/1/readers`, undefined, 'not_member', 'readers of a stranger');
    await expect(mallory, 'POST', `/v1/conversations/${id}/read`, { seq: 1 }, 'not_member', 'read of a stranger');
    for (const [query, field] of [['?state=all', 'state'], ['?limit=0', 'limit'], ['?limit=101', 'limit'], ['?cursor=%%%', 'cursor'], ['?cursor=bm90IGFuIGlk', 'cursor']] as const) {
      const res = await api(alice, 'GET', `/v1/conversations/${id}/messages/1/readers${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((res.body as { error: { details?: { field?: string } } }).error.details?.field, field, query);
    }
    for (const seq of ['0', 'x', '9007199254740991']) {
      const res = await api(alice, 'GET', `/v1/conversations/${id}/messages/${seq}/readers`);
      assert.equal((res.body as { error: { details?: { field?: string } } }).error.details?.field, 'seq', seq);
    }
    await expect(alice, 'PATCH', `/v1/profiles/${alice.id}`, { presence: 'friends' }, 'bad_request', 'presence is everyone, contacts or nobody');
    await expect(alice, 'PATCH', `/v1/profiles/${alice.id}`, { readReceipts: 'no' }, 'bad_request', 'readReceipts is a boolean');
  });

  it('contacts gained while online show at once; blocks hide presence and typing; rooms list only who shows presence to everyone', async () => {
    const [alice, bob, carol, dave] = await Promise.all([user('rxal'), user('rxbob'), user('rxcar'), user('rxdav')]);
    const [a, b, c] = await Promise.all([socket(alice), socket(bob), socket(carol)]);
    const sees = (s: RawSocket, who: TestUser) => s.next((f) => f['type'] === 'presence' && (f['users'] as Array<{ id: string; online: boolean }>).some((u) => u.id === who.id && u.online));
    // A new direct conversation: both sides see the other at once.
    const direct = await openDirect(alice, bob);
    await Promise.all([sees(a, bob), sees(b, alice)]);
    // A new friendship: both sides, the requester too.
    await befriend(carol, alice);
    await Promise.all([sees(a, carol), sees(c, alice)]);

    // Bob blocks alice: no typing either way in their direct conversation.
    await expect(bob, 'PUT', `/v1/blocks/${alice.id}`, undefined, 204, 'block');
    b.send({ type: 'typing', conversation: direct });
    a.send({ type: 'typing', conversation: direct });
    await sleep(QUIET_MS);
    assert.deepEqual([...a.frames, ...b.frames].filter((f) => f['type'] === 'typing'), []);
    // A new connection of alice's no longer lists bob.
    const a2 = await socket(alice);
    const snapshot = await a2.next((f) => f['type'] === 'presence');
    assert.deepEqual((snapshot['users'] as Array<{ id: string }>).map((u) => u.id), [carol.id]);

    // A dissolved group shows no typing.
    const group = await createGroup(alice, [carol]);
    await expect(alice, 'POST', `/v1/conversations/${group}/dissolve`, undefined, 204, 'dissolve');
    a.send({ type: 'typing', conversation: group });
    await sleep(QUIET_MS);
    assert.deepEqual(c.frames.filter((f) => f['type'] === 'typing'), []);

    // A room: dave hides his presence, so carol's room.presence neither lists nor counts him.
    await setPrivacy(dave, { presence: 'nobody' });
    const room = `x${Date.now().toString(36)}`;
    await expect(carol, 'POST', `/v1/rooms/${room}/join`, undefined, 200, 'join');
    await expect(dave, 'POST', `/v1/rooms/${room}/join`, undefined, 200, 'join');
    const before = c.frames.length;
    const d = await socket(dave);
    assert.ok(d);
    await sleep(QUIET_MS);
    const roomFrames = c.frames.slice(before).filter((f) => f['type'] === 'room.presence');
    assert.ok(roomFrames.length > 0, 'dave coming online updates the room');
    for (const f of roomFrames) {
      assert.deepEqual((f['onlineMembers'] as Array<{ id: string }>).map((m) => m.id), [carol.id]);
      assert.equal(f['online'], 1);
    }
  });

  it('the search refuses what its schema does not take: a date past the latest, a cursor of another query', async () => {
    const alice = await user('rqal');
    for (const [query, field] of [['after=9223372036854775807', 'after'], ['before=8640000000000001', 'before']] as const) {
      const res = await api(alice, 'GET', `/v1/search/messages?q=hi&${query}`);
      assert.deepEqual([res.status, (res.body as { error: { details?: { field?: string } } }).error.details?.field], [400, field], query);
    }
  });
});
