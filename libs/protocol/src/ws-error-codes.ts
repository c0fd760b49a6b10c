import type { ErrorCode } from './error-codes.js';

/**
 * Every code the server can send in an `error` frame over the WebSocket (docs/PROTOCOL.md "Error codes"
 * says when). A subset of @parley/core's ERROR_CODES; the rest are HTTP-only or never leave the server.
 */
export const WS_ERROR_CODES = [
  'bad_request',
  'invalid_json',
  'unknown_frame',
  'invalid_frame',
  'invalid_text',
  'content_too_large',
  'payload_too_large',
  'unauthenticated',
  'invalid_token',
  'token_expired',
  'token_revoked',
  'not_member',
  'forbidden',
  'not_permitted',
  'blocked',
  'muted',
  'dissolved',
  'dedupe_expired',
  'invalid_attachment',
  'resume_ahead',
  'rate_limited',
  'too_many_pending',
  'unavailable',
  'internal',
] as const satisfies readonly ErrorCode[];

/** Every entry is one of ERROR_CODES. */
export type WsErrorCode = (typeof WS_ERROR_CODES)[number];

/** The codes parseClientFrame refuses a frame with (a subset of WS_ERROR_CODES). */
export const FRAME_ERROR_CODES = ['invalid_json', 'unknown_frame', 'invalid_frame', 'invalid_text', 'content_too_large'] as const satisfies readonly WsErrorCode[];

export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];
