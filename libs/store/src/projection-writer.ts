import { sql, type Transaction } from 'kysely';
import type { ParleyEvent } from '@parley/schemas';
import { SYSTEM_KIND, cutOnGraphemes, describeSystemEntry, parseSystemEntry } from '@parley/protocol';
import type { Database, ParleyDb } from './database.js';
import { PersonalDataVault } from './personal-data-vault.js';
import { applyAccountEvent } from './account-projection.js';
import { addMembers, applyGroupEvent } from './group-projection.js';
import { applyMessageChange } from './message-changes-projection.js';
import { applyMessageAttachments } from './message-attachments-projection.js';
import { applyMessageSearch } from './message-search-projection.js';
import { ROWS_PER_INSERT, insertNew } from './insert-rows.js';

/** A preview holds at most this many code points, cut on a grapheme boundary (docs/PROTOCOL.md "Text"). */
const PREVIEW_CODE_POINTS = 140;

/**
 * Applies events to the projection tables. Every write is idempotent (keyed by conversation + seq, profile
 * id, token id, command id, ...), and the consumer offset is stored in the same transaction: replaying a
 * batch, or the whole log into an empty database, yields the same tables, given the same personal_keys
 * (a replay copies them from the live database first; see PersonalDataVault).
 */
export class ProjectionWriter {
  /**
   * `vault` opens the sealed credentials in login events; by default a vault over `db` itself.
   * `options.searchIndex: false` leaves `message_search` unwritten: only the search benchmark uses it, to
   * measure what indexing costs the projector (a store written so answers no search).
   */
  constructor(
    private readonly db: ParleyDb,
    private readonly vault: PersonalDataVault = new PersonalDataVault(db),
    private readonly options: { readonly searchIndex?: boolean } = {},
  ) {}

  async nextOffset(topic: string, partition: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('projector_offsets')
      .select('next_offset')
      .where('topic', '=', topic)
      .where('partition', '=', partition)
      .executeTakeFirst();
    return row ? Number(row.next_offset) : undefined;
  }

  /**
   * Applies a batch of one partition and records `nextOffset`, atomically, with the records of the batch
   * the projector quarantined: a quarantine row exists exactly when the offset has moved past its record.
   */
  async applyBatch(topic: string, partition: number, events: readonly ParleyEvent[], nextOffset: number, quarantined: readonly QuarantineRow[] = []): Promise<void> {
    await this.applyBatches(topic, [{ partition, events, nextOffset, quarantined }]);
  }

  /**
   * applyBatch for batches of several partitions of `topic` in one transaction (the projector gathers
   * what its partitions bring in together: a transaction is most of what a small batch costs). All or
   * nothing: on a failure no partition's offset moves.
   */
  async applyBatches(topic: string, parts: ReadonlyArray<{ partition: number; events: readonly ParleyEvent[]; nextOffset: number; quarantined?: readonly QuarantineRow[] }>): Promise<void> {
    if (parts.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      // Runs of messages and read marks (the bulk of the log) are written together; anything else is
      // applied one by one, after the run before it, so the order of effects is the log's within each
      // partition. Partitions are independent streams, so one run gathers the messages of every partition
      // of the transaction. Within a run the marks are written after the messages: a mark only ever
      // raises a member's read or delivered seq to the highest it was given, so their order does not matter.
      let run: Array<ParleyEvent & { payload: { type: 'MessageSent' } }> = [];
      const marks = new Marks();
      const flush = async (): Promise<void> => {
        await applyMessages(tx, run, this.options.searchIndex ?? true, marks);
        run = [];
        await marks.write(tx);
      };
      for (const { partition, events, quarantined = [] } of parts) {
        if (quarantined.length > 0) {
          await tx
            .insertInto('quarantined_events')
            .values(quarantined.map((q) => ({ consumer: q.consumer, topic, partition, offset: q.offset, key: q.key, value: q.value, error: q.error, quarantined_at: q.at })))
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        for (const event of events) {
          const p = event.payload;
          if (p.type === 'MessageSent' && event.origin !== null) {
            run.push(event as ParleyEvent & { payload: { type: 'MessageSent' } });
            continue;
          }
          // Marks from HTTP (no origin connection) go the long way: their command waits for its outcome row.
          if (p.type === 'ReadMarked' && event.origin !== null) {
            marks.raiseRead(event.stream, p.userId, p.readSeq);
            continue;
          }
          if (p.type === 'ReceiptsMarked' && event.origin !== null) {
            marks.raiseReceipts(event.stream, p.marks);
            continue;
          }
          await flush();
          await apply(tx, this.vault, event);
        }
      }
      await flush();
      const offsets = parts.map((p) => sql`(${topic}::text, ${p.partition}::int, ${p.nextOffset}::bigint)`);
      await sql`insert into projector_offsets (topic, partition, next_offset) values ${sql.join(offsets)}
        on conflict (topic, partition) do update set next_offset = excluded.next_offset`.execute(tx);
    });
  }

