/**
 * Close codes Parley uses (4000-4999 are for applications, RFC 6455 section 7.4.2): the WebSocket close
 * code, and on TCP the `code` of the final `close` frame.
 */
export const CloseCodes = {
  /** Normal closure. */
  normal: 1000,
  /** The server is shutting down or draining: reconnect, possibly to another gateway, and resume. */
  goingAway: 1001,
  /** A frame larger than the transport limit; the server cannot read past it. */
  messageTooBig: 1009,
  /** The server is starting and not ready for connections yet: retry shortly. */
  tryAgainLater: 1013,
  /** No valid `auth` frame within the deadline. */
  authTimeout: 4001,
  /** The token was invalid, expired or revoked. */
  unauthorized: 4003,
  /** Too many protocol errors in a row; the client is misbehaving. */
  protocolAbuse: 4004,
  /** The client did not read fast enough and the send buffer overflowed; reconnect and resume. */
  slowConsumer: 4008,
  /** The account's token was revoked (logout) while connected. */
  loggedOut: 4009,
  /** Nothing arrived from the client within the heartbeat timeout: the connection is presumed dead. */
  heartbeatTimeout: 4010,
} as const;

export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];
