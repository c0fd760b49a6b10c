import { Type, type Static } from '@sinclair/typebox';
import { ClientMsgId, ConversationId, MAX_RESUME_CONVERSATIONS, Positions, Seq, FreeText } from './fields.js';
import { MAX_SEQ } from './ids.js';
import { MAX_BODY_BYTES, MAX_MENTIONS, MENTION_ALL, MESSAGE_KINDS, type MessageKind } from './message-kinds.js';

/**
 * The frames a client sends, declared once: the TypeScript types, parseClientFrame's validation and
 * docs/protocol.schema.json all come from these. Unknown fields are allowed (and dropped on parse).
 */

export const AuthFrame = Type.Object(
  {
    type: Type.Literal('auth'),
    token: FreeText({ minLength: 1, maxLength: 4096, description: 'a token: text of 1-4096 characters' }),
    /**
     * Per conversation, the last seq the client has. The server sends exactly what follows, before any live
     * message of those conversations, with no gap and no repeat.
     */
    resume: Type.Optional(
      Positions(Seq, `an object of conversation id -> the last seq the client has (0 for none), at most ${MAX_RESUME_CONVERSATIONS} entries`, MAX_RESUME_CONVERSATIONS),
    ),
  },
  { title: 'auth', description: 'Authenticates the connection; optionally resumes conversations.' },
);
export type AuthFrame = Static<typeof AuthFrame>;

export const SendFrame = Type.Object(
  {
    type: Type.Literal('send'),
    conversation: ConversationId,
    clientMsgId: ClientMsgId,
    content: FreeText({
      minLength: 1,
      description: 'non-empty text (no U+0000, no unpaired surrogate) of at most limits.maxContentBytes UTF-8 bytes',
    }),
    /** An `enum`, not a union of literals: a refusal then names the field and the kinds. */
    kind: Type.Optional(Type.Unsafe<MessageKind>({ type: 'string', enum: [...MESSAGE_KINDS], description: `one of ${MESSAGE_KINDS.join(', ')}; default "text"` })),
    /**
     * The kind's body (message-kinds.ts MESSAGE_BODIES). Only "an object" here: parseClientFrame checks it
     * against the kind after the content size (messageProblem), so the first problem found stays in order.
     */
    body: Type.Optional(
      Type.Unsafe<Record<string, unknown>>({
        type: 'object',
        description: `a JSON object: the body of the kind, as docs/PROTOCOL.md "Message kinds" declares it (the *Body definitions), at most ${MAX_BODY_BYTES} bytes as JSON`,
      }),
    ),
    replyTo: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEQ, description: `the seq of a message of this conversation, which it quotes: an integer from 1 to ${MAX_SEQ}` })),
    mentions: Type.Optional(
      Type.Array(Type.String({ pattern: `^(u[A-Za-z0-9_-]{1,64}|${MENTION_ALL})$`, description: `a profile id or "${MENTION_ALL}"` }), {
        maxItems: MAX_MENTIONS,
        uniqueItems: true,
        description: `at most ${MAX_MENTIONS} different profile ids of members, or "${MENTION_ALL}"`,
      }),
    ),
    seenSeq: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_SEQ,
        description: `the newest seq of this conversation the client had seen when it first sent this clientMsgId (0 for none), an integer from 0 to ${MAX_SEQ}: the same value on every re-send. With it, a re-send the server can no longer match is refused (dedupe_expired) instead of stored twice`,
      }),
    ),
  },
  { title: 'send', description: 'Posts a message; answered by an ack or an error whose ref is the clientMsgId.' },
);
export type SendFrame = Static<typeof SendFrame>;

/**
 * Mid-session resume (prefer `auth.resume` when connecting): the server sends everything after each seq.
 * Messages that arrived live before this frame may repeat; discard by seq.
 */
export const ResumeFrame = Type.Object(
  {
    type: Type.Literal('resume'),
    conversations: Positions(Seq, `an object of conversation id -> the last seq the client has (0 for none), at most ${MAX_RESUME_CONVERSATIONS} entries`, MAX_RESUME_CONVERSATIONS),
  },
  { title: 'resume', description: 'Mid-session resume: the server re-sends everything after each seq; discard repeats by seq.' },
);
export type ResumeFrame = Static<typeof ResumeFrame>;

export const ReadFrame = Type.Object(
  {
    type: Type.Literal('read'),
    conversation: ConversationId,
    seq: Seq,
  },
  { title: 'read', description: 'Marks everything up to seq as read (clamped to the last seq).' },
);
export type ReadFrame = Static<typeof ReadFrame>;

export const TypingClientFrame = Type.Object(
  {
    type: Type.Literal('typing'),
    conversation: ConversationId,
    typing: Type.Optional(Type.Boolean({ description: 'true (default): the user is typing; false: stopped' })),
  },
  {
    title: 'typing',
    description: 'The user is typing (repeat every 3 s while typing) or stopped. Best-effort: at most one `typing: true` per 2 s per conversation is passed on; see "Typing".',
  },
);
export type TypingClientFrame = Static<typeof TypingClientFrame>;

export const PingFrame = Type.Object(
  {
    type: Type.Literal('ping'),
    id: Type.Optional(FreeText({ maxLength: 64, description: 'text of at most 64 characters' })),
  },
  { title: 'ping', description: 'An application-level round trip; answered by a pong with the same id. Allowed before auth.' },
);
export type PingFrame = Static<typeof PingFrame>;

/** Every client frame by its `type`. */
export const CLIENT_FRAMES = {
  auth: AuthFrame,
  send: SendFrame,
  resume: ResumeFrame,
  read: ReadFrame,
  typing: TypingClientFrame,
  ping: PingFrame,
} as const;

export const ClientFrame = Type.Union([AuthFrame, SendFrame, ResumeFrame, ReadFrame, TypingClientFrame, PingFrame], { title: 'client frame' });
export type ClientFrame = Static<typeof ClientFrame>;
