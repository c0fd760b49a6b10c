import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isParleyError, type Delivery } from '@parley/core';
import { createHttpDelivery, parseDeliveries } from './http-delivery.js';
import { gatewayIdFor, deliveryUrl } from './gateway-address.js';

test('a hand-off reaches the gateway named by its id, with the token; non-204 answers are failures', async () => {
  const got: Array<{ auth: string | undefined; body: unknown }> = [];
  let status = 204;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      got.push({ auth: req.headers.authorization, body: JSON.parse(raw) });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const id = gatewayIdFor('gw-1', '127.0.0.1', (server.address() as AddressInfo).port);
    const deliver = createHttpDelivery({ token: 'secret', timeoutMs: 2000 });
    const batch: Delivery[] = [{ frame: { type: 'message' }, userIds: ['u1'], conversation: 'g.1', seq: 1 }];
    await deliver(id, batch);
    assert.deepEqual(got[0], { auth: 'Bearer secret', body: { deliveries: batch } });
    assert.deepEqual(parseDeliveries(got[0]!.body), batch);
    status = 401;
    await assert.rejects(deliver(id, batch), (e) => isParleyError(e, 'unavailable'));
  } finally {
    server.close();
  }
});

test('ids carry the address; malformed bodies are refused', () => {
  assert.equal(deliveryUrl('gw-a@10.0.0.7:9100'), 'http://10.0.0.7:9100/internal/deliver');
  assert.throws(() => gatewayIdFor('bad/name', 'h', 1), /Invalid gateway name/);
  assert.throws(() => deliveryUrl('gw-without-address'), /carries no address/);
  assert.throws(() => parseDeliveries({ deliveries: [{ frame: {}, userIds: [] }] }), /frame.type/);
  assert.throws(() => parseDeliveries([]), /deliveries/);
});
