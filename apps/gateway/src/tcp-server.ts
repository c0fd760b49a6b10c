import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { CloseCodes, TcpFrameDecoder, encodeTcpFrame, type CloseFrame } from '@parley/protocol';
import type { Logger } from '@parley/core';
import type { Gateway } from './gateway.js';
import type { Session } from './session.js';
import type { ClientSocket } from './socket.js';
import { tcpLimits } from './limits.js';
import { readTlsFiles, type TcpConfig } from './transport-config.js';

export interface TcpServerOptions {
  readonly host: string;
  /** 0: any free port (see `port` once started). */
  readonly port: number;
  /** Undefined until the node is ready: a connection gets a final `close` 1013 until then. */
  readonly gateway: () => Gateway | undefined;
  readonly logger: Logger;
  /** Largest frame payload read (the WebSocket frame limit); a longer length prefix ends the connection (1009). */
  readonly maxFrameBytes: number;
  /**
   * Unsent output the transport keeps before it closes the connection itself (4008), like uWS's
   * maxBackpressure; the gateway closes slow readers at its own, lower limit first.
   */
  readonly maxBackpressureBytes: number;
  /** After a close, how long a client gets to read the final frames before the socket is destroyed. */
  readonly closeLingerMs: number;
  /** PEM certificate and key: when given, the listener accepts TLS only. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** A TLS handshake not finished within this is dropped. */
  readonly tlsHandshakeTimeoutMs?: number;
}

/**
 * Raw TCP access (node:net, or node:tls with a certificate): the WebSocket protocol's JSON frames in
 * @parley/protocol's length-prefixed framing (tcp-framing.ts), fed to the same Gateway core as the WebSocket
 * transport. Only TCP needs: a final `close` frame before every close, and the `heartbeat` frame as its ping.
 *
 * Framing errors end the connection, since the stream cannot be resynchronised: a length prefix over
 * maxFrameBytes gets an `error` `payload_too_large`, then `close` 1009; an empty frame (length 0) gets
 * `close` 4004. Invalid UTF-8 is decoded with replacement characters, as the WebSocket transport decodes a
 * binary frame, and answered the same way. A frame that never completes counts as silence: the heartbeat
 * closes such a connection (4010; before auth, the auth deadline closes it with 4001).
 */
export class TcpServer {
  /** The listener a gateway's config asks for (its limits, TLS files read), or undefined when TCP is off. */
  static async fromConfig(
    config: { readonly host: string; readonly maxContentBytes: number; readonly tcp: TcpConfig },
    gateway: () => Gateway | undefined,
    logger: Logger,
  ): Promise<TcpServer | undefined> {
    if (config.tcp.port === undefined) return undefined;
    return new TcpServer({
      host: config.host,
      port: config.tcp.port,
      gateway,
      logger: logger.child({ component: 'tcp' }),
      ...tcpLimits(config.maxContentBytes),
      ...(config.tcp.tls ? { tls: await readTlsFiles(config.tcp.tls) } : {}),
    });
  }

