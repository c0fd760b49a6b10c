import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { isParleyError, type Logger } from '@parley/core';
import { parseDeliveries } from '@parley/delivery-http';
import type { Gateway } from './gateway.js';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * The gateway's internal endpoint for fanout's hand-offs (see @parley/delivery-http for the wire format):
 * token-checked, size-bounded, answers 204 once the batch is written to the sockets' buffers.
 */
export async function startInternalServer(options: { host: string; port: number; token: string; gateway: Gateway; logger: Logger }): Promise<{ port: number; close(): Promise<void> }> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const server: Server = createServer((req, res) => {
    const fail = (status: number, code: string, message: string): void => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { code, message } }));
    };
    if (req.method !== 'POST' || req.url !== '/internal/deliver') return fail(404, 'not_found', 'POST /internal/deliver only');
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) return fail(401, 'unauthenticated', 'Wrong internal token');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        fail(413, 'payload_too_large', 'Hand-off too large');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      let deliveries;
      try {
        deliveries = parseDeliveries(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        return fail(400, 'bad_request', isParleyError(error) ? error.message : 'Body is not JSON');
      }
      options.gateway.deliver(deliveries).then(
        () => {
          res.statusCode = 204;
          res.end();
        },
        (error: unknown) => {
          options.logger.error('delivering a hand-off failed', { error });
          fail(500, 'internal', 'Delivery failed');
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
