import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { eventCodec } from '@parley/schemas';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { newClient, newUser } from './clients.js';

/*
 * The edge refuses U+0000, so a poison event cannot be sent from outside: this test writes one into the
 * stopped node's log, as an older release or a bug could have, and shows the restarted node sets it aside,
 * says so in /healthz and keeps projecting the conversation.
 */
let server: RunningServer | undefined;
after(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

async function healthz(url: string): Promise<{ status: number; body: { status: string; problems: unknown[]; quarantined: Array<{ consumer: string; partition: number; count: number; last?: { offset: number; key: string; error: string } }> } }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as never };
}

it('an event the database cannot store is quarantined on a running node: /healthz stays 200 and lists it, and the conversation goes on', async () => {
  server = await startServer();
  const a = await newUser(server.url, 'poison');
  const group = await a.client.createGroup('quarantine');
  assert.deepEqual(await healthz(server.url), { status: 200, body: { status: 'ok', problems: [], quarantined: [], notices: [], connections: 0 } });
  await a.client.connect();
  assert.equal((await a.client.send(group.id, 'before')).seq, 1);
  a.client.close();
  const dataDir = server.dataDir;
  await server.stop();

  const log = await EmbeddedLog.open({ dir: join(dataDir, 'log') });
  const [written] = await log.producer().send('parley.events', [
    {
      key: group.id,
      value: eventCodec.encode({
        eventId: 'poison-1',
        stream: group.id,
        seq: 2,
        ts: Date.now(),
        commandId: 'poison-command',
        actor: { userId: a.id, username: a.username },
        origin: null,
        payload: { type: 'MessageSent', id: 'poison-message', senderId: a.id, senderName: a.username, clientMsgId: 'poison', kind: 'text', content: 'nul \u0000 here' },
      }),
    },
  ]);
  await log.close();

  server = await startServer({ dataDir });
  const { status, body } = await eventually(async () => {
    const h = await healthz(server!.url);
    assert.equal(h.body.quarantined.length, 1);
    return h;
  });
  assert.equal(status, 200, 'a quarantined event does not make the node unready');
  assert.deepEqual(body.problems, []);
  const [q] = body.quarantined;
  assert.deepEqual([q?.consumer, q?.partition, q?.count, q?.last?.offset, q?.last?.key], ['parley-projector', written!.partition, 1, written!.offset, group.id]);
  assert.match(q?.last?.error ?? '', /0x00/);

  const again = newClient(server.url);
  await again.login(a.username, 'correct horse battery');
  await again.connect();
  assert.equal((await again.send(group.id, 'after')).seq, 3, 'ingest folded the event; only the projection refused it');
  await eventually(async () => assert.deepEqual((await again.history(group.id)).messages.map((m) => [m.seq, m.content]), [[1, 'before'], [3, 'after']]));
  again.close();
});
