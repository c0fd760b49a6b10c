import type { Transaction } from 'kysely';
import { SYSTEM_KIND } from '@parley/protocol';
import type { ParleyEvent } from '@parley/schemas';
import type { Database } from './database.js';
import { insertNew } from './insert-rows.js';
import { indexTokens } from './search-tokens.js';


/** A message's search tokens as message_search.tokens holds them. */
export function searchTokens(content: string): string {
  return indexTokens(content).join(' ');
}

/**
 * Inserts the message_search rows of a run of MessageSent events (every kind but system entries, by their
 * content). Idempotent: insert or nothing on the key, so a row an edit replaced keeps the edited tokens when
 * its MessageSent is applied again; and a message applied again after its recall (whose messages row
 * stayed, blanked, with `recalled`) gets no row back. Call it after the run's messages rows are written;
 * `again: false` says that every one of them was new, so none was recalled and that clean-up is skipped.
 */
export async function applyMessageSearch(tx: Transaction<Database>, run: ReadonlyArray<ParleyEvent & { payload: { type: 'MessageSent' } }>, again = true): Promise<void> {
  const rows = run
    .filter((e) => e.payload.kind !== SYSTEM_KIND)
    .map((e) => ({ conversation_id: e.stream, seq: e.seq, sender_id: e.payload.senderId, kind: e.payload.kind, ts: e.ts, tokens: searchTokens(e.payload.content) }));
  if (rows.length === 0) return;
  await insertNew(tx, 'message_search', rows);
  if (!again) return;
  const seqs = rows.map((r) => r.seq);
  await tx
    .deleteFrom('message_search')
    .where('conversation_id', 'in', [...new Set(rows.map((r) => r.conversation_id))])
    .where('seq', '>=', Math.min(...seqs))
    .where('seq', '<=', Math.max(...seqs))
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('messages as m').select('m.seq').whereRef('m.conversation_id', '=', 'message_search.conversation_id').whereRef('m.seq', '=', 'message_search.seq').where('m.recalled', '=', true),
      ),
    )
    .execute();
}
