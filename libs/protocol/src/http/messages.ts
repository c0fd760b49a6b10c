import { Type, type Static } from '@sinclair/typebox';
import { MAX_SEQ } from '../ids.js';
import { MessageFrame } from '../server-frames.js';

/** A stored message as the history API returns it: a `message` frame without its type. */
export const StoredMessage = Type.Omit(MessageFrame, ['type'], { description: 'A message, as the `message` frame carries it without `type`.' });
export type StoredMessage = Static<typeof StoredMessage>;

/** GET /v1/conversations/{id}/messages: `after` and `before` exclude each other (checked by the server). */
export const MessagesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SEQ, description: 'The oldest `limit` messages with seq > after. Not together with `before`.' })),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEQ, description: 'The newest `limit` messages with seq < before. Not together with `after`.' })),
});
export type MessagesQuery = Static<typeof MessagesQuery>;

export const MessagesResponse = Type.Object({
  messages: Type.Array(StoredMessage),
  hasMore: Type.Boolean({ description: 'More messages exist beyond this page in the direction asked (newer for `after`, older otherwise).' }),
});
export type MessagesResponse = Static<typeof MessagesResponse>;

/** GET /v1/conversations/{id}/messages/{seq}: one message (a reply's quote, a mention's context). */
export const MessageEnvelope = Type.Object({ message: StoredMessage });
export type MessageEnvelope = Static<typeof MessageEnvelope>;
