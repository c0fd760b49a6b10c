import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { presenceConformance, eventually } from '@parley/core/conformance';
import { startRedis, type RedisServer } from '@parley/test-infra';
import { RedisPresence } from './redis-presence.js';

let server: RedisServer | undefined;
const clients: Redis[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});
const client = async () => {
  server ??= await startRedis();
  const c = new Redis(server.url, { maxRetriesPerRequest: null });
  clients.push(c);
  return c;
};

presenceConformance('Redis', {
  ttlMs: 300,
  async open() {
    const presence = new RedisPresence({ redis: await client(), ttlMs: 300, prefix: `t${randomUUID().slice(0, 8)}` });
    await presence.ready();
    return { presence, cleanup: () => presence.close() };
  },
});

test('after Redis restarts empty, the next heartbeat registers the gateway connections again', async () => {
  const redis = await client();
  const presence = new RedisPresence({ redis, ttlMs: 5000, prefix: 'restart' });
  try {
    await presence.connect({ userId: 'u1', gatewayId: 'gw1', connectionId: 'c1' });
    await server!.restart();
    await eventually(async () => assert.equal((await presence.locate(['u1'])).size, 0));
    await presence.heartbeat('gw1');
    assert.deepEqual((await presence.locate(['u1'])).get('u1'), ['gw1']);
  } finally {
    await presence.close();
  }
});
