import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import type { MessageFrame, ParleyClient } from '@parley/sdk';
import type { PresenceFrame, ReceiptsFrame, TypingFrame } from '@parley/protocol';
import { Cluster, clusterClient } from './cluster.js';

let n = 0;
const name = (p: string) => `${p}${process.pid.toString(36)}${(++n).toString(36)}`.slice(0, 32);
const inbox = (c: ParleyClient) => {
  const got: MessageFrame[] = [];
  c.on('message', (m) => got.push(m));
  return got;
};
async function user(cluster: Cluster, gateway: number, query: number, prefix: string) {
  const client = clusterClient(cluster, gateway, query);
  const username = name(prefix);
  await client.register(username, 'correct horse battery');
  const { token, user } = await client.login(username, 'correct horse battery');
  return { client, username, token, id: user.id, queryUrl: cluster.urls('query')[query]! };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field against docs/openapi.yaml
type Json = any;

/** One HTTP call as `u` to its query instance: the status and the parsed body. */
async function call(u: { token: string; queryUrl: string }, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(new URL(path, u.queryUrl), {
    method,
    headers: { authorization: `Bearer ${u.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('distributed: 2 gateways, 2 ingest, 2 fanout, 2 query on Kafka, PostgreSQL and Redis', () => {
  let cluster: Cluster;
  const clients: ParleyClient[] = [];
  before(async () => {
    cluster = await Cluster.start({ gateway: 2, ingest: 2, fanout: 2, query: 2 });
  });
  after(async () => {
    for (const c of clients) c.close();
    if (cluster) console.log(`process logs: ${cluster.dumpLogs()}`);
    await cluster?.stop();
  });

  it('users on different gateways chat 1:1 and in a group: one order, dense seqs, every device', async () => {
    const a = await user(cluster, 0, 0, 'ada');
    const b = await user(cluster, 1, 1, 'bo');
    const c = await user(cluster, 1, 0, 'cy');
    const aOther = clusterClient(cluster, 1, 1);
    await aOther.login(a.username, 'correct horse battery');
    clients.push(a.client, b.client, c.client, aOther);
    const got = [inbox(a.client), inbox(b.client), inbox(c.client), inbox(aOther)];
    await Promise.all([a.client.connect(), b.client.connect(), c.client.connect(), aOther.connect()]);

    const direct = await a.client.openDirect(b.username);
    await a.client.send(direct.id, 'first');
    const acks = await Promise.all([a.client.send(direct.id, 'a1'), b.client.send(direct.id, 'b1'), a.client.send(direct.id, 'a2'), b.client.send(direct.id, 'b2')]);
    assert.deepEqual(acks.map((x) => x.seq).sort(), [2, 3, 4, 5]);
    const of = (g: MessageFrame[], id: string) => g.filter((m) => m.conversation === id).map((m) => `${m.seq}:${m.content}`);
    await eventually(() => {
      for (const i of [0, 1, 3]) assert.equal(of(got[i]!, direct.id).length, 5, `client ${i}`);
    }, 30_000);
    assert.deepEqual(of(got[0]!, direct.id), of(got[1]!, direct.id));
    assert.deepEqual(of(got[3]!, direct.id), of(got[0]!, direct.id), "a's second device, on the other gateway");

    const group = await b.client.createGroup('Ops', [a.username, c.username]);
    const sends = [];
    for (let i = 0; i < 10; i++) for (const [k, u] of [a, b, c].entries()) sends.push(u.client.send(group.id, `g${k}-${i}`));
    const groupAcks = await Promise.all(sends);
    assert.deepEqual(groupAcks.map((x) => x.seq).sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1));
    await eventually(() => {
      for (const g of got) assert.equal(of(g, group.id).length, 30);
    }, 30_000);
    for (const g of got.slice(1)) assert.deepEqual(of(g, group.id), of(got[0]!, group.id));
    // The projection trails live delivery by a moment.
    await eventually(async () => {
      const history = await c.client.history(group.id, { after: 0, limit: 100 });
      assert.deepEqual(history.messages.map((m) => `${m.seq}:${m.content}`), of(got[0]!, group.id));
    }, 30_000);
  });

  it('a group run across two gateways and two query instances: roles, an invitation through the workflow, removal ending delivery on the other gateway', async () => {
    const owner = await user(cluster, 0, 0, 'gown');
    const member = await user(cluster, 1, 1, 'gmem');
    const friend = await user(cluster, 1, 0, 'gfri');
    clients.push(owner.client, member.client, friend.client);
    const got = [inbox(owner.client), inbox(member.client), inbox(friend.client)];
    await Promise.all([owner.client.connect(), member.client.connect(), friend.client.connect()]);
    const request = await member.client.sendFriendRequest(friend.id);
    await friend.client.acceptFriendRequest(request.id);
    await eventually(async () => assert.ok((await member.client.friends()).some((f) => f.profile.id === friend.id)), 30_000);

    const created = await call(owner, 'POST', '/v1/groups', { name: 'Two gateways', members: [member.username] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id: string = created.body.conversation.id;
    const g = `/v1/conversations/${id}`;
    assert.equal((await call(owner, 'PUT', `${g}/members/${member.id}/role`, { role: 'admin' })).status, 200);

    // The member (an admin now, on the other gateway) invites a friend; the friend's stream takes it by the
    // workflow (in ingest's process), the friend accepts through the other query instance.
    assert.equal((await call(member, 'POST', `${g}/invitations`, { usernames: [friend.username] })).status, 202);
    await eventually(async () => assert.deepEqual((await call(friend, 'GET', '/v1/invitations')).body.invitations.map((i: Json) => i.conversation.id), [id]), 30_000);
    const accepted = await call(friend, 'POST', `/v1/invitations/${id}`, { accept: true });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

    await member.client.send(id, 'welcome');
    const of = (frames: MessageFrame[]) => frames.filter((m) => m.conversation === id).map((m) => `${m.seq}:${m.kind}`);
    // role entry, joined entry, the message: in one order on both gateways (the friend joined at seq 2).
    await eventually(() => {
      assert.deepEqual(of(got[0]!), ['1:system', '2:system', '3:text']);
      assert.deepEqual(of(got[1]!), of(got[0]!));
      assert.deepEqual(of(got[2]!), ['2:system', '3:text']);
    }, 30_000);

    // Removed on gateway 0's command, the friend on gateway 1 gets the entry and nothing after it.
    assert.equal((await call(member, 'DELETE', `${g}/members/${friend.id}`)).status, 204);
    await eventually(() => assert.deepEqual(of(got[2]!), ['2:system', '3:text', '4:system']), 30_000);
    const after = await owner.client.send(id, 'after the removal');
    await eventually(() => assert.ok(of(got[1]!).includes(`${after.seq}:text`)), 30_000);
    assert.deepEqual(of(got[2]!), ['2:system', '3:text', '4:system'], 'nothing reaches the removed member');
    await eventually(async () => {
      const history = await call(friend, 'GET', `${g}/messages?after=0&limit=50`);
      assert.deepEqual(history.body.messages.map((m: { seq: number }) => m.seq), [1, 2, 3, 4], 'the removed member reads up to the removal');
    }, 30_000);
  });

  it('a gateway stopped with SIGTERM tells its clients 1001 and exits 0; they resume on the other gateway', async () => {
    const a = await user(cluster, 0, 0, 'dee');
    const b = await user(cluster, 1, 0, 'eli');
    clients.push(a.client, b.client);
    const bGot = inbox(b.client);
    await a.client.connect();
    await b.client.connect();
    const conv = await a.client.openDirect(b.username);
    await a.client.send(conv.id, 'before');
    await eventually(() => assert.equal(bGot.length, 1));
    const closed = new Promise<number | undefined>((resolve) => b.client.on('state', (s, info) => s === 'closed' && resolve(info?.code)));
    assert.equal(await cluster.terminate('gateway', 1), 0);
    assert.equal(await closed, 1001);
    await cluster.restart('gateway', 1);
    await a.client.send(conv.id, 'after');
    await eventually(() => assert.deepEqual(bGot.map((m) => m.content), ['before', 'after']), 30_000);
  });

  it('receipts and typing cross gateways; a gateway killed takes its users offline to their contacts within the documented bound', async () => {
    const a = await user(cluster, 0, 0, 'fay');
    const b = await user(cluster, 1, 1, 'gus');
    clients.push(a.client, b.client);
    const receipts: ReceiptsFrame[] = [];
    const typing: TypingFrame[] = [];
    const presence: PresenceFrame[] = [];
    a.client.on('receipts', (f) => receipts.push(f));
    a.client.on('typing', (f) => typing.push(f));
    a.client.on('presence', (f) => presence.push(f));
    const conv = await a.client.openDirect(b.username);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const bGot = inbox(b.client);
    const { seq } = await a.client.send(conv.id, 'read me');
    const mark = (m: { readSeq: number; deliveredSeq: number }) => [m.readSeq, m.deliveredSeq];
    const bobs = () => receipts.flatMap((f) => f.marks.filter((m) => m.user.id === b.id).map(mark));
    // Delivered once it reached b's connection on the other gateway; read once b says so.
    await eventually(() => assert.deepEqual(bobs().at(-1), [0, seq]), 30_000);
    await eventually(() => assert.equal(bGot.length, 1));
    b.client.markRead(conv.id, seq);
    await eventually(() => assert.deepEqual(bobs().at(-1), [seq, seq]), 30_000);
    b.client.setTyping(conv.id);
    await eventually(() => assert.deepEqual(typing.map((t) => [t.user.id, t.typing]), [[b.id, true]]), 30_000);
    await eventually(() => assert.ok(presence.some((f) => f.users.some((u) => u.id === b.id && u.online))), 30_000);

    // SIGKILL: no close, no disconnect. The other instances' sweep expires the gateway's lease.
    const killedAt = Date.now();
    await cluster.kill('gateway', 1);
    b.client.close();
    const bound = Number(cluster.instance('gateway', 0).env['PARLEY_PRESENCE_TTL_MS']) * 1.25;
    await eventually(() => assert.ok(presence.some((f) => f.users.some((u) => u.id === b.id && !u.online && u.lastSeen !== null))), bound + 5000);
    console.log(`presence: offline ${Date.now() - killedAt} ms after the gateway was killed (documented bound ${bound} ms, PARLEY_PRESENCE_TTL_MS x 1.25)`);
    await cluster.restart('gateway', 1);
  });
});
