import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeTcpFrame, TcpFrameDecoder } from '@parley/protocol';
import { openTcp } from './tcp-client.js';
import { tcpPortFromLogs } from './targets.js';

/** A stand-in server: records the frames it gets, and lets the test write raw bytes to the client. */
async function standIn(t: { after(fn: () => unknown): void }) {
  const received: string[] = [];
  let client: Socket | undefined;
  const server = createServer((socket) => {
    client = socket;
    const decoder = new TcpFrameDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk).frames) received.push(Buffer.from(f).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    client?.destroy();
    server.close();
  });
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !ok(); i++) await sleep(10);
    assert.ok(ok(), what);
  };
  return {
    url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    until,
    /** Writes bytes to the connected client in pieces of `size` bytes (each its own write). */
    async write(bytes: Uint8Array, size = bytes.length): Promise<void> {
      await until('a client connected', () => client !== undefined);
      for (let at = 0; at < bytes.length; at += size) {
        client!.write(bytes.subarray(at, at + size));
        await sleep(1);
      }
    },
    end: () => client?.end(),
  };
}

const concat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

test('openTcp authenticates, answers heartbeats with ping, splits frames however they arrive, and reports the close', async (t) => {
  const server = await standIn(t);
  const frames: string[] = [];
  const opening = openTcp(server.url, { type: 'auth', token: 'tk' }, (text) => frames.push(text), 5000);
  await server.until('the auth frame arrived', () => server.received.length === 1);
  assert.deepEqual(JSON.parse(server.received[0]!), { type: 'auth', token: 'tk' });
  // `ready` one byte at a time: the prefix and the payload both split.
  await server.write(encodeTcpFrame('{"type":"ready","user":"u1"}'), 1);
  const connection = await opening;
  let closed = 0;
  connection.onClose(() => closed++);

  // A heartbeat and two messages in one write: the heartbeat is answered, not passed on.
  await server.write(concat(encodeTcpFrame('{"type":"message","seq":1}'), encodeTcpFrame('{"type":"heartbeat"}'), encodeTcpFrame('{"type":"message","seq":2}')));
  await server.until('the heartbeat was answered', () => server.received.length === 2);
  assert.equal(server.received[1], '{"type":"ping"}');
  connection.send('{"type":"send","conversation":"c","clientMsgId":"m1","content":"x"}');
  await server.until('the send arrived', () => server.received.length === 3);
  assert.equal(JSON.parse(server.received[2]!).clientMsgId, 'm1');

  await server.write(encodeTcpFrame('{"type":"close","code":1001,"reason":"going away"}'));
  server.end();
  await server.until('the close was reported', () => closed === 1);
  assert.deepEqual(frames, ['{"type":"message","seq":1}', '{"type":"message","seq":2}', '{"type":"close","code":1001,"reason":"going away"}']);
});

test('openTcp rejects when the server refuses the auth', async (t) => {
  const server = await standIn(t);
  const refused = assert.rejects(openTcp(server.url, { type: 'auth', token: 'bad' }, () => undefined, 5000), /auth failed: \{"type":"error","code":"unauthorized"\}/);
  await server.write(concat(encodeTcpFrame('{"type":"error","code":"unauthorized"}'), encodeTcpFrame('{"type":"close","code":4003,"reason":"unauthorized"}')));
  await refused;
});

test('tcpPortFromLogs reads the port of the "tcp listening" line only', () => {
  assert.equal(tcpPortFromLogs(['{"msg":"listening","port":8080}', 'not json "tcp listening"', '{"level":"info","msg":"tcp listening","port":41234,"tls":false}']), 41234);
  assert.equal(tcpPortFromLogs(['{"msg":"listening","port":8080}']), undefined);
});
