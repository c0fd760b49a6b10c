import type { ColumnType, Generated, Kysely } from 'kysely';

/**
 * The projection tables, written only by the projector (apps/query) from the events topic and rebuilt by
 * replaying it. Times are ms since the epoch. int8 columns come back as string (pg) or bigint/number
 * (PGlite): repositories convert them with `Number`.
 */
type Int8 = ColumnType<string | number | bigint, number, number>;

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  created_at: Int8;
}

export interface RevokedTokensTable {
  token_id: string;
  user_id: string;
  expires_at: Int8;
}

export interface ConversationsTable {
  id: string;
  kind: 'direct' | 'group' | 'room';
  name: string;
  created_by: string;
  created_at: Int8;
  last_seq: Int8;
  last_message_at: Int8 | null;
  last_message_preview: string | null;
  last_sender_name: string | null;
}

export interface MembersTable {
  conversation_id: string;
  user_id: string;
  username: string;
  joined_at: Int8;
  read_seq: Int8;
}

export interface MessagesTable {
  conversation_id: string;
  seq: Int8;
  id: string;
  sender_id: string;
  sender_name: string;
  client_msg_id: string;
  kind: string;
  content: string;
  ts: Int8;
}

export interface CommandOutcomesTable {
  command_id: string;
  status: 'ok' | 'rejected';
  code: string | null;
  message: string | null;
  stream: string;
  created_at: Int8;
}

export interface ProjectorOffsetsTable {
  topic: string;
  partition: number;
  next_offset: Int8;
}

/**
 * Events the projector could never apply, set aside so the partition goes on. Written in the transaction
 * that moves the partition's offset past them; `value` is the record as it was in the log, for a re-drive.
 */
export interface QuarantinedEventsTable {
  consumer: string;
  topic: string;
  partition: number;
  offset: Int8;
  key: string;
  value: Uint8Array;
  error: string;
  quarantined_at: Int8;
}

export interface Database {
  users: UsersTable;
  revoked_tokens: RevokedTokensTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
  command_outcomes: CommandOutcomesTable;
  projector_offsets: ProjectorOffsetsTable;
  quarantined_events: QuarantinedEventsTable;
}

export type ParleyDb = Kysely<Database>;
export type { Generated };
