import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { TcpFrameDecoder, encodeTcpFrame, type TcpDecodeError } from '@parley/protocol';
import { within } from './server.js';

export type Frame = Record<string, unknown>;

/** Largest frame a test client reads: above anything the server sends. */
const MAX_READ_FRAME_BYTES = 4 * 1024 * 1024;

export interface RawTcpOptions {
  /** Connect with TLS, trusting this certificate (the server's name is `localhost`). */
  readonly tls?: { readonly ca: string | Buffer };
  /** Answer each `heartbeat` frame with a `ping`, as a client must (default true). */
  readonly answerHeartbeats?: boolean;
  /** Each frame the server sends, decoded, in order. */
  readonly onFrame: (frame: Frame) => void;
  /** The server broke the framing (the test decides whether that fails it). */
  readonly onFramingError?: (error: TcpDecodeError) => void;
}

export interface RawTcpConnection {
  readonly socket: Socket;
  /** Resolves when the socket closes, with the time (ms since the epoch) it did. */
  readonly ended: Promise<number>;
  /** Writes one frame: an object as JSON, a string as it is. */
  send(frame: unknown): void;
}

/**
 * A client of the raw TCP port with nothing but node:net (or node:tls) and the codec, as a device without
 * WebSocket would write it (docs/PROTOCOL.md "TCP"). Connects within 5 s or fails.
 */
export async function connectRawTcp(port: number, options: RawTcpOptions): Promise<RawTcpConnection> {
  const socket = options.tls
    ? tlsConnect({ host: '127.0.0.1', port, ca: options.tls.ca, servername: 'localhost' })
    : netConnect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const decoder = new TcpFrameDecoder(MAX_READ_FRAME_BYTES);
  const send = (frame: unknown): void => void socket.write(encodeTcpFrame(typeof frame === 'string' ? frame : JSON.stringify(frame)));
  socket.on('data', (chunk: Buffer) => {
    const { frames, error } = decoder.push(chunk);
    if (error) options.onFramingError?.(error);
    for (const payload of frames) {
      const frame = JSON.parse(new TextDecoder().decode(payload)) as Frame;
      options.onFrame(frame);
      if (frame.type === 'heartbeat' && options.answerHeartbeats !== false) send({ type: 'ping' });
    }
  });
  socket.on('error', () => undefined);
  const ended = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    }),
    5000,
    options.tls ? 'TLS handshake' : 'TCP connect',
  );
  return { socket, ended, send };
}
