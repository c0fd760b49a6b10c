import type { ErrorRequestHandler } from 'express';
import { ParleyError, isErrorCode, type Logger } from '@parley/core';
import type { ErrorCode as HttpErrorCode } from '@parley/protocol';

/** The one table from error code to HTTP status (the codes: ERROR_CODES in libs/protocol/src/error-codes.ts). */
export const HTTP_STATUS: Record<HttpErrorCode, number> = {
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
  method_not_allowed: 405,
  unsupported_media_type: 415,
  headers_too_large: 431,
  handle_taken: 409,
  email_taken: 409,
  not_permitted: 403,
  blocked: 403,
  self_target: 422,
  already_friends: 409,
  not_friends: 409,
  request_pending: 409,
  request_not_pending: 409,
  already_blocked: 409,
  not_blocked: 409,
  limit_reached: 409,
  last_profile: 409,
  invalid_code: 400,
  code_expired: 400,
  muted: 403,
  banned: 403,
  dissolved: 409,
  invite_expired: 410,
  invite_revoked: 410,
  too_late: 409,
  dedupe_expired: 409,
  recalled: 410,
  invalid_attachment: 400,
  url_expired: 403,
  invalid_signature: 403,
  offset_mismatch: 409,
  upload_incomplete: 409,
  type_mismatch: 415,
  quota_exceeded: 413,
};

export function errorBody(code: HttpErrorCode, message: string, details?: Record<string, unknown>): { error: Record<string, unknown> } {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/**
 * Maps thrown errors to `{ error: { code, message } }` with the status from the table; hides internals.
 * Errors of the HTTP layers below the routes (body-parser, the router's path decoding) carry a 4xx
 * `status`: they are the client's mistake and answered as such, never as a 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    void _next;
    const send = (code: HttpErrorCode, message: string, details?: Record<string, unknown>) => void res.status(HTTP_STATUS[code]).json(errorBody(code, message, details));
    if (error instanceof ParleyError) {
      if (HTTP_STATUS[error.code] >= 500) logger.error('request failed', { method: req.method, path: req.path, error });
      return send(error.code, error.message, error.details);
    }
    const e = (error ?? {}) as { type?: unknown; status?: unknown; message?: unknown };
    switch (e.type) {
      case 'entity.parse.failed':
        return send('invalid_json', 'The request body is not valid JSON');
      case 'entity.too.large':
        return send('payload_too_large', 'The request body is too large');
      case 'charset.unsupported':
        return send('unsupported_media_type', 'The request body must be UTF-8 JSON (Content-Type: application/json; charset=utf-8)');
      case 'encoding.unsupported':
        return send('unsupported_media_type', 'Unsupported Content-Encoding; send identity, gzip, deflate or br');
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      if (e.status === 413) return send('payload_too_large', 'The request body is too large');
      return send('bad_request', error instanceof URIError || /decode param/i.test(String(e.message)) ? 'The path has a malformed percent-escape' : 'The request is malformed (body encoding or framing)');
    }
    logger.error('unexpected error in request', { method: req.method, path: req.path, error });
    send('internal', 'Something went wrong on our side; try again');
  };
}

/** Turns a command's rejection code into the matching ParleyError. */
export function rejection(code: string | null, message: string | null): ParleyError {
  return new ParleyError(isErrorCode(code) ? code : 'bad_request', message ?? 'The request was rejected');
}
