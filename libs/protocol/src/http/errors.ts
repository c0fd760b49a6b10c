import { Type, type Static } from '@sinclair/typebox';

/**
 * Every code an HTTP error body can carry: @parley/core's ERROR_CODES (a command's rejection passes its code
 * through) and three the HTTP edge alone produces (`method_not_allowed` 405, `unsupported_media_type` 415,
 * `headers_too_large` 431). apps/query's HTTP_STATUS maps each to its status; a unit test there holds this
 * list to ERROR_CODES.
 */
export const HTTP_ERROR_CODES = [
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
] as const;

export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<HttpErrorCode>({ type: 'string', enum: [...HTTP_ERROR_CODES] }),
      message: Type.String({ description: 'For people; do not parse.' }),
      details: Type.Optional(
        Type.Object({}, { additionalProperties: true, description: 'Structured details, e.g. `{ "field": "username" }` for a refused field, or `{ "commandId": "..." }` for a timeout.' }),
      ),
    }),
  },
  { description: 'Every error answer: the code from a closed set, a message for people, optional details.' },
);
export type ErrorBody = Static<typeof ErrorBody>;
