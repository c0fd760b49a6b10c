import { ERROR_CODES, isErrorCode, type ErrorCode } from '@parley/protocol';

/** The closed set of error codes lives with the wire contract (@parley/protocol); re-exported for the libraries. */
export { ERROR_CODES, isErrorCode, type ErrorCode };

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
