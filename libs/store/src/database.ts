import type { ColumnType, Generated, Kysely } from 'kysely';

/**
 * The projection tables, written only by the projector (apps/query) from the events topic and rebuilt by
 * replaying it (checksum.ts lists them), and a few operational tables that are not (personal_keys,
 * sessions, login_codes, uploads). Times are ms since the epoch. int8 columns come back as string (pg) or bigint/number
 * (PGlite): repositories convert them with `Number`.
 */
type Int8 = ColumnType<string | number | bigint, number, number>;

/** A login: what signs in. `email` is the verified address; `email_key` its lowercase form (not unique). */
export interface LoginsTable {
  id: string;
  username: string;
  password_hash: string | null;
  email: string | null;
  email_key: string | null;
  created_at: Int8;
}

/** A profile: the identity others see. `handle_key` is handleKey(handle), `search_key` see text-keys.ts. */
export interface ProfilesTable {
  id: string;
  login_id: string;
  handle: string;
  handle_key: string;
  display_name: string;
  bio: ColumnType<string, string | undefined, string>;
  avatar: ColumnType<string, string | undefined, string>;
  direct_from: ColumnType<'everyone' | 'friends', 'everyone' | 'friends' | undefined, 'everyone' | 'friends'>;
  /** Whether others see the profile's read marks (and it sees theirs). */
  read_receipts: Defaulted<boolean>;
  /** everyone | contacts | nobody: who sees it online and its last seen. */
  presence: Defaulted<'everyone' | 'contacts' | 'nobody'>;
  search_key: string;
  deleted: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Int8;
}

/**
 * The vault of personal-data keys (PersonalDataVault), one per login. Not a projection: replay never
 * writes it (a replay copies it from the live database first), and erasing a key is what makes the
 * login's sealed data in the log unreadable for good.
 */
export interface PersonalKeysTable {
  login_id: string;
  key: Uint8Array;
  created_at: Int8;
}

/** Pending friend requests only: an answered or cancelled one is deleted. */
export interface FriendRequestsTable {
  id: string;
  from_id: string;
  to_id: string;
  note: string;
  created_at: Int8;
}

/** One row per direction: (a, b) means b is in a's friend list. */
export interface FriendshipsTable {
  profile_id: string;
  friend_id: string;
  since: Int8;
}

export interface BlocksTable {
  profile_id: string;
  blocked_id: string;
  since: Int8;
}

/** A profile's private settings for a conversation; `hidden_at` is when it was hidden (0 when not). */
export interface ConversationSettingsTable {
  profile_id: string;
  conversation_id: string;
  pinned: boolean;
  mute_until: Int8;
  hidden: boolean;
  hidden_at: Int8;
  remark: string;
  updated_at: Int8;
}

/** A profile's private name for another; no row when it has none. */
export interface ContactRemarksTable {
  profile_id: string;
  contact_id: string;
  remark: string;
}

/** Operational (not a projection): signed-in devices, written by the query API at sign-in. */
export interface SessionsTable {
  token_id: string;
  login_id: string;
  profile_id: string;
  client: string;
  ip: string;
  created_at: Int8;
  last_active_at: Int8;
  expires_at: Int8;
}

/** Operational (not a projection): one-time codes sent by email; only their sha256 is kept. */
export interface LoginCodesTable {
  id: string;
  login_id: string;
  purpose: 'verify_email' | 'reset_password';
  email: string;
  code_hash: string;
  expires_at: Int8;
  attempts: ColumnType<number, number | undefined, number>;
  used_at: Int8 | null;
  created_at: Int8;
}

export interface RevokedTokensTable {
  token_id: string;
  user_id: string;
  expires_at: Int8;
}

/** With a default, a column may be left out of an insert. */
type Defaulted<T, U = T> = ColumnType<T, U | undefined, U>;

/**
 * A conversation. The group columns (migration 0004) keep their defaults for direct conversations.
 * `owner_id` is the owner of a group or room ('' for direct), a member or not (a legacy creator may have
 * left); `notice_id` the current notice ('' for none); `dissolved` ends every change but reading.
 */
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
  owner_id: Defaulted<string>;
  avatar: Defaulted<string>;
  description: Defaulted<string>;
  join_policy: Defaulted<string>;
  invite_policy: Defaulted<string>;
  mute_all: Defaulted<boolean>;
  dissolved: Defaulted<boolean>;
  notice_id: Defaulted<string>;
}

/**
 * A current member. `role` is 'owner' | 'admin' | 'member' ('member' in direct conversations);
 * `muted_until` when an admin's mute ends (0: not muted; may lie in the past); `notice_seen` the id of
 * the last notice the member read.
 */
export interface MembersTable {
  conversation_id: string;
  user_id: string;
  username: string;
  joined_at: Int8;
  read_seq: Int8;
  /** Direct conversations: delivered to a connection of the member up to here (at least read_seq). Groups: read_seq. */
  delivered_seq: Defaulted<string | number | bigint, number>;
  role: Defaulted<'owner' | 'admin' | 'member'>;
  muted_until: Defaulted<string | number | bigint, number>;
  notice_seen: Defaulted<string>;
}

/** Who left or was removed; their history ends at `until_seq` (the seq of the entry saying so). Gone again when they rejoin. */
export interface FormerMembersTable {
  conversation_id: string;
  user_id: string;
  username: string;
  until_seq: Int8;
  reason: 'left' | 'removed';
  at: Int8;
}

/** `banned_by` is the id of the admin who banned. */
export interface BansTable {
  conversation_id: string;
  user_id: string;
  username: string;
  banned_by: string;
  at: Int8;
}

/**
 * Pending invitations. A row is written at MembersInvited with `checked` false and shown (checked) only
 * once the invitee's stream allowed it (InvitationChecked); refused, answered, joined or dissolved, it goes.
 */
