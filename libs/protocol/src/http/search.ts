import { Type, type Static } from '@sinclair/typebox';
import { ConversationId, MessageSeq, Millis, UserRef } from '../fields.js';
import { MESSAGE_KINDS, type MessageKind } from '../message-kinds.js';
import { TEXT_PATTERN } from '../text.js';
import { ProfileIdParam } from './friends.js';
import { LATEST_TIME } from './settings.js';

/** Most code points of a search query. */
export const MAX_SEARCH_QUERY_CHARS = 200;
/** Most results of one page of a search, and how many when `limit` is absent. */
export const MAX_SEARCH_LIMIT = 50;
export const DEFAULT_SEARCH_LIMIT = 20;

/**
 * GET /v1/search/messages: the query parameters. Every term of `q` must match (AND); the server refuses a
 * `q` of only whitespace or only characters that make no term (400 bad_request, `details.field` "q").
 */
export const SearchQuery = Type.Object({
  q: Type.String({
    minLength: 1,
    maxLength: MAX_SEARCH_QUERY_CHARS,
    pattern: TEXT_PATTERN,
    description: `What to look for: 1-${MAX_SEARCH_QUERY_CHARS} code points of text. Words are matched whole (case, width and compatibility forms ignored); Chinese, Japanese and Korean text also by any two adjacent characters, so part of a word matches. Every word must match.`,
  }),
  /** Only messages of this conversation (one the caller cannot read gives no results, not an error). */
  conversation: Type.Optional(ConversationId),
  /** Only messages sent by this profile. */
  sender: Type.Optional(ProfileIdParam),
  kind: Type.Optional(Type.Unsafe<MessageKind>({ type: 'string', enum: [...MESSAGE_KINDS], description: `Only messages of this kind: one of ${MESSAGE_KINDS.join(', ')}.` })),
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: LATEST_TIME, description: 'Only messages sent at or after this time (ms since the epoch, inclusive; at most 8640000000000000, the latest date).' })),
  before: Type.Optional(Type.Integer({ minimum: 0, maximum: LATEST_TIME, description: 'Only messages sent before this time (ms since the epoch, exclusive; at most 8640000000000000, the latest date).' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: TEXT_PATTERN, description: "The previous page's `next`, opaque." })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: DEFAULT_SEARCH_LIMIT })),
});
export type SearchQuery = Static<typeof SearchQuery>;

/** A code-point range [start, end) of a result's content that matches a term of the query. */
export const SearchHighlight = Type.Object(
  {
    start: Type.Integer({ minimum: 0, description: 'the first code point of the match (0-based, counted in code points)' }),
    end: Type.Integer({ minimum: 1, description: 'one past the last code point of the match' }),
  },
  { description: 'A code-point range [start, end) of the content that matches a term of the query.' },
);
export type SearchHighlight = Static<typeof SearchHighlight>;

/** One message a search found, as the caller can read it now. */
export const SearchResult = Type.Object(
  {
    conversation: ConversationId,
    seq: MessageSeq,
    id: Type.String({ description: 'the message id' }),
    ts: Millis,
    sender: UserRef,
    kind: Type.String({ description: 'the message kind (never "system")' }),
    content: Type.String({ description: "the message's plain text now (after any edit)" }),
    highlights: Type.Array(SearchHighlight, { description: 'the ranges of content that match a query term, merged and sorted; empty when the match is not visible in the content as typed' }),
  },
  { description: 'A message a search found.' },
);
export type SearchResult = Static<typeof SearchResult>;

/** GET /v1/search/messages: newest first (ts, then conversation id, then seq, descending). */
export const SearchResponse = Type.Object({
  results: Type.Array(SearchResult, { description: 'the matching messages the caller can read now, the newest first' }),
  next: Type.Optional(Type.String({ description: 'the `cursor` of the next page; absent on the last' })),
});
export type SearchResponse = Static<typeof SearchResponse>;
