import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { healthBody, type HealthReport } from '@parley/core';

/**
 * /healthz for apps that serve nothing else over HTTP: 503 `{status:'starting'}` until `ready`, then the
 * consumers' `health` (docs/OPERATIONS.md "Health and readiness"): 200 `{status:'ok', problems: [],
 * quarantined, notices}` or 503 `{status:'unhealthy', problems, quarantined, notices}` when a consumer is stuck or lagging.
 */
export async function startOpsServer(options: { port: number; host?: string; ready: () => boolean; health?: () => HealthReport }): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/healthz') {
      if (!options.ready()) {
        res.statusCode = 503;
        return void res.end(JSON.stringify({ status: 'starting' }));
      }
      const body = options.health ? healthBody(options.health()) : { status: 'ok' as const };
      res.statusCode = body.status === 'ok' ? 200 : 503;
      return void res.end(JSON.stringify(body));
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { code: 'not_found', message: 'Only /healthz here' } }));
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
