import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContextOptions } from 'node:tls';
import { TcpFrameDecoder, encodeTcpFrame } from '@parley/protocol';
import type { Transport, TransportConnection, TransportEvents } from '../transport.js';

export interface TcpTransportOptions {
  /** For `tls://`: certificate(s) (PEM) to trust instead of the system's, e.g. a self-signed server certificate. */
  readonly ca?: SecureContextOptions['ca'];
  /** Send a `ping` after this long without hearing from the server (default 30 s). */
  readonly pingAfterMs?: number;
  /** After that ping, drop the connection (close 1006) when nothing arrives for this long (default 15 s). */
  readonly deadAfterMs?: number;
  /** Give up connecting (close 1006) after this long (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** The largest server frame accepted; a larger length prefix ends the connection (default 8 MiB). */
  readonly maxFrameBytes?: number;
}

/** The port a `tcp://` or `tls://` URL without one means: the single node's default PARLEY_TCP_PORT. */
export const DEFAULT_TCP_PORT = 8081;

/**
 * The raw TCP transport (`tcp://host:port`, and `tls://host:port` over node:tls) for Node: the WebSocket
 * protocol's frames, each as a uint32 big-endian length plus UTF-8 JSON (docs/PROTOCOL.md "TCP",
 * @parley/protocol `encodeTcpFrame`). What WebSocket does in its own protocol, it does with frames: the
 * server's final `{"type":"close","code","reason"}` frame becomes the connection's close code (so the
 * client's reconnect and stop rules apply unchanged), a `{"type":"heartbeat"}` is answered with a `ping`,
 * and a server silent for `pingAfterMs` gets a `ping` of ours and is dropped as dead after `deadAfterMs`
 * more. Neither control frame reaches the client.
 */
export function tcpTransport(options: TcpTransportOptions = {}): Transport {
  const config: TcpConfig = Object.freeze({
    ca: options.ca,
    pingAfterMs: options.pingAfterMs ?? 30_000,
    deadAfterMs: options.deadAfterMs ?? 15_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxFrameBytes: options.maxFrameBytes ?? 8 * 1024 * 1024,
  });
  return Object.freeze({
    schemes: Object.freeze(['tcp', 'tls']),
    connect: (url: URL, events: TransportEvents) => new TcpConnection(url, config, events),
  });
}

type TcpConfig = Readonly<Required<Omit<TcpTransportOptions, 'ca'>> & Pick<TcpTransportOptions, 'ca'>>;

const PING = JSON.stringify({ type: 'ping' });
/** Close code for a server that broke the framing (WebSocket's "protocol error"). */
const PROTOCOL_ERROR = 1002;
/** Close code for a connection that ended without a close frame (WebSocket's "abnormal closure"). */
const ABNORMAL = 1006;

class TcpConnection implements TransportConnection {
  private readonly socket: Socket;
  private readonly decoder: TcpFrameDecoder;
  private readonly utf8 = new TextDecoder();
  /** Set once the end was reported or the client closed: nothing is reported after it. */
  private done = false;
  private lastError: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private deadTimer: NodeJS.Timeout | undefined;

  constructor(
    url: URL,
    private readonly config: TcpConfig,
    private readonly events: TransportEvents,
  ) {
    this.decoder = new TcpFrameDecoder(config.maxFrameBytes);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    const port = url.port ? Number(url.port) : DEFAULT_TCP_PORT;
    const secure = url.protocol === 'tls:';
    this.socket = secure
      ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...(config.ca !== undefined ? { ca: config.ca } : {}) })
      : netConnect({ host, port });
    this.socket.setNoDelay(true);
    const connectTimer = setTimeout(() => this.fail(`could not connect to ${url.host} within ${config.connectTimeoutMs} ms`), config.connectTimeoutMs);
    connectTimer.unref();
    this.socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      if (this.done) return;
      this.idleTimer = setTimeout(() => this.onIdle(), config.pingAfterMs).unref();
      this.events.open();
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => (this.lastError = error.message));
    this.socket.on('close', () => {
      clearTimeout(connectTimer);
      this.end(ABNORMAL, this.lastError ?? 'connection lost');
    });
  }

  send(text: string): void {
    if (!this.done && this.socket.writable) this.socket.write(encodeTcpFrame(text));
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.stopTimers();
    this.socket.end();
    // The server closes its side on our FIN; if it does not, do not keep the socket (and the process) alive.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    this.idleTimer?.refresh();
    clearTimeout(this.deadTimer);
    this.deadTimer = undefined;
    const { frames, error } = this.decoder.push(chunk);
    for (const bytes of frames) {
      let frame: unknown;
      try {
        frame = JSON.parse(this.utf8.decode(bytes));
      } catch {
        continue;
      }
      const control = frame as { type?: unknown; code?: unknown; reason?: unknown };
      if (control.type === 'heartbeat') {
        this.send(PING);
      } else if (control.type === 'close') {
        // The server's last word; it closes the socket next.
        this.end(typeof control.code === 'number' ? control.code : ABNORMAL, typeof control.reason === 'string' ? control.reason : '');
        this.socket.end();
      } else {
        this.events.frame(frame);
      }
      if (this.done) return;
    }
    if (error) this.fail(`the server broke the TCP framing (${error.kind})`, PROTOCOL_ERROR);
  }

  private onIdle(): void {
    if (this.done) return;
    this.send(PING);
    this.deadTimer = setTimeout(() => this.fail(`no answer from the server for ${this.config.pingAfterMs + this.config.deadAfterMs} ms`), this.config.deadAfterMs).unref();
  }

  private fail(reason: string, code = ABNORMAL): void {
    this.end(code, reason);
    this.socket.destroy();
  }

  private end(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.stopTimers();
    this.events.close(code, reason);
  }

  private stopTimers(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadTimer);
  }
}
