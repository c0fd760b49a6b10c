/**
 * What a load generator (the Node driver in drive.ts, or k6 with bench/k6/chat.js) is told to do: one entry
 * per connection. The orchestrator (run.ts) registers the users, joins them and writes the plan; the driver
 * connects, authenticates and sends.
 */
export interface PlanEntry {
  /** WebSocket URL of the gateway this connection goes to (ws://host:port/v1/ws). */
  wsUrl: string;
  /** Raw TCP address of the same gateway (tcp://host:port), when the target serves TCP. */
  tcpUrl?: string;
  token: string;
  /** Conversations this user is a member of, with their member counts (for expected deliveries). */
  conversations: { id: string; members: number }[];
  /** Messages per second this connection sends, spread round robin over its conversations (0: receive only). */
  rate: number;
  /** Every `reconnectEverySeconds` the connection closes and comes back with `resume` (0: never). */
  reconnectEverySeconds: number;
}

export interface Plan {
  scenario: string;
  /** Which of each entry's URLs the driver connects to (default ws). The k6 driver speaks WebSocket only. */
  transport?: 'ws' | 'tcp';
  entries: PlanEntry[];
  /** Epoch ms at which senders start sending (every connection should be open by then). */
  startAt: number;
  /** Seconds of sending; then the driver drains for up to `drainSeconds`. */
  durationSeconds: number;
  drainSeconds: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** What a driver reports. Rates are per second of the sending phase. */
export interface DriveResult {
  driver: 'node' | 'k6';
  transport?: 'ws' | 'tcp';
  connections: number;
  offeredPerSecond: number;
  /** Acks per second, over the sending phase or, if acks came later (the server fell behind), until the last ack. */
  acceptedPerSecond: number;
  /** Deliveries per second, likewise until the last delivery when that came after the sending phase. */
  deliveredPerSecond: number;
  /** Deliveries in all (Node driver): with the processes' CPU seconds, deliveries per CPU-second. */
  delivered?: number;
  /** The seconds the two rates above are over (Node driver; k6 reports over the sending phase). */
  acceptedOverSeconds?: number;
  deliveredOverSeconds?: number;
  /** Live deliveries: end to end, sender's send to receiver's socket. */
  latencyMs: LatencySummary;
  /** Sends that got an error frame or no ack by the end of the drain. */
  errors: number;
  /** Acknowledged messages a member never received (must be 0). */
  loss: number;
  /** Messages received twice by the same connection (must be 0). */
  duplicates: number;
  /** Deliveries that came as history after a resume (mixed scenario). */
  resumed?: number;
  reconnects?: number;
}
