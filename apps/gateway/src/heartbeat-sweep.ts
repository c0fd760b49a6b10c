import type { Session } from './session.js';
import type { HeartbeatConfig } from './transport-config.js';

/**
 * Dead-connection detection, one implementation for every transport. The gateway stamps
 * `session.lastHeardAt` on every frame (and the WebSocket transport on every protocol pong); this sweep
 * asks a session silent for `intervalMs` to answer (ClientSocket.ping, at most once per interval) and
 * closes one silent for `timeoutMs` (4010).
 *
 * It runs every p = min(interval, timeout - interval) / 2. A silent client is asked when it has been silent
 * for between interval and interval + p, so it has at least timeout - interval - p >= p to answer before it
 * is closed (with a whole sweep period of slack for timer jitter: at p = timeout - interval, a client that
 * answered its ping could be closed one late tick later without being asked again). A dead one is closed,
 * and its presence cleared, within timeoutMs + p <= timeoutMs + intervalMs of the last thing it sent (the
 * bound docs/OPERATIONS.md states).
 */
export class HeartbeatSweep {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: HeartbeatConfig,
    private readonly sessions: () => Iterable<Session>,
    private readonly timedOut: (session: Session) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get periodMs(): number {
    return Math.max(1, Math.floor(Math.min(this.config.intervalMs, this.config.timeoutMs - this.config.intervalMs) / 2));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), this.periodMs);
    this.timer.unref();
  }

  /** One pass; public for tests. */
  sweep(): void {
    const now = this.now();
    for (const session of [...this.sessions()]) {
      if (session.closed) continue;
      const silentMs = now - session.lastHeardAt;
      if (silentMs >= this.config.timeoutMs) {
        this.timedOut(session);
      } else if (silentMs >= this.config.intervalMs && now - Math.max(session.lastHeardAt, session.pingedAt) >= this.config.intervalMs) {
        session.pingedAt = now;
        session.socket.ping();
      }
    }
  }

  /** Idempotent. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
