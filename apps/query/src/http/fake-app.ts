import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ParleyError, silentLogger } from '@parley/core';
import type { TokenClaims } from '@parley/auth';
import { createHttpApp } from './create-http-app.js';
import type { HttpAppDeps } from './http-app-deps.js';
import { guardHttpServer } from './method-guards.js';

/**
 * For tests of the routes over fakes: the HTTP app served on a free loopback port with the deps a test
 * gives, and a client that answers every response as it came (status, headers, parsed JSON body).
 */

/** The only token the fake authenticator takes (`Authorization: Bearer valid-token-123`). */
export const TEST_TOKEN = 'valid-token-123';

/** What every fake app needs besides the store: an authenticator taking TEST_TOKEN as `claims`, a hasher that matches nothing, no logs, no limits in the way. */
export function fakeEdge(claims: TokenClaims): Pick<HttpAppDeps, 'authenticate' | 'hasher' | 'logger' | 'ready'> & { limits: Record<string, number> } {
  return {
    authenticate: async (token: string) => {
      if (token !== TEST_TOKEN) throw new ParleyError('invalid_token', 'bad token');
      return claims;
    },
    hasher: { hash: async () => 'h', verify: async () => false } as unknown as HttpAppDeps['hasher'],
    logger: silentLogger,
    limits: { authPerMinute: 1e6, apiPerMinute: 1e6, maxGroupMembers: 10 },
    ready: () => true,
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code: string; message: string; details?: { field?: string } & Record<string, unknown> } } & Record<string, unknown>;
}

export interface RawOptions {
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** false: no Authorization header. */
  auth?: boolean;
}

export interface FakeApp {
  /** The loopback port it listens on (for a raw socket). */
  readonly port: number;
  /** A request with `body` as JSON (none when undefined), as the caller with TEST_TOKEN. */
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  /** A request with exactly these bytes and headers (Content-Length always set when there is a body). */
  raw(method: string, path: string, options?: RawOptions): Promise<Answer>;
  close(): Promise<void>;
}

/** Serves `createHttpApp(deps)` (behind the same method guards as main.ts) until `close`. */
export async function serveFakeApp(deps: unknown): Promise<FakeApp> {
  const server: Server = createServer(createHttpApp(deps as HttpAppDeps));
  guardHttpServer(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const raw = (method: string, path: string, options: RawOptions = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      // Content-Length always: node's client frames no body of DELETE or OPTIONS by itself.
      const length: Record<string, string> = options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) };
      const headers: Record<string, string> = { ...(options.auth === false ? {} : { authorization: `Bearer ${TEST_TOKEN}` }), ...length, ...options.headers };
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Answer['body']) : {} });
        });
      });
      req.on('error', reject);
      req.end(options.body);
    });
  return {
    port,
    raw,
    call: (method, path, body) => raw(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
