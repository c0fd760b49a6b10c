import type { Presence, PresenceEntry, PresenceListener, PresenceSignal } from '@parley/core';

export interface MemoryPresenceOptions {
  /** A gateway that has not heartbeated for this long is dead; its connections expire. */
  readonly ttlMs: number;
  readonly now?: () => number;
}

/**
 * In-process presence for single-node mode: user -> gateway -> connection ids, with gateway leases.
 * With one gateway in the process a lease only expires if that gateway stops heartbeating, but the
 * behaviour is the Redis adapter's, checked by the same conformance suite.
 */
export class MemoryPresence implements Presence {
  private readonly users = new Map<string, Map<string, Set<string>>>();
  private readonly heartbeatAt = new Map<string, number>();
  private readonly listeners = new Set<PresenceListener>();
  private readonly signalListeners = new Set<(signal: PresenceSignal) => void>();
  /** userId -> when the user last went offline. */
  private readonly offlineAt = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: MemoryPresenceOptions) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.floor(options.ttlMs / 4)));
    this.sweeper.unref();
  }

  async connect({ userId, gatewayId, connectionId }: PresenceEntry): Promise<void> {
    this.heartbeatAt.set(gatewayId, this.now());
    let gateways = this.users.get(userId);
    const wasOnline = gateways !== undefined && this.onlineIn(gateways);
    if (!gateways) this.users.set(userId, (gateways = new Map()));
    let conns = gateways.get(gatewayId);
    if (!conns) gateways.set(gatewayId, (conns = new Set()));
    conns.add(connectionId);
    if (!wasOnline) this.emit(userId, true);
  }

  async disconnect({ userId, gatewayId, connectionId }: PresenceEntry): Promise<void> {
    const gateways = this.users.get(userId);
    const conns = gateways?.get(gatewayId);
    if (!gateways || !conns?.delete(connectionId)) return;
    if (conns.size === 0) gateways.delete(gatewayId);
    if (!this.onlineIn(gateways)) {
      this.users.delete(userId);
      this.emit(userId, false);
    }
  }

  async heartbeat(gatewayId: string): Promise<void> {
    this.heartbeatAt.set(gatewayId, this.now());
  }

  async locate(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    for (const userId of userIds) {
      const gateways = this.users.get(userId);
      if (!gateways) continue;
      const alive = [...gateways.keys()].filter((g) => this.alive(g));
      if (alive.length > 0) found.set(userId, alive);
    }
    return found;
  }

  onChange(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async lastSeen(userIds: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const id of userIds) {
      const at = this.offlineAt.get(id);
      if (at !== undefined) found.set(id, at);
    }
    return found;
  }

  async publish(signal: PresenceSignal): Promise<void> {
    // After the caller's turn, as a message from Redis would arrive.
    const copy = JSON.parse(JSON.stringify(signal)) as PresenceSignal;
    setImmediate(() => {
      for (const listener of this.signalListeners) listener(copy);
    });
  }

  onSignal(listener: (signal: PresenceSignal) => void): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.listeners.clear();
    this.signalListeners.clear();
  }

  private alive(gatewayId: string): boolean {
    const seen = this.heartbeatAt.get(gatewayId);
    return seen !== undefined && this.now() - seen <= this.options.ttlMs;
  }

  private onlineIn(gateways: Map<string, Set<string>>): boolean {
    for (const g of gateways.keys()) if (this.alive(g)) return true;
    return false;
  }

  private sweep(): void {
    for (const [gatewayId] of this.heartbeatAt) {
      if (this.alive(gatewayId)) continue;
      this.heartbeatAt.delete(gatewayId);
      for (const [userId, gateways] of this.users) {
        if (!gateways.delete(gatewayId)) continue;
        if (!this.onlineIn(gateways)) {
          this.users.delete(userId);
          this.emit(userId, false);
        }
      }
    }
  }

  private emit(userId: string, online: boolean): void {
    if (!online) this.offlineAt.set(userId, this.now());
    for (const listener of this.listeners) listener({ userId, online });
  }
}
