// Parley chat load, driven by k6 (v1.x): one VU per plan entry (bench/src/plan.ts), one WebSocket each.
// Bring your own k6 (the project does not install it; docs/BENCHMARKS.md says where to get it). Run by
// bench/src/k6.ts (`npm run bench -- <scenario> --driver k6`); by hand: PARLEY_PLAN=/path/plan.json k6 run bench/k6/chat.js
//
// Thresholds: the run fails (k6 exits 99) when a message was lost (parley_lost > 0) or the p99 latency
// is above PARLEY_K6_P99_MS (default 100 ms, the project's end-to-end target; 50 for the single-node
// room target). parley_lost counts, per VU and conversation, the seqs missing between the lowest and the
// highest it saw (deliveries and its own acks; seqs are dense, so a hole is a message it never got). A
// message lost after the last one a VU saw in a conversation is not a hole and is not counted there; the
// Node driver's accounting (bench/src/drive.ts) is exact.
//
// Each VU connects, authenticates, and from plan.startAt sends `rate` messages/s round robin over its
// conversations until startAt + durationSeconds; then it drains (waits for its acks and for deliveries)
// until drainSeconds have passed, or earlier once nothing is outstanding and nothing arrived for 2 s.
// The content of each message is the sender's Date.now(), so latency = receive time - Number(content).
//
// With reconnectEverySeconds > 0 the VU closes its socket every so often (staggered, while sending) and
// reconnects with auth.resume = the highest seq it has per conversation (acks of its own sends included).
// Deliveries that come as history (before the `resumed` frame, or sent before the socket closed) count as
// parley_resumed, not into parley_latency. Sends still unacknowledged at the close are sent again with
// the same clientMsgId (the server dedupes them), or recognised in the resumed history by clientMsgId.
import { WebSocket } from 'k6/websockets';
import { setTimeout, clearTimeout } from 'k6/timers';
import { SharedArray } from 'k6/data';
import { Counter, Trend } from 'k6/metrics';

const PLAN_PATH = __ENV.PARLEY_PLAN;
if (!PLAN_PATH) throw new Error('set PARLEY_PLAN to the path of a plan JSON file (bench/src/plan.ts)');

// SharedArray: the plan is read and parsed once, not once per VU.
const entries = new SharedArray('parley-entries', () => JSON.parse(open(PLAN_PATH)).entries);
const plan = new SharedArray('parley-plan', () => {
  const p = JSON.parse(open(PLAN_PATH));
  return [{ scenario: p.scenario, startAt: p.startAt, durationSeconds: p.durationSeconds, drainSeconds: p.drainSeconds }];
})[0];

const latency = new Trend('parley_latency', true);
const sentCounter = new Counter('parley_sent');
const ackedCounter = new Counter('parley_acked');
const errorsCounter = new Counter('parley_errors');
const receivedCounter = new Counter('parley_received');
const expectedCounter = new Counter('parley_expected');
const duplicatesCounter = new Counter('parley_duplicates');
const resumedCounter = new Counter('parley_resumed');
const reconnectsCounter = new Counter('parley_reconnects');
const connectFailuresCounter = new Counter('parley_connect_failures'); // connections closed before `ready`
const lostCounter = new Counter('parley_lost'); // holes in the seqs a VU saw (see the top)

const P99_LIMIT_MS = Number(__ENV.PARLEY_K6_P99_MS || 100);
if (!(P99_LIMIT_MS > 0)) throw new Error(`PARLEY_K6_P99_MS must be a number of milliseconds > 0, got "${__ENV.PARLEY_K6_P99_MS}"`);

const QUIET_MS = 2000; // drain ends early after this long with nothing outstanding and nothing received
const untilStart = Math.max(0, plan.startAt - Date.now()) / 1000;

export const options = {
  scenarios: {
    chat: {
      executor: 'per-vu-iterations',
      vus: Math.max(1, entries.length),
      iterations: 1,
      maxDuration: `${Math.ceil(untilStart + plan.durationSeconds + plan.drainSeconds + 60)}s`,
      gracefulStop: '5s',
    },
  },
  thresholds: {
    parley_lost: ['count==0'],
    parley_latency: [`p(99)<${P99_LIMIT_MS}`],
  },
  // Fewer tags per sample: every delivery emits several.
  systemTags: ['scenario', 'status'],
};

