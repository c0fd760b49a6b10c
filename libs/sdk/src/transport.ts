/**
 * The realtime connection as the client sees it: a way to open one connection to a URL that delivers the
 * server's frames and says once how it ended. The client owns everything above the frames (auth, resume,
 * outbox, reconnect); a transport owns only the bytes, its own keep-alive, and the mapping of its ending to
 * a WebSocket close code, so that one set of close rules (docs/PROTOCOL.md "Close codes") serves them all.
 *
 * Built in: WebSocket (`ws://`, `wss://`, and `http(s)://` server URLs). Node adds raw TCP (`tcp://`,
 * `tls://`) with `tcpTransport()` from `@parley/sdk/node`.
 */
export interface Transport {
  /** URL schemes this transport connects to, without the colon, e.g. `['tcp', 'tls']`. */
  readonly schemes: readonly string[];
  /** Starts connecting; events follow asynchronously, never from inside this call. */
  connect(url: URL, events: TransportEvents): TransportConnection;
}

/** What one connection reports. After `close`, or after the client called `close()`, nothing more. */
export interface TransportEvents {
  /** Connected: the client sends `auth` next. */
  open(): void;
  /** One server frame, parsed from JSON (frames that are not JSON are dropped by the transport). */
  frame(frame: unknown): void;
  /**
   * The connection ended, reported once, as a WebSocket close code: the server's (a WebSocket close, or the
   * TCP `close` frame), or 1006 when it ended without saying why (network loss, refused, no answer to pings).
   */
  close(code: number, reason: string): void;
}

export interface TransportConnection {
  /** Sends one frame's JSON text; only called between `open` and the end. */
  send(text: string): void;
  /** Ends the connection from this side; no events are reported after it. Idempotent. */
  close(code: number, reason: string): void;
}
