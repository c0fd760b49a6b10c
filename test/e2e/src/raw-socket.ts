import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { eventually } from '@parley/core/conformance';

export type Frame = Record<string, unknown>;

/**
 * A WebSocket without the SDK in between, signed in with a token: the test sees every frame as it came
 * (an error's `ref`, an ack), which the SDK turns into a rejected promise.
 */
export class RawSocket {
  readonly frames: Frame[] = [];
  private constructor(
    private readonly ws: WebSocket,
    /** The close code, once the server closed the connection. */
    readonly closed: Promise<number>,
  ) {}

  /** Opens `/v1/ws` on the server at `url` and resolves once `auth` with `token` was answered by `ready`. */
  static async open(url: string, token: string): Promise<RawSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const socket = new RawSocket(ws, closed);
    ws.on('message', (data) => socket.frames.push(JSON.parse(data.toString()) as Frame));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    socket.send({ type: 'auth', token });
    await socket.next((f) => f['type'] === 'ready');
    return socket;
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame received (so far or soon) that matches. */
  next(match: (f: Frame) => boolean): Promise<Frame> {
    return eventually(() => {
      const found = this.frames.find(match);
      if (!found) throw new Error(`no matching frame among ${JSON.stringify(this.frames.slice(-5))}`);
      return found;
    });
  }

  /**
   * Sends a message with a fresh clientMsgId (and `extra` fields: kind, body, ...); resolves with the
   * answer to it: its `ack` or the `error` naming it in `ref`.
   */
  async sendMessage(conversation: string, content: string, extra: Frame = {}): Promise<Frame> {
    const clientMsgId = randomUUID();
    this.send({ type: 'send', conversation, clientMsgId, content, ...extra });
    return this.next(
      (f) =>
        (f['type'] === 'ack' && f['clientMsgId'] === clientMsgId) ||
        (f['type'] === 'error' && f['ref'] === clientMsgId),
    );
  }

  close(): void {
    this.ws.close(1000);
  }
}
