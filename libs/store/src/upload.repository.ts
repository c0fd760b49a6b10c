import { sql, type Selectable } from 'kysely';
import type { Attachment, AttachmentKind } from '@parley/protocol';
import type { ParleyDb, UploadsTable } from './database.js';

/** One received chunk: the blob that holds it. */
export interface UploadPart {
  sha256: string;
  size: number;
}

/** An upload as stored (see UploadRepository). Times are ms since the epoch. */
export interface UploadRow {
  id: string;
  userId: string;
  kind: AttachmentKind;
  name: string;
  /** The declared size in bytes. */
  size: number;
  /** The media type the client said it is; recorded, never trusted. */
  mimeClaimed?: string;
  /** Bytes received so far: the sum of the parts' sizes, where the next chunk starts. */
  received: number;
  /** The chunks' blobs, in order; [] once complete. */
  parts: UploadPart[];
  state: 'open' | 'complete';
  /** The attachment the upload became, once complete. */
  attachment?: Attachment;
  createdAt: number;
  /** The last chunk or completion; what staleOpen looks at. */
  updatedAt: number;
}

/**
 * Uploads in progress and the attachments they became: operational state written by the query API, not a
 * projection (no event makes it; a replay neither rebuilds nor empties it, see docs/ARCHITECTURE.md).
 * A message's use of a blob is the projection message_attachments, which this repository reads to tell
 * what cleanup may delete.
 *
 * Invariants the HTTP routes and the sweeper rely on:
 * - `received` only grows, by one part at a time, and only through the compare-and-set of appendPart, so
 *   two PUTs at one offset cannot both be recorded.
 * - A part is recorded only after its blob is durable; a blob named here or by a message is never deleted
 *   (callers ask blobInUse first).
 */
export class UploadRepository {
  constructor(private readonly db: ParleyDb) {}

  async create(row: { id: string; userId: string; kind: AttachmentKind; name: string; size: number; mimeClaimed?: string; createdAt: number }): Promise<void> {
    await this.db
      .insertInto('uploads')
      .values({
        id: row.id,
        user_id: row.userId,
        kind: row.kind,
        name: row.name,
        size: row.size,
        mime_claimed: row.mimeClaimed ?? null,
        received: 0,
        parts: '[]',
        state: 'open',
        attachment: null,
        created_at: row.createdAt,
        updated_at: row.createdAt,
      })
      .execute();
  }

  async get(id: string): Promise<UploadRow | undefined> {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUploadRow(row);
  }

  /**
   * Compare-and-set: appends `part` when the upload is open and `received` is still `expectedOffset`, and
   * answers the upload as it now is; undefined when it moved (another chunk got there first), when it is
   * complete, or when it is gone. `received` grows strictly with every part, so an unchanged `received` at
   * the update means no part was appended since `parts` was read.
   */
  async appendPart(id: string, expectedOffset: number, part: UploadPart, now: number): Promise<UploadRow | undefined> {
    const current = await this.get(id);
    if (!current || current.state !== 'open' || current.received !== expectedOffset) return undefined;
    const row = await this.db
      .updateTable('uploads')
      .set({
        parts: JSON.stringify([...current.parts, { sha256: part.sha256, size: part.size }]),
        received: expectedOffset + part.size,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .where('received', '=', expectedOffset)
      .returningAll()
      .executeTakeFirst();
    return row && toUploadRow(row);
  }

  /**
   * Makes the upload `attachment`. Its parts are forgotten: the caller deletes their blobs (those that
   * blobInUse says nothing else needs; a part may be the very blob of the attachment, for a one-chunk file).
   */
  async complete(id: string, attachment: Attachment, now: number): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ state: 'complete', attachment: JSON.stringify(attachment), parts: '[]', updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Forgets the upload; its blobs are the caller's to delete (after blobInUse). */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  /** Bytes counted against the user's quota: every upload row of theirs (open: declared size; complete: size). */
  async usage(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<string | number | bigint>('size'), sql<number>`0`).as('bytes'))
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  /** Open uploads last touched before `before`, the longest untouched first. */
  async staleOpen(before: number, limit: number): Promise<UploadRow[]> {
    const rows = await this.db
      .selectFrom('uploads')
      .selectAll()
      .where('state', '=', 'open')
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toUploadRow);
  }

