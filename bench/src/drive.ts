import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { DriveResult, Plan, PlanEntry } from './plan.js';
import { percentiles } from './percentiles.js';
import { openTcp, type FrameConnection } from './tcp-client.js';

/** Seqs seen in one conversation by one connection (seqs are dense from 1, so a byte array indexed by seq). */
class SeqSet {
  private bits = new Uint8Array(256);
  has(seq: number): boolean {
    return seq < this.bits.length && this.bits[seq] === 1;
  }
  add(seq: number): void {
    if (seq >= this.bits.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[seq] = 1;
  }
}

interface Conn {
  index: number;
  entry: PlanEntry;
  link?: FrameConnection;
  online: boolean;
  leaving: boolean;
  /** When the current connection was opened: messages sent before it came as history (resumed). */
  openedAt: number;
  /** Per conversation: seqs received as `message` frames, and seqs of this connection's own acked sends. */
  got: Map<string, SeqSet>;
  mine: Map<string, SeqSet>;
  pending: Set<string>;
  nextSendAt: number;
  nextConversation: number;
  sent: number;
  acked: number;
  errors: number;
  reconnects: number;
}

const seqSet = (m: Map<string, SeqSet>, conversation: string): SeqSet => {
  let s = m.get(conversation);
  if (!s) m.set(conversation, (s = new SeqSet()));
  return s;
};

/** Opens a WebSocket, sends the auth frame and resolves once `ready` came (rejects on an error frame or close). */
export function openSocket(url: string, auth: unknown, onFrame: (text: string) => void, timeoutMs = 30_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let ready = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no ready from ${url} in ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('error', (e) => {
      clearTimeout(timer);
      if (!ready) reject(e);
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`closed before ready: ${code} ${reason.toString()}`));
    });
    ws.once('open', () => ws.send(JSON.stringify(auth)));
    ws.on('message', (d) => {
      const text = d.toString();
      if (!ready) {
        if (text.startsWith('{"type":"ready"')) {
          ready = true;
          clearTimeout(timer);
          resolve(ws);
        } else if (text.startsWith('{"type":"error"')) {
          reject(new Error(`auth failed: ${text}`));
        }
        return;
      }
      onFrame(text);
    });
  });
}

