/**
 * Presence and routing: which gateway instances hold a connection of which user. Implemented in memory
 * (single node) and on Redis (distributed); both pass libs/core/src/conformance/presence.conformance.ts.
 *
 * A gateway registers each connection and refreshes its whole lease with `heartbeat`; a gateway that stops
 * heartbeating for `ttlMs` is considered dead and its connections expire.
 */
export interface Presence {
  connect(entry: PresenceEntry): Promise<void>;
  disconnect(entry: PresenceEntry): Promise<void>;
  /** Refreshes every connection the gateway holds. */
  heartbeat(gatewayId: string): Promise<void>;
  /** For each user that is online, the gateway instances holding at least one of its connections. */
  locate(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Called when a user goes from offline to online or back. */
  onChange(listener: PresenceListener): () => void;
  /** When each of these users last went offline (ms since the epoch); absent: never seen offline. */
  lastSeen(userIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Broadcasts an ephemeral signal (typing) to the `onSignal` listeners of every instance, this one
   * included. Best-effort: nothing is stored, and a listener that subscribes later never sees it.
   */
  publish(signal: PresenceSignal): Promise<void>;
  onSignal(listener: (signal: PresenceSignal) => void): () => void;
  close(): Promise<void>;
}

export interface PresenceEntry {
  readonly userId: string;
  readonly gatewayId: string;
  readonly connectionId: string;
}

export type PresenceListener = (change: { userId: string; online: boolean }) => void;

/** An ephemeral signal between gateways: JSON with a `kind` (see Presence.publish). */
export type PresenceSignal = { readonly kind: string } & Readonly<Record<string, unknown>>;
