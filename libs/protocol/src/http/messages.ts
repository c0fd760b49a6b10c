import { Type, type Static } from '@sinclair/typebox';
import { ConversationId, FreeText, MessageSeq, Millis } from '../fields.js';
import { MAX_SEQ } from '../ids.js';
import { MessageFrame } from '../server-frames.js';

/** Most people a message's reaction lists by id (its count counts them all). */
export const MAX_REACTION_USERS = 20;

/** One emoji's reactions to a message. */
export const Reaction = Type.Object(
  {
    emoji: Type.String({ description: 'the emoji' }),
    count: Type.Integer({ minimum: 1, description: 'how many people reacted with it' }),
    userIds: Type.Array(Type.String(), { maxItems: MAX_REACTION_USERS, description: `the profile ids of the first ${MAX_REACTION_USERS} who reacted with it, the first first` }),
  },
  { description: "One emoji's reactions to a message." },
);
export type Reaction = Static<typeof Reaction>;

/**
 * A stored message as the history API returns it: a `message` frame without its type, and what the message
 * is now (each field only when set). A live `message` frame never carries those (but `forwarded`): the changes
 * arrive live as system entries naming the message (docs/PROTOCOL.md "System entries").
 */
export const StoredMessage = Type.Composite(
  [
    // `forwarded` is declared here too, so the history's shape does not hang on whether the frame has it yet.
    Type.Omit(MessageFrame, ['type', 'forwarded']),
    Type.Object({
      forwarded: Type.Optional(Type.Literal(true, { description: 'when it was forwarded from another conversation: true; absent otherwise' })),
      recalled: Type.Optional(Type.Literal(true, { description: 'now: the message was recalled; its content is "" and it has no body or mentions any more' })),
      editedAt: Type.Optional(Type.Integer({ minimum: 1, description: 'now: when the message was last edited (ms since the epoch); content and body are the edited ones' })),
      pinned: Type.Optional(Type.Literal(true, { description: 'now: the message is pinned in its conversation' })),
      reactions: Type.Optional(Type.Array(Reaction, { description: "now: the message's reactions, one per emoji, ordered by each emoji's first reaction" })),
    }),
  ],
  { description: 'A message, as the `message` frame carries it without `type`, with what it is now: recalled, edited, forwarded, pinned, its reactions.' },
);
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

// ---- changes to a message (recall, edit, pin, reactions, forward) ----

/** The `{seq}` of the message routes: a message's seq, decimal. */
export const MessageSeqParam = Type.String({ pattern: '^[0-9]{1,20}$', description: `a message's seq: an integer from 1 to ${MAX_SEQ}` });

/** The `{emoji}` of the reaction routes: one emoji (an RGI emoji sequence), percent-encoded in the path. */
export const EmojiParam = Type.String({ minLength: 1, maxLength: 64, description: 'one emoji, percent-encoded (UTF-8) in the path' });

/** Most UTF-8 bytes of an edited message's content (the default limit of a message's content). */
export const MAX_EDIT_CONTENT_BYTES = 16 * 1024;

/** PUT /v1/conversations/{id}/messages/{seq}: the message's new content and body, in its kind. */
export const EditMessageBody = Type.Object({
  content: FreeText({ minLength: 1, maxLength: MAX_EDIT_CONTENT_BYTES, description: `non-empty text (no U+0000, no unpaired surrogate) of at most ${MAX_EDIT_CONTENT_BYTES} UTF-8 bytes` }),
  body: Type.Optional(
    Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      description: "the message's new body, for a kind that has one, as docs/PROTOCOL.md \"Message kinds\" declares it; none when left out",
    }),
  ),
});
export type EditMessageBody = Static<typeof EditMessageBody>;

/** POST /v1/conversations/{id}/messages/{seq}/forward: where to. */
export const ForwardBody = Type.Object({
  to: ConversationId,
});
export type ForwardBody = Static<typeof ForwardBody>;

/** What POST .../forward answers: the new message in the conversation it was forwarded to. */
export const ForwardedResponse = Type.Object({
  message: Type.Object({ conversation: ConversationId, seq: MessageSeq, id: Type.String({ description: 'the new message id' }) }),
});
export type ForwardedResponse = Static<typeof ForwardedResponse>;

/** A pinned message: who pinned it and when. */
export const Pin = Type.Object(
  {
    message: StoredMessage,
    pinnedBy: Type.Object({ id: Type.String(), username: Type.String({ description: '"" once the profile is deleted' }) }, { description: 'who pinned it' }),
    pinnedAt: Millis,
  },
  { description: 'A pinned message of a conversation.' },
);
export type Pin = Static<typeof Pin>;

/** GET /v1/conversations/{id}/pins: the newest pin first. */
export const PinsResponse = Type.Object({
  pins: Type.Array(Pin, { description: 'the pinned messages, the newest pin first' }),
});
export type PinsResponse = Static<typeof PinsResponse>;
