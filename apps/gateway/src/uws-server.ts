import { request as httpRequest } from 'node:http';
import uWS from 'uWebSockets.js';
import { CloseCodes } from '@parley/protocol';
import { healthBody, type HealthReport, type Logger } from '@parley/core';
import type { Gateway } from './gateway.js';
import type { Session } from './session.js';

export interface UwsServerOptions {
  readonly host: string;
  readonly port: number;
  /** Undefined until the node is ready: WebSocket upgrades get 503 until then. */
  readonly gateway: () => Gateway | undefined;
  readonly logger: Logger;
  /** Hard cap on a WebSocket message uWS will buffer; larger ones drop the connection. */
  readonly maxPayloadBytes: number;
  /** Messages above this (but under the hard cap) are refused with an error frame; the connection stays. */
  readonly maxFrameBytes: number;
  /** Per-socket send buffer uWS keeps before dropping writes (the gateway closes at its own, lower limit). */
  readonly maxBackpressureBytes: number;
  /**
   * Seconds of silence before uWS drops a connection (0: never): only a backstop. The gateway's heartbeat
   * pings and closes silent connections (4010) well before; uWS's automatic pings are off.
   */
  readonly idleTimeoutSeconds: number;
  /**
   * Where the HTTP API lives (single node): requests that are not the WebSocket or /healthz are passed
   * through to it; undefined while starting. Absent (distributed): such requests get 404.
   */
  readonly httpUpstream?: () => { host: string; port: number } | undefined;
  readonly maxHttpBodyBytes: number;
  readonly ready: () => boolean;
  /** The consumers' health (single node): once ready, /healthz answers with its body, 503 when a consumer is stuck or lagging. */
  readonly health?: () => HealthReport;
}

interface SocketData {
  session: Session | undefined;
  closed: boolean;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'proxy-connection', 'te', 'trailer']);

/**
 * The only file that knows uWebSockets.js: the WebSocket endpoint at /v1/ws with explicit limits, /healthz,
 * and a small pass-through for the HTTP API so single-node mode serves everything on one port.
 */
export class UwsServer {
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;

