import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import type { MessageFrame, ParleyClient } from '@parley/sdk';
import { Cluster, clusterClient } from './cluster.js';
import { gatewayTcpPort, RawTcpClient } from './tcp-client.js';

let n = 0;
const name = (p: string) => `${p}${process.pid.toString(36)}${(++n).toString(36)}`.slice(0, 32);
const PASSWORD = 'correct horse battery';

describe('distributed: raw TCP clients on two gateways and a WebSocket client in one group', () => {
  let cluster: Cluster;
  const closers: Array<() => void> = [];
  before(async () => {
    // A distributed gateway serves raw TCP only when PARLEY_TCP_PORT is set; 0 binds a free port, logged.
    cluster = await Cluster.start({ gateway: 2, ingest: 1, fanout: 1, query: 1 }, { PARLEY_TCP_PORT: '0' });
  });
  after(async () => {
    for (const close of closers) close();
    if (cluster) console.log(`process logs: ${cluster.dumpLogs()}`);
    await cluster?.stop();
  });

  /** Registers a user over HTTP (query) and returns its token and an SDK client on gateway `g`'s WebSocket. */
  async function user(prefix: string, g: number): Promise<{ username: string; token: string; client: ParleyClient }> {
    const client = clusterClient(cluster, g);
    const username = name(prefix);
    await client.register(username, PASSWORD);
    const { token } = await client.login(username, PASSWORD);
    closers.push(() => client.close());
    return { username, token, client };
  }

  it('two TCP clients on different gateways and a WebSocket client see one order with the same seqs; a drained TCP client resumes on the other gateway', async () => {
    const ports = [gatewayTcpPort(cluster, 0), gatewayTcpPort(cluster, 1)];
    assert.notEqual(ports[0], ports[1]);
    const ada = await user('ada', 0);
    const bo = await user('bo', 1);
    const cy = await user('cy', 0); // WebSocket on gateway 0, which stays up
    const cyGot: MessageFrame[] = [];
    cy.client.on('message', (m) => cyGot.push(m));
    await cy.client.connect();
    const group = await cy.client.createGroup('Wire', [ada.username, bo.username]);

    const a = await RawTcpClient.connect(ports[0]!, ada.token); // TCP on gateway 0
    const b = await RawTcpClient.connect(ports[1]!, bo.token); // TCP on gateway 1
    closers.push(() => a.destroy(), () => b.destroy());

    const sends: Promise<{ seq: number }>[] = [];
    for (let i = 0; i < 10; i++) {
      sends.push(a.send(group.id, `a${i}`));
      sends.push(b.send(group.id, `b${i}`));
      sends.push(cy.client.send(group.id, `c${i}`));
    }
    const seqs = (await Promise.all(sends)).map((ack) => ack.seq).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: 30 }, (_, i) => i + 1), 'every send acked once, dense seqs');

    const wsView = () => cyGot.filter((m) => m.conversation === group.id).map((m) => `${m.seq}:${m.content}`);
    await eventually(() => {
      assert.equal(a.view(group.id).length, 30, 'TCP client on gateway 0');
      assert.equal(b.view(group.id).length, 30, 'TCP client on gateway 1');
      assert.equal(wsView().length, 30, 'WebSocket client');
    }, 30_000);
    assert.deepEqual(a.view(group.id), wsView(), 'the TCP client on gateway 0 and the WebSocket client agree on every seq');
    assert.deepEqual(b.view(group.id), wsView(), 'the TCP client on gateway 1 and the WebSocket client agree on every seq');
    assert.deepEqual(wsView().map((x) => x.split(':')[0]).map(Number), seqs, 'the WebSocket client got them in seq order');
    for (const [label, c] of [['a', a], ['b', b]] as const) {
      const order = c.arrivalOrder(group.id);
      assert.equal(order.length, 20, `${label} got the 20 messages of the others as message frames`);
      assert.deepEqual(order, [...order].sort((x, y) => x - y), `${label} got them in seq order`);
    }

    // Drain: SIGTERM on gateway 1 ends b's connection with a final close frame, 1001; b reconnects to gateway
    // 0's TCP port with auth.resume and gets what was sent meanwhile, then `resumed`.
    assert.equal(await cluster.terminate('gateway', 1), 0);
    await b.ended;
    assert.equal(b.closeFrame?.code, 1001, `b was told 1001 before the socket closed (got ${JSON.stringify(b.closeFrame)})`);
    const missed = await Promise.all([a.send(group.id, 'while-away-1'), a.send(group.id, 'while-away-2')]);
    const b2 = await RawTcpClient.connect(ports[0]!, bo.token, { [group.id]: 30 });
    closers.push(() => b2.destroy());
    await eventually(() => assert.ok(b2.frames.some((f) => f.type === 'resumed'), 'resumed'), 30_000);
    assert.deepEqual(b2.view(group.id), missed.map((ack, i) => `${ack.seq}:while-away-${i + 1}`), 'exactly the missed messages, by seq');
    const b2Send = await b2.send(group.id, 'back');
    assert.equal(b2Send.seq, 33);
    await eventually(() => {
      assert.ok(wsView().includes('33:back'), 'the WebSocket client got the resumed TCP client\'s message');
      assert.ok(a.view(group.id).includes('33:back'), 'and so did the other TCP client');
    }, 30_000);
  });
});