  /**
   * Complete uploads last touched (completed, or completed again for a fresh ref) before `before` whose
   * file no message of their uploader's names (a recalled one names nothing), the longest untouched first.
   * Another user's message with the same bytes does not keep an upload: its blob stays (blobInUse), the
   * upload and its count against the quota go.
   */
  async unreferenced(before: number, limit: number): Promise<UploadRow[]> {
    const rows = await this.db
      .selectFrom('uploads as u')
      .selectAll('u')
      .where('u.state', '=', 'complete')
      .where('u.updated_at', '<', before)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('message_attachments as m')
              .innerJoin('messages as g', (j) => j.onRef('g.conversation_id', '=', 'm.conversation_id').onRef('g.seq', '=', 'm.seq'))
              .select('m.blob')
              .where('m.blob', '=', sql<string>`(u.attachment::jsonb ->> 'id')`)
              .whereRef('g.sender_id', '=', 'u.user_id'),
          ),
        ),
      )
      .orderBy('u.updated_at')
      .orderBy('u.id')
      .limit(limit)
      .execute();
    return rows.map(toUploadRow);
  }

  /** Whether upload `id` is `userId`'s, complete, and its file is blob `sha256` (not deleted since its ref was made). */
  async holds(id: string, userId: string, sha256: string): Promise<boolean> {
    const row = await this.get(id);
    return row !== undefined && row.userId === userId && row.state === 'complete' && row.attachment?.id === sha256;
  }

  /**
   * Whether a message of `userId`'s (not recalled: a recall drops its rows) names blob `sha256` as its file
   * or thumbnail. Only their own: whether anyone else's message carries the same bytes is none of theirs.
   */
  async inMessagesOf(sha256: string, userId: string): Promise<boolean> {
    const found = await this.db
      .selectFrom('message_attachments as m')
      .innerJoin('messages as g', (j) => j.onRef('g.conversation_id', '=', 'm.conversation_id').onRef('g.seq', '=', 'm.seq'))
      .select('m.blob')
      .where('m.blob', '=', sha256)
      .where('g.sender_id', '=', userId)
      .limit(1)
      .executeTakeFirst();
    return found !== undefined;
  }

  /**
   * Whether anything still needs blob `sha256`: a message (message_attachments: a file or a thumbnail), a
   * part of an upload other than `except`, or the attachment or thumbnail of a complete upload other than
   * `except`. `except` is the upload whose blobs the caller is about to delete; its own parts and
   * attachment do not count.
   */
  async blobInUse(sha256: string, except?: string): Promise<boolean> {
    const byMessage = await this.db.selectFrom('message_attachments').select('blob').where('blob', '=', sha256).limit(1).executeTakeFirst();
    if (byMessage) return true;
    let uploads = this.db
      .selectFrom('uploads')
      .select('id')
      .where((eb) =>
        eb.or([
          eb(sql`parts::jsonb`, '@>', sql`${JSON.stringify([{ sha256 }])}::jsonb`),
          eb(sql`(attachment::jsonb ->> 'id')`, '=', sha256),
          eb(sql`(attachment::jsonb -> 'thumbnail' ->> 'id')`, '=', sha256),
        ]),
      );
    if (except !== undefined) uploads = uploads.where('id', '<>', except);
    return (await uploads.limit(1).executeTakeFirst()) !== undefined;
  }
}

function toUploadRow(r: Selectable<UploadsTable>): UploadRow {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind as AttachmentKind,
    name: r.name,
    size: Number(r.size),
    ...(r.mime_claimed === null ? {} : { mimeClaimed: r.mime_claimed }),
    received: Number(r.received),
    parts: JSON.parse(r.parts) as UploadPart[],
    state: r.state,
    ...(r.attachment === null ? {} : { attachment: JSON.parse(r.attachment) as Attachment }),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
