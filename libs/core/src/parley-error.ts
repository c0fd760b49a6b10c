/**
 * The closed set of error codes Parley reports anywhere: to a WebSocket client in an `error` frame,
 * to an HTTP client in `{ error: { code, message } }`, and between libraries. Each edge maps codes to its
 * own status table (see apps/query/src/http/http-errors.ts and libs/protocol/src/close-codes.ts).
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
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The one error class Parley libraries throw: a code from the closed set, a message for people, a cause. */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
  readonly details: Record<string, unknown> | undefined;
}

export function isParleyError(error: unknown, code?: ErrorCode): error is ParleyError {
  return error instanceof ParleyError && (code === undefined || error.code === code);
}
