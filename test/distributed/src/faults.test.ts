import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@parley/core/conformance';
import type { Ack, MessageFrame, ParleyClient } from '@parley/sdk';
import { Cluster, clusterClient, type AppName } from './cluster.js';

let cluster: Cluster | undefined;
const clients: ParleyClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  if (cluster) console.log(`process logs: ${cluster.dumpLogs()}`);
  await cluster?.stop();
});

it('under continuous sending, killing each kind of process (both ingest instances), Redis and the Kafka broker loses nothing and duplicates nothing', async () => {
  // Snapshots every 10 events: the instances that take partitions over start from them (and the log after).
  cluster = await Cluster.start({ gateway: 2, ingest: 2, fanout: 2, query: 2 }, { PARLEY_SNAPSHOT_EVERY: '10' });
  const c = cluster;
  const join = async (gateway: number, name: string) => {
    const client = clusterClient(c, gateway, 1);
    await client.register(name, 'correct horse battery');
    await client.login(name, 'correct horse battery');
    clients.push(client);
    return client;
  };
  const suffix = process.pid.toString(36);
  const a = await join(0, `fa${suffix}`);
  const b = await join(1, `fb${suffix}`);
  const got = { a: [] as MessageFrame[], b: [] as MessageFrame[] };
  a.on('message', (m) => got.a.push(m));
  b.on('message', (m) => got.b.push(m));
  await a.connect();
  await b.connect();
  const conv = await a.openDirect(`fb${suffix}`);

  const acked: Ack[] = [];
  const failed: string[] = [];
  let sent = 0;
  let sending = true;
  const sender = async (client: ParleyClient, tag: string) => {
    const inFlight = new Set<Promise<void>>();
    while (sending) {
      const id = `${tag}-${sent++}`;
      const p = client.send(conv.id, id, { clientMsgId: id }).then(
        (ack) => void acked.push(ack),
        (e: Error) => void failed.push(`${id}: ${e.message}`),
      );
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= 8) await Promise.race(inFlight);
      await sleep(20);
    }
    await Promise.all(inFlight);
  };
  const senders = Promise.all([sender(a, 'a'), sender(b, 'b')]);
  const progress = async (what: string) => {
    const before = acked.length;
    await eventually(() => assert.ok(acked.length >= before + 20, `no progress after ${what}: ${acked.length} acks`), 90_000, 100);
  };

  await progress('start');
  // Both ingest instances in turn: whichever held the conversation's partition, the other takes it over.
  for (const [app, index] of [['ingest', 0], ['fanout', 0], ['query', 0], ['gateway', 0], ['ingest', 1]] as Array<[AppName, number]>) {
    await c.kill(app, index);
    await sleep(1000);
    await c.restart(app, index);
    await progress(`killing ${app}-${index}`);
  }
  await c.redis.restart();
  await progress('restarting Redis');
  await c.kafka.restart();
  await progress('restarting the Kafka broker');
  sending = false;
  await senders;

  assert.deepEqual(failed, [], 'every send was eventually acknowledged');
  // The instance that took the conversation's partition over started from a snapshot.
  const rebuilds = c.instances.filter((i) => i.app === 'ingest').flatMap((i) => i.logs).filter((l) => l.includes('"ingest partitions rebuilt"'));
  assert.ok(rebuilds.some((l) => (JSON.parse(l) as { fromSnapshots: number }).fromSnapshots > 0), `a takeover started from a snapshot: ${rebuilds.join('\n')}`);
  const ids = new Map<string, Ack>();
  for (const ack of acked) ids.set(ack.clientMsgId, ack);
  assert.equal(ids.size, acked.length, 'one ack per send');
  const total = acked.length;
  console.log(`faults: ${total} messages acknowledged across 5 process kills, a Redis restart and a broker restart`);
  // Stored exactly once, dense, and each ack names the stored message.
  await eventually(async () => {
    const history: MessageFrame[] = [];
    for (let after = 0; ; ) {
      const page = await a.history(conv.id, { after, limit: 200 });
      history.push(...page.messages);
      if (!page.hasMore) break;
      after = page.messages.at(-1)!.seq;
    }
    assert.deepEqual(history.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1));
    for (const m of history) assert.equal(ids.get(m.clientMsgId)?.seq, m.seq);
  }, 60_000, 500);
  // Both clients have every message once, in order, with no gap.
  await eventually(() => {
    assert.deepEqual(got.a.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1));
    assert.deepEqual(got.b.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1));
  }, 60_000, 500);
});
