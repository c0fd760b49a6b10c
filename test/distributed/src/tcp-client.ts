import { connect, type Socket } from 'node:net';
import { encodeTcpFrame, TcpFrameDecoder } from '@parley/protocol';
import type { Cluster } from '@parley/test-infra';

/** The raw TCP port gateway `index` logged (`{"msg":"tcp listening","port":N}`; it was started with PARLEY_TCP_PORT=0). */
export function gatewayTcpPort(cluster: Cluster, index: number): number {
  for (const line of cluster.instance('gateway', index).logs) {
    if (!line.includes('"tcp listening"')) continue;
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'tcp listening' && typeof entry.port === 'number') return entry.port;
  }
  throw new Error(`gateway-${index} logged no "tcp listening" line: was PARLEY_TCP_PORT set?`);
}

export type Frame = { type: string } & Record<string, unknown>;

/** clientMsgIds are unique per user across its connections (a repeated one is deduplicated: same ack). */
let sends = 0;
export interface Ack {
  conversation: string;
  clientMsgId: string;
  seq: number;
}

/**
 * A raw TCP client written against the wire format only (docs/PROTOCOL.md, TCP: uint32 big-endian length,
 * then the frame's UTF-8 JSON; @parley/protocol's codec), not the SDK: it records every frame, answers
 * heartbeats, and resolves a send with its ack.
 */
export class RawTcpClient {
  /** Every frame received after `ready`, in order. */
  readonly frames: Frame[] = [];
  /** The final `close` frame, once the server sent one. */
  closeFrame: { code: number; reason: string } | undefined;
  /** Resolves when the socket is gone. */
  readonly ended: Promise<void>;
  private readonly waiting = new Map<string, { resolve: (ack: Ack) => void; reject: (e: Error) => void }>();
  private readonly sent = new Map<string, string>(); // clientMsgId -> content

  private constructor(private readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Connects to 127.0.0.1:port, authenticates (with `resume` if given) and resolves once `ready` came. */
  static connect(port: number, token: string, resume?: Record<string, number>): Promise<RawTcpClient> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const client = new RawTcpClient(socket);
    const decoder = new TcpFrameDecoder(1 << 20);
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no ready from 127.0.0.1:${port} in 15 s`));
      }, 15_000);
      socket.once('connect', () => client.write({ type: 'auth', token, ...(resume ? { resume } : {}) }));
      socket.on('error', (e) => !ready && reject(e));
      socket.on('close', () => {
        clearTimeout(timer);
        if (!ready) reject(new Error(`closed before ready: ${JSON.stringify(client.closeFrame)}`));
        for (const w of client.waiting.values()) w.reject(new Error('connection closed before the ack'));
      });
      socket.on('data', (chunk: Buffer) => {
        const { frames, error } = decoder.push(chunk);
        if (error) socket.destroy(new Error(`broken framing: ${error.kind}`));
        for (const bytes of frames) {
          const frame = JSON.parse(Buffer.from(bytes).toString('utf8')) as Frame;
          if (frame.type === 'heartbeat') client.write({ type: 'ping' });
          else if (frame.type === 'close') client.closeFrame = frame as unknown as { code: number; reason: string };
          else if (!ready && frame.type === 'ready') {
            ready = true;
            clearTimeout(timer);
            resolve(client);
          } else if (!ready && frame.type === 'error') reject(new Error(`auth refused: ${JSON.stringify(frame)}`));
          else client.receive(frame);
        }
      });
    });
  }

  /** Sends a message; resolves with its ack, rejects on an error frame for it. */
  send(conversation: string, content: string): Promise<Ack> {
    const clientMsgId = `t${process.pid}-${++sends}`;
    this.sent.set(clientMsgId, content);
    const acked = new Promise<Ack>((resolve, reject) => this.waiting.set(clientMsgId, { resolve, reject }));
    this.write({ type: 'send', conversation, clientMsgId, content });
    return acked;
  }

  /** What this connection knows of a conversation: delivered messages and its own acked sends, as `seq:content`, by seq. */
  view(conversation: string): string[] {
    const bySeq = new Map<number, string>();
    for (const f of this.frames) {
      if (f['conversation'] !== conversation) continue;
      if (f.type === 'message') bySeq.set(f['seq'] as number, f['content'] as string);
      if (f.type === 'ack') bySeq.set(f['seq'] as number, this.sent.get(f['clientMsgId'] as string) ?? '?');
    }
    return [...bySeq].sort(([a], [b]) => a - b).map(([seq, content]) => `${seq}:${content}`);
  }

  /** The seqs of `message` frames of a conversation, in the order they arrived. */
  arrivalOrder(conversation: string): number[] {
    return this.frames.filter((f) => f.type === 'message' && f['conversation'] === conversation).map((f) => f['seq'] as number);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private write(frame: object): void {
    this.socket.write(encodeTcpFrame(JSON.stringify(frame)));
  }

  private receive(frame: Frame): void {
    this.frames.push(frame);
    const ref = frame.type === 'ack' ? frame['clientMsgId'] : frame.type === 'error' ? frame['ref'] : undefined;
    const waiter = typeof ref === 'string' ? this.waiting.get(ref) : undefined;
    if (!waiter) return;
    this.waiting.delete(ref as string);
    if (frame.type === 'ack') waiter.resolve(frame as unknown as Ack);
    else waiter.reject(new Error(`send refused: ${JSON.stringify(frame)}`));
  }
}
