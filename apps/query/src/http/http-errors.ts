import type { ErrorRequestHandler } from 'express';
import { ParleyError, isErrorCode, type ErrorCode, type Logger } from '@parley/core';

/** The one table from error code to HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_json: 400,
  unknown_frame: 400,
  invalid_frame: 400,
  content_too_large: 413,
  invalid_text: 400,
  payload_too_large: 413,
  unauthenticated: 401,
  invalid_token: 401,
  token_expired: 401,
  token_revoked: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_member: 403,
  not_found: 404,
  resume_ahead: 400,
  conflict: 409,
  username_taken: 409,
  rate_limited: 429,
  too_many_pending: 429,
  timeout: 504,
  unavailable: 503,
  config: 500,
  corrupt: 500,
  internal: 500,
};

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): { error: Record<string, unknown> } {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** Maps thrown errors to `{ error: { code, message } }` with the status from the table; hides internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    void _next;
    const e = error as { type?: string; status?: number };
    if (e?.type === 'entity.parse.failed') return void res.status(400).json(errorBody('invalid_json', 'The request body is not valid JSON'));
    if (e?.type === 'entity.too.large') return void res.status(413).json(errorBody('payload_too_large', 'The request body is too large'));
    if (error instanceof ParleyError) {
      const status = HTTP_STATUS[error.code];
      if (status >= 500) logger.error('request failed', { method: req.method, path: req.path, error });
      return void res.status(status).json(errorBody(error.code, error.message, error.details));
    }
    logger.error('unexpected error in request', { method: req.method, path: req.path, error });
    res.status(500).json(errorBody('internal', 'Something went wrong on our side; try again'));
  };
}

/** Turns a command's rejection code into the matching ParleyError. */
export function rejection(code: string | null, message: string | null): ParleyError {
  return new ParleyError(isErrorCode(code) ? code : 'bad_request', message ?? 'The request was rejected');
}