  constructor(private readonly options: UwsServerOptions) {}

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const { logger } = this.options;
    const app = uWS.App();
    app.ws<SocketData>('/v1/ws', {
      compression: uWS.DISABLED,
      maxPayloadLength: this.options.maxPayloadBytes,
      maxBackpressure: this.options.maxBackpressureBytes,
      closeOnBackpressureLimit: 0,
      idleTimeout: this.options.idleTimeoutSeconds,
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => {
        if (!this.options.gateway()) {
          res.cork(() => res.writeStatus('503 Service Unavailable').end('starting'));
          return;
        }
        res.upgrade<SocketData>(
          { session: undefined, closed: false },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        const data = ws.getUserData();
        const gateway = this.options.gateway();
        if (!gateway) return void ws.end(CloseCodes.tryAgainLater, 'starting');
        data.session = gateway.open({
          send: (text) => {
            if (data.closed) return false;
            return ws.send(text, false, false) !== 2;
          },
          sendMany: (texts) => {
            if (data.closed) return false;
            let ok = true;
            ws.cork(() => {
              for (const text of texts) ok = ws.send(text, false, false) !== 2 && ok;
            });
            return ok;
          },
          bufferedAmount: () => (data.closed ? 0 : ws.getBufferedAmount()),
          ping: () => {
            if (!data.closed) ws.ping();
          },
          close: (code, reason) => {
            if (data.closed) return;
            data.closed = true;
            ws.end(code, reason.slice(0, 120));
          },
        });
      },
      message: (ws, message) => {
        const session = ws.getUserData().session;
        const gateway = this.options.gateway();
        if (!session || !gateway) return;
        if (message.byteLength > this.options.maxFrameBytes) return gateway.oversized(session, message.byteLength);
        gateway.message(session, Buffer.from(message).toString('utf8'));
      },
      // A pong answers the heartbeat's ping; a client's own ping shows it is alive as well.
      pong: (ws) => this.heard(ws.getUserData()),
      ping: (ws) => this.heard(ws.getUserData()),
      close: (ws) => {
        const data = ws.getUserData();
        data.closed = true;
        if (data.session) this.options.gateway()?.closed(data.session);
      },
    });
    app.get('/healthz', (res) => {
      const ready = this.options.ready();
      const body = !ready ? { status: 'starting' } : this.options.health ? healthBody(this.options.health()) : { status: 'ok' };
      res.cork(() => {
        res.writeStatus(body.status === 'ok' ? '200 OK' : '503 Service Unavailable').writeHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ...body, connections: this.options.gateway()?.connectionCount ?? 0 }));
      });
    });
    // `any` covers the nine methods uWS knows (GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH). uWS
    // 20.30 closes the connection for any other method before a handler can run, and has no hook for it:
    // docs/openapi.yaml says so; the query service alone (node's parser) answers those with a JSON 400.
    app.any('/*', (res, req) => this.passThrough(res, req));
    await new Promise<void>((resolve, reject) => {
      app.listen(this.options.host, this.options.port, (socket) => {
        if (!socket) return reject(new Error(`Cannot listen on ${this.options.host}:${this.options.port}: is the port in use, or is HOST not an address of this machine? Set PORT to another port, or HOST to 127.0.0.1 or 0.0.0.0.`));
        this.listenSocket = socket;
        this.boundPort = uWS.us_socket_local_port(socket as unknown as uWS.us_socket);
        resolve();
      });
    });
    logger.info('gateway listening', { host: this.options.host, port: this.boundPort });
  }

  private heard(data: SocketData): void {
    if (data.session) this.options.gateway()?.heard(data.session);
  }

  private passThrough(res: uWS.HttpResponse, req: uWS.HttpRequest): void {
    const upstream = this.options.httpUpstream?.();
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const respond = (status: string, headers: Array<[string, string]>, body: Buffer | string): void => {
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(status);
        for (const [k, v] of headers) res.writeHeader(k, v);
        res.end(body);
      });
    };
    const method = req.getMethod().toUpperCase();
    const json = [['content-type', 'application/json']] as Array<[string, string]>;
    // CONNECT asks for a tunnel; node's HTTP server behind would drop the connection, so it is refused here.
    if (method === 'CONNECT') {
      return respond('400 Bad Request', json, JSON.stringify({ error: { code: 'bad_request', message: 'CONNECT is for proxies; this is not one' } }));
    }
    if (!this.options.httpUpstream && req.getUrl() === '/healthz') {
      if (method === 'HEAD') return respond(this.options.ready() ? '200 OK' : '503 Service Unavailable', json, '');
      return respond('405 Method Not Allowed', [...json, ['allow', 'GET, HEAD']], JSON.stringify({ error: { code: 'method_not_allowed', message: `${method} is not allowed here; allowed: GET, HEAD` } }));
    }
    if (!this.options.httpUpstream) {
      return respond('404 Not Found', [['content-type', 'application/json']], JSON.stringify({ error: { code: 'not_found', message: 'This gateway serves /v1/ws and /healthz; the HTTP API is on the query service' } }));
    }
    if (!upstream) {
      return respond('503 Service Unavailable', [['content-type', 'application/json']], JSON.stringify({ error: { code: 'unavailable', message: 'Parley is starting; retry shortly' } }));
    }
    const query = req.getQuery();
    const path = req.getUrl() + (query ? `?${query}` : '');
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      if (!HOP_BY_HOP.has(k)) headers[k] = v;
    });
    headers['x-forwarded-for'] = Buffer.from(res.getRemoteAddressAsText()).toString();
    const forward = (body: Buffer): void => {
      const upstreamReq = httpRequest(
        { host: upstream.host, port: upstream.port, method, path, headers: { ...headers, 'content-length': String(body.length) } },
        (upstreamRes) => {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (c: Buffer) => chunks.push(c));
          upstreamRes.on('end', () => {
            const out: Array<[string, string]> = [];
            for (const [k, v] of Object.entries(upstreamRes.headers)) {
              if (v === undefined || HOP_BY_HOP.has(k) || k === 'date') continue; // uWS writes its own Date
              for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
            }
            respond(`${upstreamRes.statusCode ?? 502} ${upstreamRes.statusMessage ?? ''}`, out, Buffer.concat(chunks));
          });
        },
      );
      upstreamReq.on('error', (error) => {
        this.options.logger.warn('HTTP API upstream failed', { error });
        respond('503 Service Unavailable', [['content-type', 'application/json']], JSON.stringify({ error: { code: 'unavailable', message: 'The API is not reachable; retry shortly' } }));
      });
      upstreamReq.end(body);
    };
    if (method === 'GET' || method === 'HEAD') return forward(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    res.onData((chunk, isLast) => {
      if (tooLarge) return;
      size += chunk.byteLength;
      if (size > this.options.maxHttpBodyBytes) {
        tooLarge = true;
        return respond('413 Payload Too Large', [['content-type', 'application/json']], JSON.stringify({ error: { code: 'payload_too_large', message: 'The request body is too large' } }));
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) forward(Buffer.concat(chunks));
    });
  }

  /** Stops listening for new connections (existing ones stay until the gateway drains them). Idempotent. */
  stopListening(): void {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }
}

