/**
 * The closed set of error codes Parley reports anywhere: to a WebSocket client in an `error` frame
 * (the subset WS_ERROR_CODES), to an HTTP client in `{ error: { code, message } }`, and between libraries
 * (@parley/core's ParleyError re-exports it). Each edge maps codes to its own table: HTTP statuses in
 * apps/query/src/http/http-errors.ts. Add a code here, then to that table; a test holds them equal.
 */
export const ERROR_CODES = [
  'bad_request',
  'invalid_json',
  'unknown_frame',
  'invalid_frame',
  'content_too_large',
  'invalid_text',
  'payload_too_large',
  'unauthenticated',
  'invalid_token',
  'token_expired',
  'token_revoked',
  'invalid_credentials',
  'forbidden',
  'not_member',
  'not_found',
  'resume_ahead',
  'conflict',
  'username_taken',
  'rate_limited',
  'too_many_pending',
  'timeout',
  'unavailable',
  'config',
  'corrupt',
  'internal',
  'method_not_allowed',
  'unsupported_media_type',
  'headers_too_large',
  'handle_taken',
  'email_taken',
  'not_permitted',
  'blocked',
  'self_target',
  'already_friends',
  'not_friends',
  'request_pending',
  'request_not_pending',
  'already_blocked',
  'not_blocked',
  'limit_reached',
  'last_profile',
  'invalid_code',
  'code_expired',
  'muted',
  'banned',
  'dissolved',
  'invite_expired',
  'invite_revoked',
  'too_late',
  'dedupe_expired',
  'recalled',
  'invalid_attachment',
  'url_expired',
  'invalid_signature',
  'offset_mismatch',
  'upload_incomplete',
  'type_mismatch',
  'quota_exceeded',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