export interface GroupInvitationsTable {
  conversation_id: string;
  user_id: string;
  username: string;
  invited_by: string;
  inviter_name: string;
  checked: boolean;
  created_at: Int8;
}

/** Pending requests to join; `invited_by` is the member whose invitation became the request ('' for none). */
export interface JoinRequestsTable {
  conversation_id: string;
  user_id: string;
  username: string;
  note: string;
  invited_by: string;
  inviter_name: string;
  created_at: Int8;
}

/**
 * Live (unrevoked) invite links; an expired or used-up one stays until revoked. `last_use_seq` is the seq
 * of the MembersJoined that counted the last use, so a re-applied join does not count twice.
 */
export interface InviteLinksTable {
  code: string;
  conversation_id: string;
  created_by: string;
  creator_name: string;
  created_at: Int8;
  expires_at: Int8;
  max_uses: number;
  uses: number;
  last_use_seq: Int8;
  /** Revoked links are kept, so a join with one is told it was revoked rather than that it never existed. */
  revoked: Generated<boolean>;
}

/** Every notice a group posted; `seq` is the system entry of its latest text, `edited_at` 0 when never edited. */
export interface NoticesTable {
  conversation_id: string;
  id: string;
  text: string;
  posted_by: string;
  poster_name: string;
  posted_at: Int8;
  edited_at: Int8;
  seq: Int8;
}

/**
 * A message or system entry. `body` is the kind's body as JSON text ('' for none), `reply_to` the seq of the
 * message it quotes (0 for none), `mentions` a JSON array of the profile ids (and "all") it mentions, in the
 * event's order ('' for none). Migration 0005 added the three. Migration 0006: `recalled` (content, body and
 * mentions then blanked), `edited_at` (the last edit, 0 for none) and `forwarded`.
 */
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
  body: Defaulted<string>;
  reply_to: Defaulted<string | number | bigint, number>;
  mentions: Defaulted<string>;
  recalled: Defaulted<boolean>;
  edited_at: Defaulted<string | number | bigint, number>;
  forwarded: Defaulted<boolean>;
}

/** A conversation's pinned messages: `pinned_by` the profile id of who pinned it, `pinned_at` when. */
export interface PinsTable {
  conversation_id: string;
  seq: Int8;
  pinned_by: string;
  pinned_at: Int8;
}

/** One row per reaction: who (`user_id`) reacted to a message with which emoji, and when (`at`). */
export interface ReactionsTable {
  conversation_id: string;
  seq: Int8;
  emoji: string;
  user_id: string;
  at: Int8;
}

/**
 * One row per mention of a message (`user_id` a profile id or 'all'): messages.mentions again, keyed for
 * counting a member's unread mentions. `sender_id` is the message's sender (a member's own messages do not count).
 */
export interface MentionsTable {
  conversation_id: string;
  user_id: string;
  seq: Int8;
  sender_id: string;
}

/**
 * Operational (not a projection): uploads in progress and attachments made from them, written by the query
 * API (UploadRepository). A replay neither rebuilds nor empties it. `parts` is JSON [{sha256, size}] (the
 * blob of each chunk, in order; [] once complete), `attachment` the JSON Attachment once `complete`. `size`
 * is the declared size, `received` the bytes of `parts`, `mime_claimed` what the client said (never trusted).
 */
export interface UploadsTable {
  id: string;
  user_id: string;
  kind: string;
  name: string;
  size: Int8;
  mime_claimed: string | null;
  received: Defaulted<string | number | bigint, number>;
  parts: Defaulted<string>;
  state: Defaulted<'open' | 'complete'>;
  attachment: string | null;
  created_at: Int8;
  updated_at: Int8;
}

/**
 * A projection of MessageSent of an attachment kind: one row per blob a message names (the file's `id`
 * and its thumbnail's), so that cleanup knows which blobs messages still use. Rebuilt by replay.
 */
export interface MessageAttachmentsTable {
  conversation_id: string;
  seq: Int8;
  blob: string;
}

/**
 * A projection of MessageSent (not system entries), for search: a message's tokens (search-tokens.ts
 * indexTokens of its content now, space-joined) and `tsv`, generated from them, one lexeme per token.
 * A recall deletes the row, an edit replaces the tokens. Rebuilt by replay.
 */
export interface MessageSearchTable {
  conversation_id: string;
  seq: Int8;
  sender_id: string;
  kind: string;
  ts: Int8;
  tokens: string;
  tsv: Generated<string>;
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
  logins: LoginsTable;
  profiles: ProfilesTable;
  personal_keys: PersonalKeysTable;
  friend_requests: FriendRequestsTable;
  friendships: FriendshipsTable;
  blocks: BlocksTable;
  conversation_settings: ConversationSettingsTable;
  contact_remarks: ContactRemarksTable;
  sessions: SessionsTable;
  login_codes: LoginCodesTable;
  revoked_tokens: RevokedTokensTable;
  conversations: ConversationsTable;
  members: MembersTable;
  former_members: FormerMembersTable;
  bans: BansTable;
  group_invitations: GroupInvitationsTable;
  join_requests: JoinRequestsTable;
  invite_links: InviteLinksTable;
  notices: NoticesTable;
  messages: MessagesTable;
  mentions: MentionsTable;
  pins: PinsTable;
  reactions: ReactionsTable;
  uploads: UploadsTable;
  message_attachments: MessageAttachmentsTable;
  message_search: MessageSearchTable;
  command_outcomes: CommandOutcomesTable;
  projector_offsets: ProjectorOffsetsTable;
  quarantined_events: QuarantinedEventsTable;
}

export type ParleyDb = Kysely<Database>;
export type { Generated };
