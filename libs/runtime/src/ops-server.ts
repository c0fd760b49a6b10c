import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** /healthz (200 when ready, 503 otherwise) for apps that serve nothing else over HTTP. */
export async function startOpsServer(options: { port: number; host?: string; ready: () => boolean }): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/healthz') {
      const ok = options.ready();
      res.statusCode = ok ? 200 : 503;
      return void res.end(JSON.stringify({ status: ok ? 'ok' : 'starting' }));
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
