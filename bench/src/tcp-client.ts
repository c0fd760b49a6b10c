import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { encodeTcpFrame, TcpFrameDecoder } from '@parley/protocol';

/**
 * What the driver needs of a client connection, whatever the transport: the `ws` WebSocket and the raw
 * TCP client below both fit it.
 */
export interface FrameConnection {
  /** Writes one frame (its JSON text). */
  send(text: string): void;
  /** Ends the connection politely (WebSocket close; TCP end of stream). */
  close(): void;
  /** Drops it at once. */
  terminate(): void;
  /** Called once when the connection is gone, whoever ended it. */
  onClose(listener: () => void): void;
}

/** Largest server frame this client accepts; server frames are far smaller (docs/PROTOCOL.md, TCP). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Opens a raw TCP connection (`tcp://host:port`, or `tls://host:port` with certificate checks off: a
 * benchmark's self-signed certificate), sends the auth frame and resolves once `ready` came; rejects on an
 * error or close frame before it, or after `timeoutMs`. Afterwards every frame's text goes to `onFrame`,
 * except `heartbeat`, which is answered here with a `ping` (docs/PROTOCOL.md, Heartbeats).
 *
 * Wire format (docs/PROTOCOL.md, TCP): each frame is a uint32 big-endian payload length, then the payload,
 * the frame's UTF-8 JSON text: `encodeTcpFrame` / `TcpFrameDecoder` of @parley/protocol.
 */
export function openTcp(url: string, auth: unknown, onFrame: (text: string) => void, timeoutMs = 30_000): Promise<FrameConnection> {
  const { protocol, hostname, port } = new URL(url);
  if (protocol !== 'tcp:' && protocol !== 'tls:') throw new Error(`not a tcp:// or tls:// URL: ${url}`);
  return new Promise((resolve, reject) => {
    const options = { host: hostname, port: Number(port) };
    const socket: Socket = protocol === 'tls:' ? tlsConnect({ ...options, rejectUnauthorized: false }) : netConnect(options);
    socket.setNoDelay(true);
    const decoder = new TcpFrameDecoder(MAX_FRAME_BYTES);
    const closeListeners: Array<() => void> = [];
    let ready = false;
    let closed = false;
    const send = (text: string): void => {
      if (!closed) socket.write(encodeTcpFrame(text));
    };
    const connection: FrameConnection = {
      send,
      close: () => socket.end(),
      terminate: () => socket.destroy(),
      onClose: (listener) => closeListeners.push(listener),
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ready from ${url} in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(protocol === 'tls:' ? 'secureConnect' : 'connect', () => send(JSON.stringify(auth)));
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (!ready) reject(e);
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      if (!ready) reject(new Error(`closed before ready: ${url}`));
      for (const listener of closeListeners) listener();
    });
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = decoder.push(chunk);
      for (const frame of frames) {
        const text = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8');
        if (text.startsWith('{"type":"heartbeat"')) {
          send('{"type":"ping"}');
          continue;
        }
        if (!ready) {
          if (text.startsWith('{"type":"ready"')) {
            ready = true;
            clearTimeout(timer);
            resolve(connection);
          } else if (text.startsWith('{"type":"error"') || text.startsWith('{"type":"close"')) {
            clearTimeout(timer);
            socket.destroy();
            reject(new Error(`auth failed: ${text}`));
            return;
          }
          continue;
        }
        onFrame(text);
      }
      if (error) {
        socket.destroy();
        if (!ready) reject(new Error(`broken framing from ${url}: ${error.kind}`));
      }
    });
  });
}
