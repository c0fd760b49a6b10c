import type { Transaction } from 'kysely';
import type { EventPayload, ParleyEvent } from '@parley/schemas';
import { SYSTEM_KIND } from '@parley/protocol';
import type { Database } from './database.js';
import { searchTokens } from './message-search-projection.js';

type Payload<T extends EventPayload['type']> = Extract<EventPayload, { type: T }>;

/** The facts that change an earlier message of a conversation (each follows its system entry). */
export type MessageChangePayload = Payload<'MessageRecalled' | 'MessageEdited' | 'MessagePinned' | 'ReactionChanged'>;

/** What a recalled last message shows in the conversation list. */
export const RECALLED_PREVIEW = 'message recalled';

/**
 * Applies one change to message `p.target` of `event.stream`. Idempotent: updates set a state, inserts do
 * nothing on conflict, deletes delete. A system entry is never changed (the decider refuses the recent ones
 * and does not know the older ones for what they are), and a recalled message takes no edit, pin or
 * reaction; both are checked on the row here, so the tables hold what the timeline shows. Reads only rows
 * of the same stream, so a replay in any order of partitions writes the same values.
 */
export async function applyMessageChange(tx: Transaction<Database>, event: ParleyEvent, p: MessageChangePayload): Promise<void> {
  const conversation = event.stream;
  const seq = p.target;
  /** Whether the target is a message (not a system entry) that was not recalled. */
  const changeable = async (): Promise<boolean> =>
    (await tx
      .selectFrom('messages')
      .select('seq')
      .where('conversation_id', '=', conversation)
      .where('seq', '=', seq)
      .where('kind', '<>', SYSTEM_KIND)
      .where('recalled', '=', false)
      .executeTakeFirst()) !== undefined;
  switch (p.type) {
    case 'MessageRecalled': {
      const recalled = await tx
        .updateTable('messages')
        .set({ recalled: true, content: '', body: '', mentions: '' })
        .where('conversation_id', '=', conversation)
        .where('seq', '=', seq)
        .where('kind', '<>', SYSTEM_KIND)
        .returning('seq')
        .execute();
      if (recalled.length === 0) return;
      await tx.deleteFrom('mentions').where('conversation_id', '=', conversation).where('seq', '=', seq).execute();
      await tx.deleteFrom('pins').where('conversation_id', '=', conversation).where('seq', '=', seq).execute();
      // Its file is no longer this message's: once no other message or upload needs the blob, the sweeper deletes it.
      await tx.deleteFrom('message_attachments').where('conversation_id', '=', conversation).where('seq', '=', seq).execute();
      // A recalled message is never found again.
      await tx.deleteFrom('message_search').where('conversation_id', '=', conversation).where('seq', '=', seq).execute();
      // Its system entry follows it in the timeline, so this is for a last message recalled all the same.
      await tx.updateTable('conversations').set({ last_message_preview: RECALLED_PREVIEW }).where('id', '=', conversation).where('last_seq', '=', seq).execute();
      return;
    }
    case 'MessageEdited': {
      const edited = await tx
        .updateTable('messages')
        .set({ content: p.content, body: p.body ?? '', edited_at: event.ts })
        .where('conversation_id', '=', conversation)
        .where('seq', '=', seq)
        .where('kind', '<>', SYSTEM_KIND)
        .where('recalled', '=', false)
        .returning('seq')
        .execute();
      // Found by its new text only.
      if (edited.length > 0) {
        await tx.updateTable('message_search').set({ tokens: searchTokens(p.content) }).where('conversation_id', '=', conversation).where('seq', '=', seq).execute();
      }
      return;
    }
    case 'MessagePinned':
      if (!p.pinned) {
        await tx.deleteFrom('pins').where('conversation_id', '=', conversation).where('seq', '=', seq).execute();
        return;
      }
      if (!(await changeable())) return;
      await tx
        .insertInto('pins')
        .values({ conversation_id: conversation, seq, pinned_by: event.actor?.userId ?? '', pinned_at: event.ts })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    case 'ReactionChanged':
      if (!p.added) {
        await tx.deleteFrom('reactions').where('conversation_id', '=', conversation).where('seq', '=', seq).where('emoji', '=', p.emoji).where('user_id', '=', p.userId).execute();
        return;
      }
      if (!(await changeable())) return;
      await tx
        .insertInto('reactions')
        .values({ conversation_id: conversation, seq, emoji: p.emoji, user_id: p.userId, at: event.ts })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return;
    default: {
      const unreachable: never = p;
      throw new Error(`unhandled message change ${(unreachable as { type: string }).type}`);
    }
  }
}
