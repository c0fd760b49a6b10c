import { ParleyError, type DeliverToGateway, type Delivery } from '@parley/core';
import { deliveryUrl } from './gateway-address.js';

/*
 * Wire format of a hand-off, fanout -> gateway:
 *   POST http://<gateway internal address>/internal/deliver
 *   authorization: Bearer <PARLEY_INTERNAL_TOKEN>
 *   content-type: application/json
 *   { "deliveries": Delivery[] }      (see libs/core/src/ports/delivery.ts)
 * The gateway answers 204 once every frame is written to its sockets' buffers; anything else is a failure
 * and fanout moves on (the gateway's clients resume from history).
 */
export interface HttpDeliveryOptions {
  readonly token: string;
  readonly timeoutMs: number;
}

export function createHttpDelivery(options: HttpDeliveryOptions): DeliverToGateway {
  return async (gatewayId, batch) => {
    const res = await fetch(deliveryUrl(gatewayId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ deliveries: batch }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (res.status !== 204) throw new ParleyError('unavailable', `Gateway ${gatewayId} answered ${res.status}`);
  };
}

/** Validates a hand-off body on the gateway side; throws `bad_request` naming what is wrong. */
export function parseDeliveries(body: unknown): Delivery[] {
  const list = (body as { deliveries?: unknown } | null)?.deliveries;
  if (!Array.isArray(list)) throw new ParleyError('bad_request', 'Body must be {"deliveries": [...]}');
  for (const d of list as Array<Record<string, unknown>>) {
    const frame = d?.['frame'] as { type?: unknown } | undefined;
    const ok =
      typeof frame?.type === 'string' &&
      Array.isArray(d['userIds']) &&
      (d['userIds'] as unknown[]).every((u) => typeof u === 'string') &&
      (d['origin'] === undefined || typeof (d['origin'] as { connectionId?: unknown }).connectionId === 'string');
    if (!ok) throw new ParleyError('bad_request', 'Each delivery needs frame.type, userIds[] and an optional origin.connectionId');
  }
  return list as Delivery[];
}
