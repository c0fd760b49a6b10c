import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import type { ErrorFrame } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { inbox, newClient, newUser } from './clients.js';

describe('a resume position past the end of a conversation (started single node)', () => {
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

  it('is clamped to the last seq and said so (resume_ahead); later messages still arrive', async () => {
    const a = await newUser(server.url, 'ra');
    const b = await newUser(server.url, 'rb');
    closers.push(() => a.client.close(), () => b.client.close());
    await a.client.connect();
    const conv = await a.client.openDirect(b.username);
    await a.client.send(conv.id, 'one');
    await a.client.send(conv.id, 'two');

    // b claims to hold seq 500 of a conversation that has 2.
    const late = newClient(server.url, { [conv.id]: 500 });
    closers.push(() => late.close());
    const errors: ErrorFrame[] = [];
    const resumed: Array<Record<string, number>> = [];
    late.on('error', (e) => errors.push(e as ErrorFrame));
    late.on('resumed', (r) => resumed.push(r));
    const got = inbox(late);
    await late.login(b.username, 'correct horse battery');
    await late.connect();
    await eventually(() => assert.equal(resumed.length, 1));
    assert.deepEqual(resumed[0], { [conv.id]: 2 }, 'resumed names where the server continues');
    assert.equal(errors.find((e) => e.conversation === conv.id)?.code, 'resume_ahead');
    assert.equal(late.lastSeq(conv.id), 2, 'the SDK takes the server position');

    await a.client.send(conv.id, 'three');
    await eventually(() => assert.deepEqual(got.map((m) => `${m.seq}:${m.content}`), ['3:three']));
  });
});
