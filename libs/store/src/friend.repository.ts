import { sql } from 'kysely';
import type { Friend, FriendRequest, PublicProfile } from '@parley/protocol';
import type { ParleyDb } from './database.js';
import { toPublicProfile } from './profile.repository.js';

export type { Friend, FriendRequest };

/** How `viewer` stands to `other`, in this order of precedence (see PublicProfileEnvelope.relation). */
export type Relation = 'self' | 'friend' | 'requested' | 'incoming' | 'blocked' | 'none';

/**
 * Friends, requests and blocks as one profile sees them. Deleted profiles never appear: their own rows are
 * removed when they are deleted, and rows written later by other streams are filtered out here.
 */
export class FriendRepository {
  constructor(private readonly db: ParleyDb) {}

  /** The profile's friends, by handle, with its private remark for each. */
  async friends(profileId: string): Promise<Friend[]> {
    const rows = await this.db
      .selectFrom('friendships as f')
      .innerJoin('profiles as p', 'p.id', 'f.friend_id')
      .leftJoin('contact_remarks as r', (j) => j.onRef('r.contact_id', '=', 'f.friend_id').on('r.profile_id', '=', profileId))
      .select(['p.id', 'p.handle', 'p.display_name', 'p.bio', 'p.avatar', 'f.since', 'r.remark'])
      .where('f.profile_id', '=', profileId)
      .where('p.deleted', '=', false)
      .orderBy('p.handle_key')
      .orderBy('p.id')
      .execute();
    return rows.map((r) => ({ profile: toPublicProfile(r), remark: r.remark ?? '', since: Number(r.since) }));
  }

  /** The profile's pending requests, newest first: sent to it, and sent by it. */
  async requests(profileId: string): Promise<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }> {
    const [incoming, outgoing] = await Promise.all([this.requestsWhere('to_id', profileId), this.requestsWhere('from_id', profileId)]);
    return { incoming, outgoing };
  }

  /** One pending request. */
  async request(id: string): Promise<FriendRequest | undefined> {
    return (await this.requestsWhere('id', id))[0];
  }

  /** The profiles `profileId` blocked, newest block first. */
  async blocked(profileId: string): Promise<Array<{ profile: PublicProfile; since: number }>> {
    const rows = await this.db
      .selectFrom('blocks as b')
      .innerJoin('profiles as p', 'p.id', 'b.blocked_id')
      .select(['p.id', 'p.handle', 'p.display_name', 'p.bio', 'p.avatar', 'b.since'])
      .where('b.profile_id', '=', profileId)
      .where('p.deleted', '=', false)
      .orderBy('b.since', 'desc')
      .orderBy('p.id')
      .execute();
    return rows.map((r) => ({ profile: toPublicProfile(r), since: Number(r.since) }));
  }

  /** Whether `by` blocked `other`. */
  async isBlocked(by: string, other: string): Promise<boolean> {
    const row = await this.db.selectFrom('blocks').select('since').where('profile_id', '=', by).where('blocked_id', '=', other).executeTakeFirst();
    return row !== undefined;
  }

  /** How `viewer` stands to `other`: self, blocked (by the viewer), friend, requested, incoming, or none. */
  async relation(viewer: string, other: string): Promise<Relation> {
    if (viewer === other) return 'self';
    const { rows } = await sql<{ blocked: boolean; friend: boolean; requested: boolean; incoming: boolean }>`
      select
        exists (select 1 from blocks where profile_id = ${viewer} and blocked_id = ${other}) as blocked,
        exists (select 1 from friendships where profile_id = ${viewer} and friend_id = ${other}) as friend,
        exists (select 1 from friend_requests where from_id = ${viewer} and to_id = ${other}) as requested,
        exists (select 1 from friend_requests where from_id = ${other} and to_id = ${viewer}) as incoming`.execute(this.db);
    const r = rows[0];
    if (r?.blocked) return 'blocked';
    if (r?.friend) return 'friend';
    if (r?.requested) return 'requested';
    if (r?.incoming) return 'incoming';
    return 'none';
  }

  /** `profileId`'s private remark for `contactId`; empty when none. */
  async remark(profileId: string, contactId: string): Promise<string> {
    const row = await this.db
      .selectFrom('contact_remarks')
      .select('remark')
      .where('profile_id', '=', profileId)
      .where('contact_id', '=', contactId)
      .executeTakeFirst();
    return row?.remark ?? '';
  }

  private async requestsWhere(column: 'id' | 'from_id' | 'to_id', value: string): Promise<FriendRequest[]> {
    const rows = await this.db
      .selectFrom('friend_requests as q')
      .innerJoin('profiles as f', 'f.id', 'q.from_id')
      .innerJoin('profiles as t', 't.id', 'q.to_id')
      .select([
        'q.id',
        'q.note',
        'q.created_at',
        'f.id as from_id',
        'f.handle as from_handle',
        'f.display_name as from_display_name',
        'f.bio as from_bio',
        'f.avatar as from_avatar',
        't.id as to_id',
        't.handle as to_handle',
        't.display_name as to_display_name',
        't.bio as to_bio',
        't.avatar as to_avatar',
      ])
      .where(`q.${column}`, '=', value)
      .where('f.deleted', '=', false)
      .where('t.deleted', '=', false)
      .orderBy('q.created_at', 'desc')
      .orderBy('q.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      from: toPublicProfile({ id: r.from_id, handle: r.from_handle, display_name: r.from_display_name, bio: r.from_bio, avatar: r.from_avatar }),
      to: toPublicProfile({ id: r.to_id, handle: r.to_handle, display_name: r.to_display_name, bio: r.to_bio, avatar: r.to_avatar }),
      note: r.note,
      createdAt: Number(r.created_at),
    }));
  }
}
