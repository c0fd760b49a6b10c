import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { errorBody } from './http-errors.js';

/**
 * The last handler of every route: a method the route does not serve gets `405 method_not_allowed` with
 * `Allow` naming the ones it does (HEAD comes with GET, as express answers it).
 */
export function methodNotAllowed(req: Request, res: Response): void {
  const served = Object.keys((req.route as { methods?: Record<string, boolean> } | undefined)?.methods ?? {}).filter((m) => m !== '_all');
  const allow = [...new Set(served.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()])))].join(', ');
  res.set('Allow', allow);
  res.status(405).json(errorBody('method_not_allowed', `${req.method} is not allowed here; allowed: ${allow}`));
}

/**
 * Before a route's JSON body parser: anything but `Content-Type: application/json` is `415
 * unsupported_media_type`, and so is a charset other than UTF-8 (body-parser alone would decode UTF-16 and
 * UTF-32 as well; JSON is UTF-8, RFC 8259, and the docs promise 415 for any other charset).
 */
export function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (!req.is('application/json')) {
    return void res.status(415).json(errorBody('unsupported_media_type', 'Send the body as JSON with Content-Type: application/json'));
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    return void res.status(415).json(errorBody('unsupported_media_type', 'The request body must be UTF-8 JSON (Content-Type: application/json; charset=utf-8)'));
  }
  next();
}

/**
 * What node's HTTP parser refuses never reaches express: answer it with the JSON error body instead of
 * node's bare status line (or, for CONNECT, a dropped connection). A method node does not know is 400
 * (there is no route to name an `Allow` for), headers over node's limit 431, anything else 400.
 */
export function guardHttpServer(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    if (error.code === 'HPE_HEADER_OVERFLOW') return rawAnswer(socket, 431, 'Request Header Fields Too Large', errorBody('headers_too_large', 'The request headers are too large'));
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return rawAnswer(socket, 408, 'Request Timeout', errorBody('bad_request', 'The request took too long to arrive'));
    const what = error.code === 'HPE_INVALID_METHOD' ? 'Unknown HTTP method' : 'Malformed HTTP request';
    rawAnswer(socket, 400, 'Bad Request', errorBody('bad_request', what));
  });
  server.on('connect', (_req, socket: Duplex) => rawAnswer(socket, 400, 'Bad Request', errorBody('bad_request', 'CONNECT is for proxies; this is not one')));
}

function rawAnswer(socket: Duplex, status: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

/**
 * Before every API route: a query string whose percent-escapes do not decode (a lone `%`, `%zz`, bytes
 * that are not UTF-8) is `400 bad_request` naming the parameter, rather than taken literally as the query
 * parser would (docs/openapi.yaml BadQuery).
 */
export function requireWellFormedQuery(req: Request, res: Response, next: NextFunction): void {
  const at = req.originalUrl.indexOf('?');
  if (at >= 0) {
    for (const pair of req.originalUrl.slice(at + 1).split('&')) {
      const eq = pair.indexOf('=');
      const [key, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      const name = decoded(key);
      if (name === undefined || decoded(value) === undefined) {
        const field = name ?? key;
        return void res.status(400).json(errorBody('bad_request', `The query parameter "${field.slice(0, 64)}" has a malformed percent-escape`, { field: field.slice(0, 64) }));
      }
    }
  }
  next();
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
