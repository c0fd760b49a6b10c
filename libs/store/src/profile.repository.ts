import type { OwnProfile, PeopleResponse, PublicProfile } from '@parley/protocol';
import type { DirectFrom } from '@parley/schemas';
import { sql } from 'kysely';
import { ParleyError } from '@parley/core';
import type { ParleyDb } from './database.js';
import { handleKey, likeContains, searchFold } from './text-keys.js';

export type { OwnProfile, PeopleResponse, PublicProfile };

/** A profile row as the query API decides on it (who owns it, whether it is gone, who may write to it). */
export interface ProfileRow {
  id: string;
  loginId: string;
  handle: string;
  handleKey: string;
  displayName: string;
  bio: string;
  avatar: string;
  directFrom: DirectFrom;
  readReceipts: boolean;
  presence: PresenceVisibility;
  deleted: boolean;
  createdAt: number;
}

export type PresenceVisibility = 'everyone' | 'contacts' | 'nobody';

/** A profile's privacy settings for receipts and presence. */
export interface Privacy {
  readonly readReceipts: boolean;
  readonly presence: PresenceVisibility;
}

/** The columns of a profile that make a PublicProfile. */
export interface PublicProfileColumns {
  id: string;
  handle: string;
  display_name: string;
  bio: string;
  avatar: string;
}

export function toPublicProfile(r: PublicProfileColumns): PublicProfile {
  return { id: r.id, handle: r.handle, displayName: r.display_name, bio: r.bio, avatar: r.avatar };
}

export class ProfileRepository {
  constructor(private readonly db: ParleyDb) {}

  /** Any profile, deleted ones included (`deleted` says so). */
  async byId(id: string): Promise<ProfileRow | undefined> {
    const row = await this.db.selectFrom('profiles').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRow(row);
  }

  /**
   * The live profile with this handle, compared on handleKey (so `Alice` finds `alice`). Accounts from before
   * handles may share a key; the first created wins.
   */
  async byHandle(handle: string): Promise<ProfileRow | undefined> {
    const row = await this.db
      .selectFrom('profiles')
      .selectAll()
      .where('handle_key', '=', handleKey(handle))
      .where('deleted', '=', false)
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row && toRow(row);
  }

  /** A live profile as others see it. */
  async publicById(id: string): Promise<PublicProfile | undefined> {
    const row = await this.db
      .selectFrom('profiles')
      .select(['id', 'handle', 'display_name', 'bio', 'avatar'])
      .where('id', '=', id)
      .where('deleted', '=', false)
      .executeTakeFirst();
    return row && toPublicProfile(row);
  }

  /** The login's live profiles, oldest (its first, named after the username) first. */
  async listForLogin(loginId: string): Promise<OwnProfile[]> {
    const rows = await this.db
      .selectFrom('profiles')
      .selectAll()
      .where('login_id', '=', loginId)
      .where('deleted', '=', false)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => {
      const { id, handle, displayName, bio, avatar, directFrom, readReceipts, presence, createdAt } = toRow(r);
      return { id, handle, displayName, bio, avatar, directFrom, readReceipts, presence, createdAt };
    });
  }

  /** The privacy settings of these profiles (deleted ones too); an unknown id is left out. */
  async privacyOf(ids: readonly string[]): Promise<Map<string, Privacy>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('profiles').select(['id', 'read_receipts', 'presence']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, { readReceipts: r.read_receipts, presence: asPresence(r.presence) }]));
  }

  /**
   * People search: live profiles whose handle or display name contains `q`, ignoring case and accents
   * (searchFold), by handle key in code point order. `after` is the `next` of the previous page: an opaque cursor (the last
   * row's handle key and id); a malformed one is `bad_request`.
   */
  async search(q: string, limit: number, after?: string): Promise<PeopleResponse> {
    const cursor = after === undefined || after === '' ? undefined : parseCursor(after);
    const rows = await this.db
      .selectFrom('profiles')
      .select(['id', 'handle', 'handle_key', 'display_name', 'avatar'])
      .where('deleted', '=', false)
      .where('search_key', 'like', likeContains(searchFold(q)))
      // Code point order (collation "C"), the same on every database whatever its locale, so a cursor
      // from one page is exact on the next.
      .$if(cursor !== undefined, (qb) => qb.where(sql<boolean>`(handle_key collate "C", id collate "C") > (${cursor!.key} collate "C", ${cursor!.id} collate "C")`))
      .orderBy(sql`handle_key collate "C"`)
      .orderBy(sql`id collate "C"`)
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      users: page.map((r) => ({ id: r.id, username: r.handle, displayName: r.display_name, avatar: r.avatar })),
      next: rows.length > limit && last ? `${last.handle_key} ${last.id}` : null,
    };
  }
}

/** A cursor is `<handle key> <id>`: handles hold no spaces after NFKC of their alphabet, ids never do. */
function parseCursor(after: string): { key: string; id: string } {
  const i = after.lastIndexOf(' ');
  if (i < 0) throw new ParleyError('bad_request', 'Invalid "after": pass the "next" of the previous page', { details: { field: 'after' } });
  return { key: after.slice(0, i), id: after.slice(i + 1) };
}

function toRow(r: {
  id: string;
  login_id: string;
  handle: string;
  handle_key: string;
  display_name: string;
  bio: string;
  avatar: string;
  direct_from: 'everyone' | 'friends';
  read_receipts: boolean;
  presence: string;
  deleted: boolean;
  created_at: string | number | bigint;
}): ProfileRow {
  return {
    id: r.id,
    loginId: r.login_id,
    handle: r.handle,
    handleKey: r.handle_key,
    displayName: r.display_name,
    bio: r.bio,
    avatar: r.avatar,
    directFrom: r.direct_from === 'friends' ? 'friends' : 'everyone',
    readReceipts: r.read_receipts,
    presence: asPresence(r.presence),
    deleted: r.deleted,
    createdAt: Number(r.created_at),
  };
}

export function asPresence(value: string): PresenceVisibility {
  return value === 'contacts' || value === 'nobody' ? value : 'everyone';
}
