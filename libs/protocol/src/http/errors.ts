import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES, type ErrorCode } from '../error-codes.js';




export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>({ type: 'string', enum: [...ERROR_CODES] }),
      message: Type.String({ description: 'For people; do not parse.' }),
      details: Type.Optional(
        Type.Object({}, { additionalProperties: true, description: 'Structured details, e.g. `{ "field": "username" }` for a refused field, or `{ "commandId": "..." }` for a timeout.' }),
      ),
    }),
  },
  { description: 'Every error answer: the code from a closed set, a message for people, optional details.' },
);
export type ErrorBody = Static<typeof ErrorBody>;
