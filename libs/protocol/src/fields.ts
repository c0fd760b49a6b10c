import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { CLIENT_MSG_ID_PATTERN, CONVERSATION_ID_PATTERN, MAX_SEQ } from './ids.js';
import { TEXT_PATTERN } from './text.js';

/**
 * The field shapes the frames are built from. Each `description` is a noun phrase ("a conversation id…"):
 * the published schema shows it, and parseClientFrame's messages say "<field> must be <description>".
 * Lengths are in code points (JSON Schema's count); patterns are ECMA-262 with the `u` flag.
 */

export const ConversationId = Type.String({
  pattern: CONVERSATION_ID_PATTERN,
  description: 'a conversation id (d.<userId>.<userId>, g.<id> or r.<name>; each part 1-64 of A-Z a-z 0-9 _ -)',
});

export const ClientMsgId = Type.String({
  pattern: CLIENT_MSG_ID_PATTERN,
  description: '1-64 characters of A-Z a-z 0-9 _ . : -',
});

/** A seq a client sends: the Avro long encoder takes at most MAX_SEQ. */
export const Seq = Type.Integer({ minimum: 0, maximum: MAX_SEQ, description: `an integer from 0 to ${MAX_SEQ}` });

/** A seq the server assigned to a message (dense from 1). */
export const MessageSeq = Type.Integer({ minimum: 1, maximum: MAX_SEQ, description: `an integer from 1 to ${MAX_SEQ}` });

export const Millis = Type.Integer({ minimum: 0, description: 'milliseconds since the Unix epoch' });

export const Count = Type.Integer({ minimum: 0, description: 'an integer >= 0' });

/** Free text a client sends: the text rule (no U+0000, no unpaired surrogate), lengths in code points. */
export function FreeText(options: { minLength?: number; maxLength?: number; description: string }): ReturnType<typeof Type.String> {
  return Type.String({ ...options, pattern: TEXT_PATTERN });
}

/**
 * Conversation id -> seq. Keys are checked with `propertyNames` (not `patternProperties`), so a key that
 * is not a conversation id is refused rather than silently ignored.
 */
export function Positions(seq: TSchema, description: string, maxProperties?: number): TUnsafe<Record<string, number>> {
  return Type.Unsafe<Record<string, number>>({
    type: 'object',
    propertyNames: ConversationId,
    additionalProperties: seq,
    ...(maxProperties === undefined ? {} : { maxProperties }),
    description,
  });
}

/** Most conversations one `auth.resume` or `resume` may name (fixed; the gateway's limit, in the published schema). */
export const MAX_RESUME_CONVERSATIONS = 2000;

export const UserRef = Type.Object({ id: Type.String(), username: Type.String() }, { description: 'a user: { id, username }' });
