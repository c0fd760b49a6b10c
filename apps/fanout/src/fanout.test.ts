import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthReport, silentLogger, type Delivery } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { MemoryPresence } from '@parley/presence-memory';
import { Topics } from '@parley/domain';
import { eventCodec, type ParleyEvent } from '@parley/schemas';
import type { MessageFrame } from '@parley/protocol';
import { Fanout } from './fanout.js';

const a = { userId: 'ua', username: 'a' };
const b = { userId: 'ub', username: 'b' };
const c = { userId: 'uc', username: 'c' };
let n = 0;
const ev = (stream: string, seq: number, payload: ParleyEvent['payload'], origin: ParleyEvent['origin'] = null): ParleyEvent => ({
  eventId: `e${++n}`, stream, seq, ts: n, commandId: `c${n}`, actor: a, origin, payload,
});

test('fanout hands each event only to the gateways holding a recipient, the ack to the origin connection', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-fanout-'));
  const log = await EmbeddedLog.open({ dir });
  const presence = new MemoryPresence({ ttlMs: 10_000 });
  const handed: Array<{ gateway: string; batch: readonly Delivery[] }> = [];
  const fanout = new Fanout({ log, presence, logger: silentLogger, roomPresenceDelayMs: 10, deliver: async (gateway, batch) => void handed.push({ gateway, batch }) });
  try {
    await log.createTopics([{ name: Topics.events, partitions: 2 }, { name: Topics.commands, partitions: 2 }]);
    await presence.connect({ userId: 'ua', gatewayId: 'gw1', connectionId: 'gw1/1' });
    await presence.connect({ userId: 'ub', gatewayId: 'gw2', connectionId: 'gw2/7' });
    await presence.connect({ userId: 'ub', gatewayId: 'gw1', connectionId: 'gw1/2' });
    await presence.connect({ userId: 'ux', gatewayId: 'gw3', connectionId: 'gw3/1' });
    const producer = log.producer();
    const put = (e: ParleyEvent) => producer.send(Topics.events, [{ key: e.stream, value: eventCodec.encode(e) }]);
    await fanout.start();
    await put(ev('g.1', 0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [a, b, c] }));
    await put(ev('g.1', 1, { type: 'MessageSent', id: 'm1', senderId: 'ua', senderName: 'a', clientMsgId: 'x', kind: 'text', content: 'hi' }, { gatewayId: 'gw1', connectionId: 'gw1/1' }));
    await eventually(() => assert.ok(handed.some((h) => h.batch.some((d) => d.frame.type === 'message'))));
    const gateways = new Set(handed.map((h) => h.gateway));
    assert.deepEqual([...gateways].sort(), ['gw1', 'gw2'], 'gw3 holds nobody in the group');
    const message = handed.flatMap((h) => h.batch.filter((d) => d.frame.type === 'message').map((d) => ({ gateway: h.gateway, d })));
    const gw1 = message.find((x) => x.gateway === 'gw1')!.d;
    assert.deepEqual([...gw1.userIds].sort(), ['ua', 'ub']);
    assert.equal(gw1.origin?.connectionId, 'gw1/1');
    assert.equal(gw1.origin?.frame.type, 'ack');
    assert.deepEqual(message.find((x) => x.gateway === 'gw2')!.d.userIds, ['ub']);
    assert.deepEqual(Object.keys(gw1.frame), ['type', 'conversation', 'id', 'seq', 'ts', 'sender', 'clientMsgId', 'kind', 'content'], 'the codec\'s defaults add nothing to a plain message');

    handed.length = 0;
    const body = { latitude: 52.52, longitude: 13.405, name: 'Berlin' };
    await put(ev('g.1', 2, { type: 'MessageSent', id: 'm2', senderId: 'ub', senderName: 'b', clientMsgId: 'x2', kind: 'location', content: '[Location] Berlin', body: JSON.stringify(body), replyTo: 1, mentions: ['ua'] }));
    await eventually(() => assert.ok(handed.some((h) => h.batch.some((d) => d.frame.type === 'message'))));
    const rich = handed.flatMap((h) => h.batch).find((d) => d.frame.type === 'message')!.frame as MessageFrame;
    assert.deepEqual([rich.kind, rich.body, rich.replyTo, rich.mentions], ['location', body, 1, ['ua']]);

    handed.length = 0;
    await put(ev('g.1', 1, { type: 'CommandRejected', code: 'not_member', message: 'no', clientMsgId: 'y' }, { gatewayId: 'gw3', connectionId: 'gw3/1' }));
    await eventually(() => assert.equal(handed.length, 1));
    assert.equal(handed[0]!.gateway, 'gw3');
    assert.equal(handed[0]!.batch[0]!.origin?.frame.type, 'error');

    handed.length = 0;
    await put(ev('r.lobby', 0, { type: 'ConversationCreated', kind: 'room', name: 'lobby', createdBy: 'ua', members: [a, b] }));
    await eventually(() => assert.ok(handed.some((h) => h.batch.some((d) => d.frame.type === 'room.presence'))));
    const roomPresence = handed.flatMap((h) => h.batch).find((d) => d.frame.type === 'room.presence')!.frame as unknown as { online: number; members: number };
    assert.deepEqual([roomPresence.online, roomPresence.members], [2, 2]);
  } finally {
    await fanout.close();
    await presence.close();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('fanout quarantines an event it cannot decode, delivers the ones after it, and retries (not quarantines) while presence is down', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-fanout-poison-'));
  const log = await EmbeddedLog.open({ dir });
  const presence = new MemoryPresence({ ttlMs: 10_000 });
  let presenceDown = false;
  const locate = presence.locate.bind(presence);
  presence.locate = async (users) => {
    if (presenceDown) throw new Error('presence unreachable');
    return locate(users);
  };
  const handed: Delivery[] = [];
  const fanout = new Fanout({ log, presence, logger: silentLogger, roomPresenceDelayMs: 10, deliver: async (_gateway, batch) => void handed.push(...batch) });
  const bounds = { stuckMs: 1, maxLag: 1000 };
  try {
    await log.createTopics([{ name: Topics.events, partitions: 1 }]);
    await presence.connect({ userId: 'ub', gatewayId: 'gw1', connectionId: 'gw1/1' });
    const producer = log.producer();
    const put = (e: ParleyEvent) => producer.send(Topics.events, [{ key: e.stream, value: eventCodec.encode(e) }]);
    const message = (seq: number) => ev('g.1', seq, { type: 'MessageSent', id: `m${seq}`, senderId: 'ua', senderName: 'a', clientMsgId: `x${seq}`, kind: 'text', content: `hi ${seq}` });
    await fanout.start();
    await put(ev('g.1', 0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [a, b] }));
    await producer.send(Topics.events, [{ key: 'g.1', value: Buffer.from('not avro') }]); // offset 1
    await put(message(1));
    await put(message(2));
    const delivered = () => handed.filter((d) => d.frame.type === 'message').map((d) => (d.frame as unknown as { seq: number }).seq);
    await eventually(() => assert.deepEqual(delivered(), [1, 2]));
    const report = healthReport([fanout.health], { stuckMs: 30_000, maxLag: 1000 });
    assert.equal(report.healthy, true, 'a quarantined record does not make fanout unready');
    assert.deepEqual(report.quarantined.map((q) => [q.consumer, q.partition, q.count, q.last?.offset, q.last?.key]), [['parley-fanout', 0, 1, 1, 'g.1']]);
    assert.deepEqual(fanout.health.recent().map((q) => q.offset), [1]);

    presenceDown = true;
    await put(message(3));
    await eventually(() => {
      const stuck = healthReport([fanout.health], bounds);
      assert.deepEqual(stuck.problems.map((p) => [p.consumer, p.partition, p.reason, p.offset]), [['parley-fanout', 0, 'stuck', 4]]);
      assert.match(stuck.problems[0]!.detail, /presence unreachable/);
    });
    presenceDown = false;
    await eventually(() => assert.deepEqual(delivered(), [1, 2, 3]));
    assert.equal(healthReport([fanout.health], bounds).healthy, true);
    assert.equal(fanout.health.recent().length, 1, 'the outage quarantined nothing');

    // Another member taking the partition over rebuilds its state from the log, through the bad record.
    await fanout.close();
    const successor = new Fanout({ log, presence, logger: silentLogger, roomPresenceDelayMs: 10, deliver: async (_gateway, batch) => void handed.push(...batch) });
    try {
      await successor.start();
      await put(message(4));
      await eventually(() => assert.deepEqual(delivered(), [1, 2, 3, 4]));
      assert.deepEqual(successor.health.recent().map((q) => q.offset), [1], 'the rebuild skipped the bad record, visibly');
    } finally {
      await successor.close();
    }
  } finally {
    await fanout.close();
    await presence.close();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("fanout routes with what the fold drops (an answered invitation's inviter), and a removal from a room updates its presence", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-fanout-groups-'));
  const log = await EmbeddedLog.open({ dir });
  const presence = new MemoryPresence({ ttlMs: 10_000 });
  const handed: Delivery[] = [];
  const fanout = new Fanout({ log, presence, logger: silentLogger, roomPresenceDelayMs: 10, deliver: async (_gateway, batch) => void handed.push(...batch) });
  try {
    await log.createTopics([{ name: Topics.events, partitions: 1 }]);
    for (const u of ['ua', 'ub', 'ud']) await presence.connect({ userId: u, gatewayId: 'gw1', connectionId: `gw1/${u}` });
    const producer = log.producer();
    const put = (e: ParleyEvent) => producer.send(Topics.events, [{ key: e.stream, value: eventCodec.encode(e) }]);
    await fanout.start();
    await put(ev('g.1', 0, { type: 'ConversationCreated', kind: 'group', name: 'G', createdBy: 'ua', members: [a, b], joinPolicy: 'invite' }));
    await put(ev('g.1', 0, { type: 'MembersInvited', invitees: [{ userId: 'ud', username: 'd', stream: 'u.d' }], friendsOnly: true }));
    await put(ev('g.1', 0, { type: 'InvitationChecked', userId: 'ud', allowed: true, reason: '' }));
    await put({ ...ev('g.1', 0, { type: 'InvitationAnswered', userId: 'ud', username: 'd', accepted: false }), actor: { userId: 'ud', username: 'd' } });
    const invitations = () => handed.filter((d) => d.frame.type === 'invitation').map((d) => ({ frame: d.frame, userIds: d.userIds }));
    const invitation = (event: string, more = {}) => ({ frame: { type: 'invitation', event, conversation: 'g.1', name: 'G', invitedBy: { id: 'ua', username: 'a' }, ...more }, userIds: ['ud'] });
    await eventually(() => assert.deepEqual(invitations(), [invitation('received'), invitation('answered', { accepted: false })]));

    await put(ev('r.lobby', 0, { type: 'ConversationCreated', kind: 'room', name: 'lobby', createdBy: 'ua', members: [a, b] }));
    const entry = JSON.stringify({ event: 'removed', target: { id: 'ub', username: 'b' }, ban: false, actor: { id: 'ua', username: 'a' } });
    await put(ev('r.lobby', 1, { type: 'MessageSent', id: 'm1', senderId: 'ua', senderName: 'a', clientMsgId: '', kind: 'system', content: entry }, { gatewayId: 'gw1', connectionId: 'gw1/ua' }));
    await put(ev('r.lobby', 1, { type: 'MemberRemoved', userId: 'ub', username: 'b', ban: false }));
    const counts = () => handed.filter((d) => d.frame.type === 'room.presence').map((d) => (d.frame as unknown as { members: number }).members);
    await eventually(() => assert.equal(counts().at(-1), 1));
    const system = handed.find((d) => d.frame.type === 'message');
    assert.deepEqual([...(system?.userIds ?? [])].sort(), ['ua', 'ub']);
    assert.equal(system?.origin, undefined, 'no ack for a system entry, even with an origin');
  } finally {
    await fanout.close();
    await presence.close();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});
