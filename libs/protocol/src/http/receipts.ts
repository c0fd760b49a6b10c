import { Type, type Static } from '@sinclair/typebox';
import { UserRef } from '../fields.js';
import { TEXT_PATTERN } from '../text.js';
import { ReceiptMark } from '../server-frames.js';

/** Most users of one page of a message's readers, and how many when `limit` is absent. */
export const MAX_READERS_LIMIT = 100;
export const DEFAULT_READERS_LIMIT = 50;

/** GET /v1/conversations/{id}/receipts */
export const ReceiptsResponse = Type.Object(
  {
    shared: Type.Boolean({ description: 'Whether the caller shares read receipts. When false, `marks` is empty: one who shares none sees none.' }),
    marks: Type.Array(
      Type.Object({ user: UserRef, readSeq: ReceiptMark.properties.readSeq, deliveredSeq: ReceiptMark.properties.deliveredSeq }),
      { description: 'Every member who shares read receipts (the caller too), by user id.' },
    ),
  },
  { description: "The members' read and delivered marks; a message of seq s is read by the members whose readSeq >= s." },
);
export type ReceiptsResponse = Static<typeof ReceiptsResponse>;

/** GET /v1/conversations/{id}/messages/{seq}/readers: the query parameters. */
export const ReadersQuery = Type.Object({
  state: Type.Optional(
    Type.Unsafe<'read' | 'unread'>({ type: 'string', enum: ['read', 'unread'], default: 'read', description: 'read (default): the members who have read the message; unread: those who have not.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_READERS_LIMIT, default: DEFAULT_READERS_LIMIT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: TEXT_PATTERN, description: "The previous page's `next`, opaque." })),
});
export type ReadersQuery = Static<typeof ReadersQuery>;

export const ReadersResponse = Type.Object(
  {
    count: Type.Integer({ minimum: 0, description: 'How many members are in this list in all (every page).' }),
    users: Type.Array(UserRef, { description: 'One page, by user id.' }),
    next: Type.Optional(Type.String({ description: 'Present when there are more: pass it as `cursor`.' })),
  },
  {
    description:
      "Who has (or has not) read a message. The sender is in neither list, nor is any member who does not share read receipts; a caller who shares none gets count 0 and no users.",
  },
);
export type ReadersResponse = Static<typeof ReadersResponse>;


