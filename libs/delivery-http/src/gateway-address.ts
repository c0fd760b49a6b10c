import { ParleyError } from '@parley/core';

/**
 * In distributed mode a gateway's id says where fanout reaches it: `<name>@<host>:<port>`, the gateway's
 * internal delivery endpoint. No registry to keep in sync: the id a gateway writes into presence is the
 * address. Ids never contain '/' (connection ids are `<gatewayId>/<n>`).
 */
export function gatewayIdFor(name: string, host: string, port: number): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || !/^[A-Za-z0-9_.:[\]-]{1,255}$/.test(host)) {
    throw new ParleyError('config', `Invalid gateway name or advertised host: ${name} ${host}`);
  }
  return `${name}@${host}:${port}`;
}

export function deliveryUrl(gatewayId: string): string {
  const at = gatewayId.lastIndexOf('@');
  if (at < 0) throw new ParleyError('bad_request', `Gateway id ${gatewayId} carries no address`);
  return `http://${gatewayId.slice(at + 1)}/internal/deliver`;
}
