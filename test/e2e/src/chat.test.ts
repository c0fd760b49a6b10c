import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { inbox, newClient, newUser } from './clients.js';

describe('chat through the public API of a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const c of closers) c();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const user = async (prefix: string) => {
    const u = await newUser(server.url, prefix);
    closers.push(() => u.client.close());
    return u;
  };

  it('1:1: both users see every message in one order with dense seqs', async () => {
    const a = await user('alice');
    const b = await user('bob');
    const aGot = inbox(a.client);
    const bGot = inbox(b.client);
    await a.client.connect();
    await b.client.connect();
    const conv = await a.client.openDirect(b.username);
    assert.equal(conv.kind, 'direct');
    assert.deepEqual((await b.client.openDirect(a.username)).id, conv.id, 'both ends open the same conversation');
    const acks = await Promise.all([
      a.client.send(conv.id, 'hi bob'),
      b.client.send(conv.id, 'hi alice'),
      a.client.send(conv.id, 'how are you?'),
      b.client.send(conv.id, 'fine'),
    ]);
    assert.deepEqual(acks.map((x) => x.seq).sort(), [1, 2, 3, 4]);
    await eventually(() => {
      assert.equal(aGot.filter((m) => m.conversation === conv.id).length, 4);
      assert.equal(bGot.filter((m) => m.conversation === conv.id).length, 4);
    });
    const order = (got: typeof aGot) => got.filter((m) => m.conversation === conv.id).map((m) => `${m.seq}:${m.content}`);
    assert.deepEqual(order(aGot), order(bGot));
    assert.deepEqual(aGot.map((m) => m.seq), [1, 2, 3, 4]);
    const history = await b.client.history(conv.id, { after: 0 });
    assert.deepEqual(history.messages.map((m) => `${m.seq}:${m.content}`), order(aGot));
  });

  it('group: concurrent senders, one total order, dense seqs, everyone sees everything', async () => {
    const [a, b, c] = await Promise.all([user('ann'), user('ben'), user('cat')]);
    const got = [inbox(a.client), inbox(b.client), inbox(c.client)];
    await Promise.all([a.client.connect(), b.client.connect(), c.client.connect()]);
    const group = await a.client.createGroup('Team', [b.username, c.username]);
    assert.equal(group.memberCount, 3);
    const sends = [];
    for (let i = 0; i < 10; i++) for (const [n, u] of [a, b, c].entries()) sends.push(u.client.send(group.id, `m${n}-${i}`));
    const acks = await Promise.all(sends);
    assert.deepEqual(acks.map((x) => x.seq).sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1));
    await eventually(() => {
      for (const g of got) assert.equal(g.filter((m) => m.conversation === group.id).length, 30);
    });
    const seqs = got.map((g) => g.filter((m) => m.conversation === group.id).map((m) => `${m.seq}:${m.content}`));
    assert.deepEqual(seqs[0], seqs[1]);
    assert.deepEqual(seqs[0], seqs[2]);
    assert.deepEqual(got[0]!.filter((m) => m.conversation === group.id).map((m) => m.seq), Array.from({ length: 30 }, (_, i) => i + 1));
    const members = await b.client.members(group.id);
    assert.deepEqual(members.map((m) => m.username).sort(), [a.username, b.username, c.username].sort());
  });

  it('multi-device: every connection of every member gets the message; the sender device gets the ack', async () => {
    const a = await user('dana');
    const b = await user('eve');
    const second = newClient(server.url);
    closers.push(() => second.close());
    const login = await second.login(a.username, 'correct horse battery');
    assert.equal(login.user.id, a.id);
    const [a1, a2, b1] = [inbox(a.client), inbox(second), inbox(b.client)];
    await Promise.all([a.client.connect(), second.connect(), b.client.connect()]);
    const conv = await a.client.openDirect(b.username);
    const ack = await a.client.send(conv.id, 'from device one');
    await eventually(() => {
      for (const g of [a1, a2, b1]) assert.deepEqual(g.filter((m) => m.conversation === conv.id).map((m) => [m.seq, m.content]), [[ack.seq, 'from device one']]);
    });
    assert.equal(a2[0]?.sender.username, a.username);
  });

  it('offline then resume: exactly the missed messages, no gap, no duplicate; list shows unread counts', async () => {
    const a = await user('fay');
    const b = await user('gus');
    const bGot = inbox(b.client);
    await a.client.connect();
    await b.client.connect();
    const conv = await a.client.openDirect(b.username);
    for (let i = 1; i <= 3; i++) await a.client.send(conv.id, `before ${i}`);
    await eventually(() => assert.equal(bGot.length, 3));
    // Reads are gathered for up to PARLEY_RECEIPT_FLUSH_MS before they are written: wait for it.
    const read = new Promise<void>((resolve) => b.client.on('conversation', (f) => f.event === 'read' && f.readSeq === 3 && resolve()));
    b.client.markRead(conv.id, 3);
    await read;
    const positions = b.client.lastSeqs();
    b.client.close();
    for (let i = 4; i <= 8; i++) await a.client.send(conv.id, `while away ${i}`);
    const back = newClient(server.url, positions);
    closers.push(() => back.close());
    back.useToken((await back.login(b.username, 'correct horse battery')).token);
    const list = await back.conversations();
    const entry = list.find((c) => c.id === conv.id);
    assert.equal(entry?.lastSeq, 8);
    assert.equal(entry?.unread, 5);
    const missed = inbox(back);
    const resumed = new Promise<Record<string, number>>((resolve) => back.once('resumed', resolve));
    await back.connect();
    assert.deepEqual(await resumed, { [conv.id]: 8 });
    assert.deepEqual(missed.map((m) => m.seq), [4, 5, 6, 7, 8]);
    await a.client.send(conv.id, 'live again');
    await eventually(() => assert.deepEqual(missed.map((m) => m.seq), [4, 5, 6, 7, 8, 9]));
  });

  it('the same clientMsgId sent twice yields one message and the same ack', async () => {
    const a = await user('hal');
    const b = await user('ivy');
    await a.client.connect();
    const conv = await a.client.openDirect(b.username);
    const first = await a.client.send(conv.id, 'once', { clientMsgId: 'dup-1' });
    const again = await a.client.send(conv.id, 'once', { clientMsgId: 'dup-1' });
    assert.deepEqual(again, first);
    const history = await a.client.history(conv.id);
    assert.equal(history.messages.filter((m) => m.clientMsgId === 'dup-1').length, 1);
  });

  it('rooms: joined by name, members pushed the online count and list', async () => {
    const a = await user('jon');
    const b = await user('kim');
    await a.client.connect();
    await b.client.connect();
    const presence: Array<{ online: number; members: number }> = [];
    a.client.on('room.presence', (p) => presence.push(p));
    const room = `lobby${Date.now().toString(36)}`;
    const ra = await a.client.joinRoom(room);
    const rb = await b.client.joinRoom(room);
    assert.equal(ra.id, `r.${room}`);
    assert.equal(rb.id, ra.id);
    await eventually(() => assert.deepEqual(presence.at(-1), { ...presence.at(-1), online: 2, members: 2 }));
    const bGot = inbox(b.client);
    await a.client.send(ra.id, 'hello room');
    await eventually(() => assert.equal(bGot.at(-1)?.content, 'hello room'));
    b.client.close();
    await eventually(() => assert.equal(presence.at(-1)?.online, 1));
  });

  it('groups: join by id, add members, leave', async () => {
    const a = await user('lea');
    const b = await user('max');
    const c = await user('ned');
    const group = await a.client.createGroup('Book club', [], { joinPolicy: 'open' });
    const joined = await b.client.joinGroup(group.id);
    assert.equal(joined.memberCount, 2);
    await a.client.addMembers(group.id, [c.username]);
    assert.equal((await c.client.conversations()).some((x) => x.id === group.id), true);
    await b.client.leave(group.id);
    assert.equal((await b.client.conversations()).some((x) => x.id === group.id), false);
    // A former member reads the history up to their leaving (its entry), nothing after it.
    await a.client.connect();
    await a.client.send(group.id, 'after b left');
    await eventually(async () => assert.equal((await a.client.history(group.id, { after: 3 })).messages.length, 1, 'projected'));
    const read = await b.client.history(group.id, { after: 0 });
    assert.deepEqual(read.messages.map((m) => [m.kind, m.seq]), [['system', 1], ['system', 2], ['system', 3]], 'b joined, c was added, b left');
    await assert.rejects(c.client.history('g.doesnotexist'), (e: Error & { code?: string }) => e.code === 'not_member');
    await c.client.connect();
    await assert.rejects(c.client.send('g.doesnotexist', 'x'), (e: Error & { code?: string }) => e.code === 'not_member');
  });
});
