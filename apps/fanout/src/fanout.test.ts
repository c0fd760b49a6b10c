import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Delivery } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { MemoryPresence } from '@parley/presence-memory';
import { Topics } from '@parley/domain';
import { eventCodec, type ParleyEvent } from '@parley/schemas';
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
