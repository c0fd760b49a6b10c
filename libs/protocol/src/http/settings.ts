import { Type, type Static } from '@sinclair/typebox';
import { TEXT_PATTERN } from '../text.js';

/**
 * The latest time a setting can name: the last millisecond a JavaScript Date holds (year 275760). It also
 * keeps `muteUntil` inside what the Avro long encoder takes (MAX_SEQ), so a huge value is a 400, not a 500.
 */
export const LATEST_TIME = 8_640_000_000_000_000;

/** The caller's private settings for one conversation; the same on every device of the profile. */
export const ConversationSettings = Type.Object(
  {
    pinned: Type.Boolean({ description: 'Listed first.' }),
    muteUntil: Type.Integer({ minimum: -1, maximum: LATEST_TIME, description: '0: not muted; -1: muted until unmuted; else muted until this time (ms since the epoch, at most 8640000000000000). Muted conversations still count unread messages but raise no alerts.' }),
    hidden: Type.Boolean({ description: 'Left out of the list until a message newer than the hiding arrives.' }),
    remark: Type.String({ maxLength: 64, pattern: TEXT_PATTERN, description: 'A private name for it, up to 64 characters; the conversation filter matches it.' }),
  },
  { description: "The caller's private settings for a conversation." },
);
export type ConversationSettings = Static<typeof ConversationSettings>;

/** PUT /v1/conversations/{id}/settings: the fields given change, the others stay. */
export const ConversationSettingsBody = Type.Partial(ConversationSettings, { minProperties: 1, description: 'At least one of pinned, muteUntil, hidden, remark (other fields are ignored and do not count: a body with none of these is 400 bad_request).' });
export type ConversationSettingsBody = Static<typeof ConversationSettingsBody>;

export const ConversationSettingsEnvelope = Type.Object({ settings: ConversationSettings });
export type ConversationSettingsEnvelope = Static<typeof ConversationSettingsEnvelope>;

export const DEFAULT_CONVERSATION_SETTINGS: ConversationSettings = Object.freeze({ pinned: false, muteUntil: 0, hidden: false, remark: '' });
