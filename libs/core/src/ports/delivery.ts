/**
 * Fanout's hand-off to one gateway instance: the events of a batch and, for each, the users on that
 * gateway who should get it. Resolves once the gateway has taken the batch (written it to its sockets'
 * buffers); fanout commits its offsets only after that.
 */
export type DeliverToGateway = (gatewayId: string, batch: readonly Delivery[]) => Promise<void>;

export interface Delivery {
  /** What the gateway writes, already shaped as a protocol frame (see libs/protocol). */
  readonly frame: OutboundFrame;
  readonly userIds: readonly string[];
  /** Conversation and seq of a message, so the gateway can keep every connection gapless. */
  readonly conversation?: string;
  readonly seq?: number;
  /** Trace context of the event (W3C traceparent headers), to continue its trace on the gateway. */
  readonly trace?: Readonly<Record<string, string>>;
  /** When the gateway wrote the originating command (ms since the epoch), for end-to-end latency. */
  readonly issuedAt?: number;
  /** The connection that sent the command: it gets `originFrame` instead of `frame`. */
  readonly origin?: { readonly connectionId: string; readonly frame: OutboundFrame };
}

/** A protocol frame (see libs/protocol), serialized once per gateway and written to many sockets. */
export interface OutboundFrame {
  readonly type: string;
}
