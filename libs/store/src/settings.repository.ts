import { sql } from 'kysely';
import { DEFAULT_CONVERSATION_SETTINGS, type ConversationSettings } from '@parley/protocol';
import type { ParleyDb } from './database.js';

export type { ConversationSettings };

/** The columns of conversation_settings (left-joined: null when the profile never changed any). */
export interface SettingsColumns {
  pinned: boolean | null;
  mute_until: string | number | bigint | null;
  hidden: boolean | null;
  hidden_at: string | number | bigint | null;
  remark: string | null;
}

/**
 * Settings as the owner sees them. `hidden` is whether the conversation is hidden now: the stored flag
 * holds until a message newer than the hiding arrives (`activity`, the conversation's last message or
 * creation), which shows it again. Reporting that keeps a later change of another setting, which sends
 * every field back, from hiding it again by accident. Likewise a timed mute that has ended by `now` reads
 * as not muted (0), wherever settings are read.
 */
export function toSettings(s: SettingsColumns, activity: number | undefined, now: number): ConversationSettings {
  if (s.pinned === null) return { ...DEFAULT_CONVERSATION_SETTINGS };
  const hiddenAt = Number(s.hidden_at ?? 0);
  const muteUntil = Number(s.mute_until ?? 0);
  return {
    pinned: s.pinned,
    muteUntil: muteUntil > 0 && muteUntil <= now ? 0 : muteUntil,
    hidden: Boolean(s.hidden) && (activity === undefined || hiddenAt >= activity),
    remark: s.remark ?? '',
  };
}

export class SettingsRepository {
  constructor(private readonly db: ParleyDb) {}

  /** The profile's settings for the conversation; the defaults when it never changed any. */
  async get(profileId: string, conversationId: string, now = Date.now()): Promise<ConversationSettings> {
    const row = await this.db
      .selectFrom('conversation_settings as s')
      .leftJoin('conversations as c', 'c.id', 's.conversation_id')
      .select(['s.pinned', 's.mute_until', 's.hidden', 's.hidden_at', 's.remark', sql<string | number | null>`coalesce(c.last_message_at, c.created_at)`.as('activity')])
      .where('s.profile_id', '=', profileId)
      .where('s.conversation_id', '=', conversationId)
      .executeTakeFirst();
    if (!row) return { ...DEFAULT_CONVERSATION_SETTINGS };
    return toSettings(row, row.activity === null ? undefined : Number(row.activity), now);
  }
}
