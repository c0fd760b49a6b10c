import type { Transaction } from 'kysely';
import { isSha256 } from '@parley/core';
import { isAttachmentKind } from '@parley/protocol';
import type { ParleyEvent } from '@parley/schemas';
import type { Database } from './database.js';
import { insertNew } from './insert-rows.js';


/** One row of message_attachments: a blob that message (conversation, seq) names. */
export interface MessageAttachmentRow {
  conversation_id: string;
  seq: number;
  blob: string;
}

/**
 * The blobs a MessageSent names: for an attachment kind, its body's `attachment.id` and
 * `attachment.thumbnail.id`. The gateway wrote the body (`{ "attachment": Attachment }`), but a projection
 * never trusts a body to parse: one that does not, or names no blob, names nothing (and throws nothing, so
 * the partition goes on).
 */
export function attachmentBlobs(p: { kind: string; body?: string | null }): string[] {
  if (!isAttachmentKind(p.kind) || !p.body) return [];
  let body: unknown;
  try {
    body = JSON.parse(p.body);
  } catch {
    return [];
  }
  const attachment = (body as { attachment?: unknown } | null)?.attachment;
  if (typeof attachment !== 'object' || attachment === null) return [];
  const { id, thumbnail } = attachment as { id?: unknown; thumbnail?: unknown };
  const thumbnailId = typeof thumbnail === 'object' && thumbnail !== null ? (thumbnail as { id?: unknown }).id : undefined;
  return [...new Set([id, thumbnailId].filter(isSha256))];
}

/**
 * Inserts the message_attachments rows of a run of MessageSent events. Idempotent (insert or nothing on
 * the key), and independent of anything else, so a replay in any split of batches writes the same rows.
 * A row stays when its message is edited (an edit changes content only); a recall deletes the message's
 * rows (message-changes-projection.ts), so the sweeper may delete a recalled file nothing else uses.
 */
export async function applyMessageAttachments(
  tx: Transaction<Database>,
  run: ReadonlyArray<ParleyEvent & { payload: { type: 'MessageSent' } }>,
): Promise<void> {
  const rows: MessageAttachmentRow[] = run.flatMap((e) => attachmentBlobs(e.payload).map((blob) => ({ conversation_id: e.stream, seq: e.seq, blob })));
  await insertNew(tx, 'message_attachments', rows);
}