/** The same, as a FrameConnection (what the driver uses of either transport). */
async function openWebSocket(url: string, auth: unknown, onFrame: (text: string) => void): Promise<FrameConnection> {
  const ws = await openSocket(url, auth, onFrame);
  return {
    send: (text) => ws.send(text),
    close: () => ws.close(),
    terminate: () => ws.terminate(),
    onClose: (listener) => ws.on('close', listener),
  };
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

/**
 * The Node load generator. Accounting is exact: every ack records (conversation, seq, sender), every
 * delivery (conversation, seq) per connection, so loss is the acked messages of others a member never
 * received, and a seq received twice is a duplicate. Connections with `reconnectEverySeconds` go offline
 * for a second (after their pending sends are acked) and come back with `resume` from the highest seq they
 * hold without a gap; what the server then sends from history counts as resumed, not into latency.
 * `plan.transport` picks WebSocket (each entry's wsUrl) or raw TCP (its tcpUrl); the accounting is the same.
 */
export async function runPlanWithNode(plan: Plan, onStart: () => void = () => undefined): Promise<DriveResult> {
  const transport = plan.transport ?? 'ws';
  const urlOf = (entry: PlanEntry): string => {
    const url = transport === 'tcp' ? entry.tcpUrl : entry.wsUrl;
    if (!url) throw new Error(`the plan has no ${transport} URL for a connection`);
    return url;
  };
  const conns: Conn[] = plan.entries.map((entry, index) => ({
    index, entry, online: false, leaving: false, openedAt: 0, got: new Map(), mine: new Map(), pending: new Set(),
    nextSendAt: 0, nextConversation: index, sent: 0, acked: 0, errors: 0, reconnects: 0,
  }));
  const members = new Map<string, number>();
  for (const e of plan.entries) for (const c of e.conversations) members.set(c.id, (members.get(c.id) ?? 0) + 1);
  /** Per conversation: seq -> index of the connection whose send it was. */
  const ackedBy = new Map<string, Map<number, number>>();
  const latencies: number[] = [];
  let received = 0;
  let expected = 0;
  let duplicates = 0;
  let resumed = 0;
  let otherErrors = 0;
  let lastAckAt = 0;
  let lastDeliveryAt = 0;

  const onFrame = (c: Conn, text: string): void => {
    if (text.startsWith('{"type":"message"')) {
      const m = JSON.parse(text) as { conversation: string; seq: number; content: string };
      if (seqSet(c.mine, m.conversation).has(m.seq)) return; // its own message, from history after a resume
      const got = seqSet(c.got, m.conversation);
      if (got.has(m.seq)) {
        duplicates++;
        return;
      }
      got.add(m.seq);
      received++;
      lastDeliveryAt = Date.now();
      const sentAt = Number(m.content);
      if (sentAt < c.openedAt) resumed++;
      else latencies.push(Date.now() - sentAt);
    } else if (text.startsWith('{"type":"ack"')) {
      const a = JSON.parse(text) as { conversation: string; clientMsgId: string; seq: number };
      if (!c.pending.delete(a.clientMsgId)) return;
      c.acked++;
      lastAckAt = Date.now();
      seqSet(c.mine, a.conversation).add(a.seq);
      let bySeq = ackedBy.get(a.conversation);
      if (!bySeq) ackedBy.set(a.conversation, (bySeq = new Map()));
      bySeq.set(a.seq, c.index);
      expected += (members.get(a.conversation) ?? 1) - 1;
    } else if (text.startsWith('{"type":"error"')) {
      const e = JSON.parse(text) as { ref?: string };
      if (e.ref !== undefined && c.pending.delete(e.ref)) c.errors++;
      else otherErrors++;
    }
  };

  /** The last seq per conversation the connection holds with no gap below it (the resume cursor). */
  const cursor = (c: Conn, conversation: string): number => {
    const got = seqSet(c.got, conversation);
    const mine = seqSet(c.mine, conversation);
    let s = 0;
    while (got.has(s + 1) || mine.has(s + 1)) s++;
    return s;
  };

  const connect = async (c: Conn, resume: boolean): Promise<void> => {
    c.openedAt = resume ? Date.now() : 0;
    const auth = resume
      ? { type: 'auth', token: c.entry.token, resume: Object.fromEntries(c.entry.conversations.map((v) => [v.id, cursor(c, v.id)])) }
      : { type: 'auth', token: c.entry.token };
    c.link = transport === 'tcp' ? await openTcp(urlOf(c.entry), auth, (t) => onFrame(c, t)) : await openWebSocket(urlOf(c.entry), auth, (t) => onFrame(c, t));
    c.link.onClose(() => (c.online = false));
    c.online = true;
  };

  process.stderr.write(`  connecting ${conns.length} ${transport === 'tcp' ? 'raw TCP connections' : 'WebSockets'}...\n`);
  await pool(conns, 32, (c) => connect(c, false));
  const startAt = Math.max(plan.startAt, Date.now() + 200);
  const endAt = startAt + plan.durationSeconds * 1000;
  await sleep(startAt - Date.now());
  onStart();
  for (const c of conns) c.nextSendAt = startAt + Math.random() * (1000 / Math.max(c.entry.rate, 0.001));

  const reconnecting: Promise<void>[] = [];
  const reconnect = async (c: Conn): Promise<void> => {
    c.leaving = true;
    for (let i = 0; i < 100 && c.pending.size > 0; i++) await sleep(50);
    c.link?.close();
    await sleep(1000);
    c.reconnects++;
    await connect(c, true);
    c.leaving = false;
    c.nextSendAt = Math.max(c.nextSendAt, Date.now());
  };
  for (const c of conns) {
    const every = c.entry.reconnectEverySeconds * 1000;
    if (every <= 0) continue;
    let at = startAt + Math.random() * every;
    const schedule = (): void => {
      if (at + 1000 >= endAt) return;
      setTimeout(() => {
        const p = reconnect(c).then(() => {
          at += every;
          schedule();
        });
        reconnecting.push(p);
      }, at - Date.now());
    };
    schedule();
  }

  let clientMsgId = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      if (now >= endAt) {
        clearInterval(timer);
        return resolve();
      }
      for (const c of conns) {
        if (c.entry.rate <= 0) continue;
        while (c.nextSendAt <= now) {
          c.nextSendAt += 1000 / c.entry.rate;
          if (!c.online || c.leaving || !c.link) continue; // offline: this send is not offered
          const conversation = c.entry.conversations[c.nextConversation++ % c.entry.conversations.length]!.id;
          const id = `m${++clientMsgId}`;
          c.pending.add(id);
          c.sent++;
          c.link.send(`{"type":"send","conversation":"${conversation}","clientMsgId":"${id}","content":"${Date.now()}"}`);
        }
      }
    }, 5);
  });

  // Drain: until every ack is in and every expected delivery arrived, or nothing moves for 5 s.
  await Promise.all(reconnecting);
  const drainUntil = Date.now() + plan.drainSeconds * 1000;
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < drainUntil) {
    const pending = conns.reduce((n, c) => n + c.pending.size, 0);
    if (pending === 0 && received >= expected) break;
    if (received + pending !== last) {
      last = received + pending;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 5000) break;
    await sleep(200);
  }

  let loss = 0;
  for (const c of conns) {
    for (const { id } of c.entry.conversations) {
      const got = seqSet(c.got, id);
      for (const [seq, sender] of ackedBy.get(id) ?? []) if (sender !== c.index && !got.has(seq)) loss++;
    }
  }
  for (const c of conns) c.link?.terminate();
  const sent = conns.reduce((n, c) => n + c.sent, 0);
  const acked = conns.reduce((n, c) => n + c.acked, 0);
  const reconnects = conns.reduce((n, c) => n + c.reconnects, 0);
  const seconds = plan.durationSeconds;
  // A server that falls behind acks and delivers during the drain: rates are over the time it really took.
  const acceptedOver = Math.max(seconds, (lastAckAt - startAt) / 1000);
  const deliveredOver = Math.max(seconds, (lastDeliveryAt - startAt) / 1000);
  return {
    driver: 'node',
    transport,
    connections: conns.length,
    offeredPerSecond: Math.round(sent / seconds),
    acceptedPerSecond: Math.round(acked / acceptedOver),
    deliveredPerSecond: Math.round(received / deliveredOver),
    delivered: received,
    acceptedOverSeconds: Math.round(acceptedOver * 10) / 10,
    deliveredOverSeconds: Math.round(deliveredOver * 10) / 10,
    latencyMs: { count: latencies.length, ...percentiles(latencies) },
    errors: sent - acked + otherErrors,
    loss,
    duplicates,
    ...(reconnects > 0 ? { resumed, reconnects } : {}),
  };
}