  /** Quarantined events per partition of `topic` for one consumer group (readiness reports them). */
  async quarantinedCounts(consumer: string, topic: string): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('quarantined_events')
      .select(['partition', (eb) => eb.fn.countAll<string | number | bigint>().as('count')])
      .where('consumer', '=', consumer)
      .where('topic', '=', topic)
      .groupBy('partition')
      .execute();
    return new Map(rows.map((r) => [r.partition, Number(r.count)]));
  }
}

/** One record the projector gave up on (see ProjectionWriter.applyBatch). */
export interface QuarantineRow {
  /** The consumer group, so that a replay into another database keeps its own. */
  readonly consumer: string;
  readonly offset: number;
  readonly key: string;
  /** The record's bytes as they were in the log. */
  readonly value: Uint8Array;
  readonly error: string;
  /** ms since the epoch */
  readonly at: number;
}

async function apply(tx: Transaction<Database>, vault: PersonalDataVault, event: ParleyEvent): Promise<void> {
  const p = event.payload;
  switch (p.type) {
    case 'UserRegistered':
    case 'LoginRegistered':
    case 'PasswordChanged':
    case 'EmailVerified':
    case 'LoginDeleted':
    case 'ProfileCreated':
    case 'ProfileUpdated':
    case 'ProfileDeleted':
    case 'PrivacyChanged':
    case 'FriendRequested':
    case 'FriendRequestAccepted':
    case 'FriendRequestRefused':
    case 'FriendRequestCancelled':
    case 'FriendAdded':
    case 'FriendRemoved':
    case 'ProfileBlocked':
    case 'ProfileUnblocked':
    case 'ConversationSettingsChanged':
    case 'ContactRemarkSet':
      await applyAccountEvent(tx, vault, event, p);
      break;
    case 'TokenRevoked':
      await tx
        .insertInto('revoked_tokens')
        .values({ token_id: p.tokenId, user_id: p.userId, expires_at: p.expiresAt })
        .onConflict((oc) => oc.doNothing())
        .execute();
      break;
    case 'ConversationCreated':
      await tx
        .insertInto('conversations')
        .values({
          id: event.stream,
          kind: p.kind,
          name: p.name,
          created_by: p.createdBy,
          created_at: event.ts,
          last_seq: 0,
          // Groups and rooms: the creator (a room's first joiner) owns it. Events from before policies: open.
          owner_id: p.kind === 'direct' ? '' : p.createdBy,
          join_policy: p.kind === 'group' ? (p.joinPolicy ?? 'open') : 'open',
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await addMembers(tx, event, p.members);
      break;
    case 'MembersJoined':
    case 'MemberLeft':
    case 'MemberRemoved':
    case 'MemberUnbanned':
    case 'MemberRoleChanged':
    case 'OwnershipTransferred':
    case 'ConversationDissolved':
    case 'MemberMuted':
    case 'GroupUpdated':
    case 'NoticePosted':
    case 'NoticeAcknowledged':
    case 'MembersInvited':
    case 'InvitationChecked':
    case 'InvitationAnswered':
    case 'JoinRequested':
    case 'JoinRequestAnswered':
    case 'InviteLinkCreated':
    case 'InviteLinkRevoked':
      await applyGroupEvent(tx, event, p);
      break;
    case 'MessageSent':
      // Only a message without an origin connection comes this way (its outcome row is written below).
      await applyMessages(tx, [event as ParleyEvent & { payload: { type: 'MessageSent' } }]);
      break;
    case 'MessageRecalled':
    case 'MessageEdited':
    case 'MessagePinned':
    case 'ReactionChanged':
      await applyMessageChange(tx, event, p);
      break;
    case 'ReadMarked':
      await raiseMarks(tx, 'read', [{ conversation: event.stream, userId: p.userId, seq: p.readSeq }]);
      break;
    case 'ReceiptsMarked': {
      const marks = new Marks();
      marks.raiseReceipts(event.stream, p.marks);
      await marks.write(tx);
      break;
    }
    case 'CommandRejected':
    case 'CommandDuplicate':
    // Decisions for other streams (the friends workflow turns them into commands); nothing to show.
    case 'DirectApproved':
    case 'DirectBlockChanged':
    // The invitee's stream's check; the group's InvitationChecked is what shows the invitation.
    case 'GroupInvitationChecked':
      break;
    default: {
      const unreachable: never = p;
      throw new Error(`unhandled event ${(unreachable as { type: string }).type}`);
    }
  }
  // Commands from HTTP (no origin connection) wait for their outcome in this table.
  if (event.origin === null) {
    await tx
      .insertInto('command_outcomes')
      .values({
        command_id: event.commandId,
        status: p.type === 'CommandRejected' ? 'rejected' : 'ok',
        code: p.type === 'CommandRejected' ? p.code : null,
        message: p.type === 'CommandRejected' ? p.message : null,
        stream: event.stream,
        created_at: event.ts,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}


/**
 * A run of MessageSent events in one go: the messages, the blobs they name, their search tokens and their mentions in multi-row inserts, then one
 * conditional update per conversation (its newest message) and per sender (read up to their newest own
 * message). Equivalent to applying them one by one, since every write is idempotent or only moves forward.
 */
/**
 * Writes a run of messages. The senders' read marks go into `marks` when given (the caller writes them
 * with the run's other marks), else they are written here.
 */
async function applyMessages(tx: Transaction<Database>, run: ReadonlyArray<ParleyEvent & { payload: { type: 'MessageSent' } }>, searchIndex = true, marks?: Marks): Promise<void> {
  if (run.length === 0) return;
  const inserted = await insertNew(
    tx,
    'messages',
    run.map((e) => ({
      conversation_id: e.stream,
      seq: e.seq,
      id: e.payload.id,
      sender_id: e.payload.senderId,
      sender_name: e.payload.senderName,
      client_msg_id: e.payload.clientMsgId,
      kind: e.payload.kind,
      content: e.payload.content,
      ts: e.ts,
      // Events from before Avro v3 have none of the three (decoded as their defaults).
      body: e.payload.body ?? '',
      reply_to: e.payload.replyTo ?? 0,
      mentions: e.payload.mentions?.length ? JSON.stringify(e.payload.mentions) : '',
      forwarded: e.payload.forwarded ?? false,
    })),
  );
  // Every messages row new: nothing in the run is applied again, so none of it can have been recalled
  // before, and the clean-ups below (for a replay past a recall) have nothing to find.
  const again = inserted < run.length;
  await applyMessageAttachments(tx, run);
  if (searchIndex) await applyMessageSearch(tx, run, again);
  const mentions = run.flatMap((e) =>
    [...new Set(e.payload.mentions ?? [])].map((userId) => ({ conversation_id: e.stream, user_id: userId, seq: e.seq, sender_id: e.payload.senderId })),
  );
  await insertNew(tx, 'mentions', mentions);
  if (mentions.length > 0 && again) {
    // A message applied again after its recall (whose row stayed, blanked) gets no mention rows back.
    const seqs = run.filter((e) => e.payload.mentions?.length).map((e) => e.seq);
    await tx
      .deleteFrom('mentions')
      .where('conversation_id', 'in', [...new Set(run.map((e) => e.stream))])
      .where('seq', '>=', Math.min(...seqs))
      .where('seq', '<=', Math.max(...seqs))
      .where(({ exists, selectFrom }) =>
        exists(selectFrom('messages as m').select('m.seq').whereRef('m.conversation_id', '=', 'mentions.conversation_id').whereRef('m.seq', '=', 'mentions.seq').where('m.recalled', '=', true)),
      )
      .execute();
  }
  const newest = new Map<string, ParleyEvent & { payload: { type: 'MessageSent' } }>();
  const senders = marks ?? new Marks();
  for (const e of run) {
    if ((newest.get(e.stream)?.seq ?? -1) < e.seq) newest.set(e.stream, e);
    senders.raiseRead(e.stream, e.payload.senderId, e.seq);
  }
  // One statement for every conversation of the run, and one for every sender's read mark: a statement is
  // most of what a row costs on PGlite (docs/BENCHMARKS.md 11).
  const heads = [...newest.values()].map(
    (e) => sql`(${e.stream}::text, ${e.seq}::bigint, ${e.ts}::bigint, ${preview(e.payload)}::text, ${e.payload.kind === SYSTEM_KIND ? '' : e.payload.senderName}::text)`,
  );
  for (let i = 0; i < heads.length; i += ROWS_PER_INSERT) {
    await sql`update conversations as c set last_seq = v.seq, last_message_at = v.ts, last_message_preview = v.preview, last_sender_name = v.sender
      from (values ${sql.join(heads.slice(i, i + ROWS_PER_INSERT))}) as v(id, seq, ts, preview, sender)
      where c.id = v.id and c.last_seq < v.seq`.execute(tx);
  }
  if (!marks) await senders.write(tx);
}

/** A message's preview: the start of its content, or for a system entry the change in words. */
function preview(p: { kind: string; content: string }): string {
  if (p.kind !== SYSTEM_KIND) return cutOnGraphemes(p.content, PREVIEW_CODE_POINTS);
  const entry = parseSystemEntry(p.content);
  return cutOnGraphemes(entry ? describeSystemEntry(entry) : 'an update', PREVIEW_CODE_POINTS);
}

/** A member's read or delivered mark in a conversation. */
interface Mark {
  conversation: string;
  userId: string;
  seq: number;
}

/**
 * Members' read or delivered marks, many in one statement. A mark only moves forward (events may be
 * re-applied after a crash); a read mark raises the delivered one with it.
 */
async function raiseMarks(tx: Transaction<Database>, which: 'read' | 'delivered', marks: readonly Mark[]): Promise<void> {
  const set = which === 'read' ? sql`read_seq = v.seq, delivered_seq = greatest(m.delivered_seq, v.seq)` : sql`delivered_seq = v.seq`;
  const values = marks.map((m) => sql`(${m.conversation}::text, ${m.userId}::text, ${m.seq}::bigint)`);
  for (let i = 0; i < values.length; i += ROWS_PER_INSERT) {
    await sql`update members as m set ${set}
      from (values ${sql.join(values.slice(i, i + ROWS_PER_INSERT))}) as v(conversation_id, user_id, seq)
      where m.conversation_id = v.conversation_id and m.user_id = v.user_id and ${sql.ref(`m.${which}_seq`)} < v.seq`.execute(tx);
  }
}

/**
 * Read and delivered marks gathered over a run of events, the highest per member and conversation (an
 * UPDATE … FROM (VALUES …) changes a row at most once, so a member may appear only once in it): written
 * in one statement each, since a statement is most of what a row costs on PGlite (docs/BENCHMARKS.md 11).
 */
class Marks {
  private readonly read = new Map<string, Mark>();
  private readonly delivered = new Map<string, Mark>();

  raiseRead(conversation: string, userId: string, seq: number): void {
    Marks.raise(this.read, conversation, userId, seq);
  }

  /** A ReceiptsMarked event's marks. */
  raiseReceipts(conversation: string, marks: ReadonlyArray<{ userId: string; readSeq: number; deliveredSeq: number }>): void {
    for (const m of marks) {
      Marks.raise(this.read, conversation, m.userId, m.readSeq);
      Marks.raise(this.delivered, conversation, m.userId, m.deliveredSeq);
    }
  }

  async write(tx: Transaction<Database>): Promise<void> {
    await raiseMarks(tx, 'read', [...this.read.values()]);
    await raiseMarks(tx, 'delivered', [...this.delivered.values()]);
    this.read.clear();
    this.delivered.clear();
  }

  private static raise(marks: Map<string, Mark>, conversation: string, userId: string, seq: number): void {
    if (seq <= 0) return;
    const key = `${conversation}\u0000${userId}`;
    if ((marks.get(key)?.seq ?? 0) < seq) marks.set(key, { conversation, userId, seq });
  }
}