  private server: Server | undefined;
  private boundPort = 0;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: TcpServerOptions) {}

  get port(): number {
    return this.boundPort;
  }

  get tls(): boolean {
    return this.options.tls !== undefined;
  }

  async start(): Promise<void> {
    const { tls, logger } = this.options;
    const server = tls
      ? createTlsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: this.options.tlsHandshakeTimeoutMs ?? 10_000 }, (s) => this.accept(s))
      : createNetServer((s) => this.accept(s));
    // A failed handshake (garbage, a plain-TCP client, a timeout) concerns that socket only; node destroys it.
    // With a listener here, node leaves the socket open on a handshake *timeout* (a ClientHello begun, then
    // nothing): destroy it, or a stalled handshake holds a socket forever.
    server.on('tlsClientError', (error: Error, socket) => {
      logger.debug('tcp: TLS handshake failed', { error: error.message });
      socket.destroy();
    });
    server.on('error', (error) => logger.error('tcp listener failed', { error }));
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void =>
        reject(new Error(`Cannot listen for TCP on ${this.options.host}:${this.options.port}: is the port in use, or is HOST not an address of this machine? Set PARLEY_TCP_PORT to another port (or off), or HOST to 127.0.0.1 or 0.0.0.0.`, { cause: error }));
      server.once('error', fail);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : this.options.port;
    logger.info('tcp listening', { port: this.boundPort, tls: this.tls });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const connection = new TcpConnection(socket, this.options);
    socket.on('close', () => {
      this.sockets.delete(socket);
      connection.onClose();
    });
    connection.open();
  }

  /** Stops accepting connections (open ones stay until the gateway drains them). Idempotent. */
  stopListening(): void {
    this.server?.close();
  }

  /**
   * Stops listening, then waits for open connections to go (the gateway's drain has closed them with
   * 1001; each gets closeLingerMs to read that) and destroys any left. Idempotent.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stopListening();
      const deadline = Date.now() + this.options.closeLingerMs;
      while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const s of this.sockets) s.destroy();
    })());
  }
}

/** One TCP client: decodes its frames into the gateway, and is the gateway's ClientSocket for it. */
class TcpConnection implements ClientSocket {
  private readonly decoder: TcpFrameDecoder;
  private session: Session | undefined;
  private closed = false;
  private linger: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: TcpServerOptions,
  ) {
    this.decoder = new TcpFrameDecoder(options.maxFrameBytes);
  }

  open(): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A reset or a write to a gone peer: 'close' follows, which tells the gateway.
    this.socket.on('error', (error) => this.options.logger.debug('tcp socket error', { error: error.message }));
    const gateway = this.options.gateway();
    if (!gateway) return this.close(CloseCodes.tryAgainLater, 'starting; retry shortly');
    this.session = gateway.open(this); // undefined when draining: it has closed this with 1001
  }

  onClose(): void {
    this.closed = true;
    if (this.linger) clearTimeout(this.linger);
    if (this.session) this.options.gateway()?.closed(this.session);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    const { frames, error } = this.decoder.push(chunk);
    const gateway = this.options.gateway();
    for (const payload of frames) {
      if (this.closed || !this.session || !gateway) return;
      gateway.message(this.session, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    }
    if (!error || this.closed) return;
    if (error.kind === 'frame_too_large') {
      if (this.session) gateway?.oversized(this.session, error.length);
      this.close(CloseCodes.messageTooBig, `frame of ${error.length} bytes; the limit is ${this.options.maxFrameBytes}`);
    } else {
      this.close(CloseCodes.protocolAbuse, 'empty frame: a length prefix must be at least 1');
    }
  }

  send(text: string): boolean {
    return this.write(encodeOnce(text));
  }

  /** The frames as one write. */
  sendMany(texts: readonly string[]): boolean {
    if (texts.length === 1) return this.send(texts[0]!);
    return this.write(Buffer.concat(texts.map(encodeOnce)));
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.socket.writableLength;
  }

  ping(): void {
    this.send('{"type":"heartbeat"}');
  }

  /**
   * Writes the final `close` frame after whatever is still queued, ends the socket, and destroys it if the
   * client has not read everything within closeLingerMs (a slow reader must not hold it open).
   */
  close(code: number, reason: string): void {
    if (this.closed) return;
    const frame: CloseFrame = { type: 'close', code, reason: reason.slice(0, 120) };
    this.socket.end(encodeTcpFrame(JSON.stringify(frame)));
    this.closed = true;
    this.linger = setTimeout(() => this.socket.destroy(), this.options.closeLingerMs);
    this.linger.unref();
    // Closed by the transport (framing, backpressure): the session goes now, not when the client has read
    // the final frame. Closed by the gateway: it does this itself, and closed() is idempotent.
    if (this.session) this.options.gateway()?.closed(this.session);
  }

  private write(bytes: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.socket.write(bytes);
    if (this.socket.writableLength > this.options.maxBackpressureBytes) {
      this.close(CloseCodes.slowConsumer, 'send buffer full; reconnect and resume');
      return false;
    }
    return true;
  }
}

/**
 * Frames encoded in this turn of the event loop, by text. A delivery reaches every recipient connection
 * with the same text (a room message: hundreds), so it is encoded once, not once per connection; the
 * cache is dropped at the next turn, and bounded.
 */
const encodedThisTurn = new Map<string, Uint8Array>();
const MAX_SHARED_FRAMES = 1024;
function encodeOnce(text: string): Uint8Array {
  let bytes = encodedThisTurn.get(text);
  if (bytes) return bytes;
  bytes = encodeTcpFrame(text);
  if (encodedThisTurn.size === 0) setImmediate(() => encodedThisTurn.clear());
  if (encodedThisTurn.size < MAX_SHARED_FRAMES) encodedThisTurn.set(text, bytes);
  return bytes;
}