export default function () {
  const entry = entries[__VU - 1];
  if (!entry) return;
  const { startAt } = plan;
  const sendEnd = startAt + plan.durationSeconds * 1000;
  const drainEnd = sendEnd + plan.drainSeconds * 1000;
  const conversations = entry.conversations;
  const othersIn = {}; // conversation -> members - 1: deliveries one message should cause
  for (const c of conversations) othersIn[c.id] = Math.max(0, c.members - 1);

  // clientMsgIds: unique per VU (an own message is recognisable by the prefix) and per run: the server
  // dedupes by (sender, clientMsgId), so ids reused from an earlier run would only get the old acks.
  const prefix = `k${__VU}.${Math.random().toString(36).slice(2, 10)}-`;
  let nextId = 0;
  const pending = {}; // clientMsgId -> { conversation, content } until its ack or error
  let pendingCount = 0;
  const lastMessageSeq = {}; // conversation -> highest seq of a `message` frame (duplicate check)
  const position = {}; // conversation -> highest seq known (messages, acks, seed): what to resume from

  const reconnectMs = entry.reconnectEverySeconds > 0 ? entry.reconnectEverySeconds * 1000 : 0;
  // The plan starts before any message is sent, so a first resume from 0 cannot miss anything.
  if (reconnectMs > 0) for (const c of conversations) position[c.id] = 0;

  let ws = null;
  let ready = false;
  let finished = false;
  let reconnecting = false; // a close we asked for, to be followed by a reconnect
  let reconnects = 0;
  let catchingUp = false; // between a resuming `ready` and its `resumed`
  let closedAt = 0; // when the last connection closed: deliveries of older sends are history
  let errorLogs = 0;
  let failures = 0; // connection attempts in a row that did not reach `ready`
  let lastActivity = Date.now();
  let sendTimer = null;
  let reconnectTimer = null;
  let drainTimer = null;
  let endTimer = null;

  const seen = {}; // conversation -> { low, high, seqs: Set } of every seq seen (deliveries and own acks)
  const note = (conversation, seq) => {
    if (!(position[conversation] >= seq)) position[conversation] = seq;
    const s = (seen[conversation] ??= { low: seq, high: seq, seqs: new Set() });
    s.seqs.add(seq);
    if (seq < s.low) s.low = seq;
    if (seq > s.high) s.high = seq;
  };

  const settle = (clientMsgId, conversation) => {
    delete pending[clientMsgId];
    pendingCount--;
    ackedCounter.add(1);
    expectedCounter.add(othersIn[conversation] ?? 0);
  };

  const onFrame = (text) => {
    const now = Date.now();
    let f;
    try {
      f = JSON.parse(text);
    } catch {
      console.warn(`VU ${__VU}: unparsable frame ${String(text).slice(0, 100)}`);
      return;
    }
    switch (f.type) {
      case 'message': {
        lastActivity = now;
        const conversation = f.conversation;
        const own = typeof f.clientMsgId === 'string' && f.clientMsgId.startsWith(prefix);
        const last = lastMessageSeq[conversation] ?? 0;
        if (f.seq <= last) {
          if (!own) duplicatesCounter.add(1);
          return;
        }
        lastMessageSeq[conversation] = f.seq;
        note(conversation, f.seq);
        if (own) {
          // Our own message, written to us during a catch-up: an ack we may not have had.
          if (pending[f.clientMsgId]) settle(f.clientMsgId, conversation);
          return;
        }
        receivedCounter.add(1);
        const sentAt = Number(f.content);
        if (reconnects > 0 && (catchingUp || sentAt < closedAt)) resumedCounter.add(1);
        else if (Number.isFinite(sentAt)) latency.add(now - sentAt);
        return;
      }
      case 'ack': {
        lastActivity = now;
        note(f.conversation, f.seq);
        if (pending[f.clientMsgId]) settle(f.clientMsgId, f.conversation);
        return;
      }
      case 'error': {
        errorsCounter.add(1);
        if (f.ref && pending[f.ref]) {
          delete pending[f.ref];
          pendingCount--;
        }
        if (++errorLogs <= 3) console.warn(`VU ${__VU}: error ${f.code}: ${f.message}${f.ref ? ` (ref ${f.ref})` : ''}${errorLogs === 3 ? ' (further errors of this VU not logged)' : ''}`);
        return;
      }
      case 'ready': {
        ready = true;
        failures = 0;
        lastActivity = now;
        // Sends the previous connection left unacknowledged: again, same clientMsgId (deduped by the server).
        for (const id in pending) {
          const p = pending[id];
          ws.send(JSON.stringify({ type: 'send', conversation: p.conversation, clientMsgId: id, content: p.content }));
        }
        return;
      }
      case 'resumed': {
        catchingUp = false;
        return;
      }
      default:
        return; // conversation, room.presence, pong, ...
    }
  };

  const connect = () => {
    ready = false;
    const socket = new WebSocket(entry.wsUrl);
    ws = socket;
    socket.addEventListener('open', () => {
      if (finished) return socket.close();
      const resume = {};
      let resuming = false;
      for (const c of conversations) {
        if (typeof position[c.id] === 'number') {
          resume[c.id] = position[c.id];
          resuming = true;
        }
      }
      catchingUp = resuming;
      socket.send(JSON.stringify(resuming ? { type: 'auth', token: entry.token, resume } : { type: 'auth', token: entry.token }));
    });
    socket.addEventListener('message', (e) => onFrame(e.data));
    socket.addEventListener('error', (e) => {
      if (!reconnecting && !finished) console.warn(`VU ${__VU}: websocket error: ${e.error}`);
    });
    socket.addEventListener('close', (e) => {
      if (ws !== socket) return;
      const wasReady = ready;
      ready = false;
      closedAt = Date.now();
      if (finished) return;
      const code = e.code;
      if (reconnecting) {
        reconnecting = false;
        reconnects++;
        reconnectsCounter.add(1);
        connect();
        return;
      }
      // Not asked for: come back like a client would (with resume), unless it is about the token.
      console.warn(`VU ${__VU}: connection closed (${code ?? 'no code'} ${e.reason ?? ''})${wasReady ? '' : ' before ready'}`);
      if (code === 4001 || code === 4003 || code === 4009 || Date.now() >= drainEnd) {
        if (!wasReady) connectFailuresCounter.add(1);
        return finish();
      }
      if (!wasReady) {
        failures++;
        connectFailuresCounter.add(1);
      }
      const delay = Math.min(5000, 250 * 2 ** Math.min(failures, 5)) * (0.5 + Math.random() / 2);
      setTimeout(() => {
        if (finished) return;
        reconnects++;
        reconnectsCounter.add(1);
        connect();
      }, delay);
    });
  };

  const finish = () => {
    if (finished) return;
    finished = true;
    let lost = 0;
    for (const c in seen) lost += seen[c].high - seen[c].low + 1 - seen[c].seqs.size;
    lostCounter.add(lost); // also when 0, so that the threshold has a sample
    if (lost > 0) console.warn(`VU ${__VU}: ${lost} message(s) never received (holes in the seqs)`);
    for (const t of [sendTimer, reconnectTimer, drainTimer, endTimer]) if (t !== null) clearTimeout(t);
    if (ws && ws.readyState === 1) ws.close(); // a socket still connecting closes in its open handler
  };

  // Sending: slot k is due at startAt + (k + phase) * period; the random phase spreads the VUs out.
  // Slots that fall while the socket is not ready are skipped (fewer sends, not a burst later).
  if (entry.rate > 0 && conversations.length > 0) {
    const period = 1000 / entry.rate;
    const phase = Math.random();
    let slot = 0;
    let turn = 0;
    const tick = () => {
      sendTimer = null;
      if (finished) return;
      const now = Date.now();
      for (let due = startAt + (slot + phase) * period; due <= now && due < sendEnd; due = startAt + (slot + phase) * period) {
        slot++;
        if (!ready) continue;
        const c = conversations[turn++ % conversations.length];
        const clientMsgId = prefix + nextId++;
        const content = String(Date.now());
        pending[clientMsgId] = { conversation: c.id, content };
        pendingCount++;
        ws.send(JSON.stringify({ type: 'send', conversation: c.id, clientMsgId, content }));
        sentCounter.add(1);
      }
      const next = startAt + (slot + phase) * period;
      if (next < sendEnd) sendTimer = setTimeout(tick, Math.max(0, next - Date.now()));
    };
    sendTimer = setTimeout(tick, Math.max(0, startAt + phase * period - Date.now()));
  }

  // Reconnects: every reconnectEverySeconds while sending, the first one at a random point of the first period.
  if (reconnectMs > 0) {
    const cycle = () => {
      reconnectTimer = null;
      if (finished || Date.now() >= sendEnd) return;
      if (ready && !reconnecting) {
        reconnecting = true;
        ready = false;
        ws.close();
      }
      reconnectTimer = setTimeout(cycle, reconnectMs);
    };
    reconnectTimer = setTimeout(cycle, Math.max(0, startAt - Date.now()) + Math.random() * reconnectMs);
  }

  // Drain: after sendEnd, stop once nothing is outstanding and nothing arrived for QUIET_MS; at drainEnd regardless.
  const drainCheck = () => {
    drainTimer = null;
    if (finished) return;
    const now = Date.now();
    if (now >= drainEnd || (ready && pendingCount === 0 && now - lastActivity >= QUIET_MS)) return finish();
    drainTimer = setTimeout(drainCheck, 200);
  };
  drainTimer = setTimeout(drainCheck, Math.max(0, sendEnd - Date.now()));
  endTimer = setTimeout(finish, Math.max(0, drainEnd - Date.now()));

  connect();
}
