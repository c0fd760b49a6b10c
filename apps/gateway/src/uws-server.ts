import { request as httpRequest, type IncomingMessage } from 'node:http';
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
  /** The largest upload chunk body (PUT /v1/uploads/...) passed through; default 64 MiB. The API enforces its own, smaller, chunk limit. */
  readonly maxUploadBodyBytes?: number;
  readonly ready: () => boolean;
  /** The consumers' health (single node): once ready, /healthz answers with its body, 503 when a consumer is stuck or lagging. */
  readonly health?: () => HealthReport;
}

interface SocketData {
  session: Session | undefined;
  closed: boolean;
}

/** An answer up to this size is sent in one write, with its length; larger ones stream. */
const SMALL_BODY_BYTES = 256 * 1024;
const MAX_UPLOAD_BODY_BYTES = 64 * 1024 * 1024;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'proxy-connection', 'te', 'trailer']);

/**
 * The only file that knows uWebSockets.js: the WebSocket endpoint at /v1/ws with explicit limits, /healthz,
 * and a small pass-through for the HTTP API so single-node mode serves everything on one port.
 */
export class UwsServer {
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;
  private sockets = 0;

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
      // Past the limit uWS would skip a subscriber's published message: close it instead (it resumes).
      // The gateway closes slow connections well before (GatewayLimits.maxBufferedBytes).
      closeOnBackpressureLimit: 1,
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
        // Every socket keeps a topic of its own: uWS frees a socket's subscriber, with the published
        // messages not yet written to it, when it leaves its last topic.
        ws.subscribe(`socket/${++this.sockets}`);
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
          topics: {
            subscribe: (topic) => {
              if (!data.closed) ws.subscribe(topic);
            },
            unsubscribe: (topic) => {
              if (!data.closed) ws.unsubscribe(topic);
            },
            publish: (topic, text, exceptSelf) => {
              if (exceptSelf && !data.closed) ws.publish(topic, text, false, false);
              else app.publish(topic, text, false, false);
            },
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
    /**
     * Whether an answer has begun (ours or the API's): nothing else may be written then; and whether the
     * request's body has all arrived: an answer before that (a 413 while a chunk streams) closes the
     * connection, since the rest of the body would be read as the next request.
     */
    const answer = { started: false, bodyDone: false, paused: false };
    /** Our own answer; `close` ends the connection after it (a body left unread must not become the next request). */
    const respond = (status: string, headers: Array<[string, string]>, body: Buffer | string, close = false): void => {
      if (aborted || answer.started) return;
      answer.started = true;
      if (answer.paused) {
        answer.paused = false;
        res.resume();
      }
      res.cork(() => {
        res.writeStatus(status);
        for (const [k, v] of headers) res.writeHeader(k, v);
        res.end(body, close);
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
    const url = req.getUrl();
    const path = url + (query ? `?${query}` : '');
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      if (!HOP_BY_HOP.has(k)) headers[k] = v;
    });
    headers['x-forwarded-for'] = Buffer.from(res.getRemoteAddressAsText()).toString();
    const declared = req.getHeader('content-length');
    // An upload chunk may be larger than other bodies; the API stops one past its own chunk limit while it streams.
    const limit = method === 'PUT' && url.startsWith('/v1/uploads/') ? (this.options.maxUploadBodyBytes ?? MAX_UPLOAD_BODY_BYTES) : this.options.maxHttpBodyBytes;
    if (/^[0-9]{1,15}$/.test(declared) && Number(declared) > limit) {
      return respond('413 Payload Too Large', json, JSON.stringify({ error: { code: 'payload_too_large', message: `The request body is over ${limit} bytes` } }), true);
    }
    const hasBody = method !== 'GET' && method !== 'HEAD';
    // Both directions stream with backpressure: an upload chunk or a video is never held whole in memory.
    const upstreamReq = httpRequest(
      {
        host: upstream.host,
        port: upstream.port,
        method,
        path,
        headers: { ...headers, ...(!hasBody ? {} : /^[0-9]{1,15}$/.test(declared) ? { 'content-length': declared } : { 'transfer-encoding': 'chunked' }) },
      },
      (upstreamRes) => {
        if (answer.started) return void upstreamRes.destroy();
        answer.started = true;
        // The API answered while the body was held back for it (a 413 mid-chunk): a paused socket writes nothing.
        if (answer.paused && !aborted) {
          answer.paused = false;
          res.resume();
        }
        this.relay(res, upstreamRes, method, () => aborted, () => !answer.bodyDone);
      },
    );
    upstreamReq.on('error', (error) => {
      if (aborted) return;
      this.options.logger.warn('HTTP API upstream failed', { error });
      respond('503 Service Unavailable', json, JSON.stringify({ error: { code: 'unavailable', message: 'The API is not reachable; retry shortly' } }));
    });
    res.onAborted(() => {
      aborted = true;
      upstreamReq.destroy();
    });
    if (!hasBody) {
      answer.bodyDone = true;
      upstreamReq.end();
      return;
    }
    let size = 0;
    let tooLarge = false;
    res.onData((chunk, isLast) => {
      if (tooLarge || aborted) return;
      size += chunk.byteLength;
      if (size > limit) {
        tooLarge = true;
        upstreamReq.destroy();
        return respond('413 Payload Too Large', json, JSON.stringify({ error: { code: 'payload_too_large', message: `The request body is over ${limit} bytes` } }), true);
      }
      // uWS reuses the chunk's memory after this callback: copy it before it waits in the upstream's buffer.
      if (!upstreamReq.write(Buffer.from(chunk.slice(0))) && !isLast && !answer.started) {
        answer.paused = true;
        res.pause();
        upstreamReq.once('drain', () => {
          if (!aborted && answer.paused) {
            answer.paused = false;
            res.resume();
          }
        });
      }
      if (isLast) {
        answer.bodyDone = true;
        upstreamReq.end();
      }
    });
  }

  /**
   * Writes the API's answer to the client as it arrives: small bodies whole, larger ones with their length
   * known through uWS's tryEnd and onWritable (the upstream paused while the client's socket is full), or
   * chunked when the API did not say a length.
   */
  private relay(res: uWS.HttpResponse, upstreamRes: IncomingMessage, method: string, aborted: () => boolean, early: () => boolean): void {
    const stop = (): void => {
      upstreamRes.destroy();
    };
    if (aborted()) return stop();
    const out: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(upstreamRes.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || k === 'date') continue; // uWS writes its own Date
      for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
    }
    const status = `${upstreamRes.statusCode ?? 502} ${upstreamRes.statusMessage ?? ''}`;
    const lengthHeader = upstreamRes.headers['content-length'];
    const total = lengthHeader !== undefined && /^[0-9]{1,15}$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const head = (): void => {
      res.writeStatus(status);
      for (const [k, v] of out) res.writeHeader(k, v);
    };
    if (method === 'HEAD') {
      upstreamRes.resume();
      upstreamRes.on('end', () => {
        if (!aborted()) res.cork(() => { head(); res.endWithoutBody(total); });
      });
      return;
    }
    upstreamRes.on('error', () => {
      if (!aborted()) res.close();
    });
    if (total === undefined || total <= SMALL_BODY_BYTES) {
      // JSON answers and other small bodies: one write with its length.
      if (total !== undefined || !upstreamRes.headers['transfer-encoding']) {
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (c: Buffer) => chunks.push(c));
        upstreamRes.on('end', () => {
          if (!aborted()) res.cork(() => { head(); res.end(Buffer.concat(chunks), early()); });
        });
        return;
      }
      let started = false;
      upstreamRes.on('data', (c: Buffer) => {
        if (aborted()) return stop();
        res.cork(() => {
          if (!started) head();
          started = true;
          if (!res.write(c)) {
            upstreamRes.pause();
            res.onWritable(() => {
              upstreamRes.resume();
              return true;
            });
          }
        });
      });
      upstreamRes.on('end', () => {
        if (!aborted()) res.cork(() => { if (!started) head(); res.end(undefined, early()); });
      });
      return;
    }
    let started = false;
    let finished = false;
    upstreamRes.on('data', (c: Buffer) => {
      if (aborted() || finished) return stop();
      res.cork(() => {
        if (!started) head();
        started = true;
        const base = res.getWriteOffset();
        const [ok, done] = res.tryEnd(c, total);
        if (done) finished = true;
        else if (!ok) {
          upstreamRes.pause();
          res.onWritable((offset) => {
            const [ok2, done2] = res.tryEnd(c.subarray(offset - base), total);
            if (done2) finished = true;
            else if (ok2) upstreamRes.resume();
            return ok2;
          });
        }
      });
    });
    upstreamRes.on('end', () => {
      // The API said a length and sent fewer bytes: the client must not wait for the rest.
      if (!finished && !aborted()) res.close();
    });
  }

  /** Stops listening for new connections (existing ones stay until the gateway drains them). Idempotent. */
  stopListening(): void {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }
}

