import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { ParleyError } from '@parley/core';
import { SYSTEM_KIND } from '@parley/protocol';
import { indexTokens } from './search-tokens.js';

/** One set of migrations for PGlite and PostgreSQL alike. Append only: never edit a released migration. */
const migrations: Record<string, Migration> = {
  '0001_projections': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('revoked_tokens')
        .addColumn('token_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('conversations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addColumn('last_seq', 'int8', (c) => c.notNull().defaultTo(0))
        .addColumn('last_message_at', 'int8')
        .addColumn('last_message_preview', 'text')
        .addColumn('last_sender_name', 'text')
        .execute();
      await db.schema
        .createTable('members')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'int8', (c) => c.notNull())
        .addColumn('read_seq', 'int8', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('members_pk', ['conversation_id', 'user_id'])
        .execute();
      await db.schema.createIndex('members_by_user').on('members').columns(['user_id']).execute();
      await db.schema
        .createTable('messages')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('sender_id', 'text', (c) => c.notNull())
        .addColumn('sender_name', 'text', (c) => c.notNull())
        .addColumn('client_msg_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('ts', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('messages_pk', ['conversation_id', 'seq'])
        .execute();
      await db.schema
        .createTable('command_outcomes')
        .addColumn('command_id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('message', 'text')
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('projector_offsets')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        .addColumn('next_offset', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('projector_offsets_pk', ['topic', 'partition'])
        .execute();
      await sql`select 1`.execute(db);
    },
  },
  '0002_quarantined_events': {
    // The projector's dead letters: events it can never apply (docs/ARCHITECTURE.md "When a record cannot be applied").
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('quarantined_events')
        .addColumn('consumer', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        .addColumn('offset', 'int8', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'bytea', (c) => c.notNull())
        .addColumn('error', 'text', (c) => c.notNull())
        .addColumn('quarantined_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('quarantined_events_pk', ['consumer', 'topic', 'partition', 'offset'])
        .execute();
    },
  },
  '0003_profiles_and_friends': {
    // Accounts split into logins and profiles, friends, blocks, private settings (issue 10). The data
    // migration moves every `users` row into a login and its one profile with the same id, as replaying its
    // UserRegistered event now does.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('logins')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text')
        .addColumn('email', 'text')
        .addColumn('email_key', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('logins_by_email_key').on('logins').columns(['email_key']).execute();
      await db.schema
        .createTable('profiles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('login_id', 'text', (c) => c.notNull())
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('handle_key', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('bio', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('avatar', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('direct_from', 'text', (c) => c.notNull().defaultTo('everyone'))
        .addColumn('search_key', 'text', (c) => c.notNull())
        .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('profiles_by_login').on('profiles').columns(['login_id', 'created_at']).execute();
      // Not unique: accounts from before handles could differ only in case. Also the order (and cursor) of
      // people search, which scans it filtering on search_key (a substring match no btree can serve).
      await db.schema.createIndex('profiles_by_handle_key').on('profiles').columns(['handle_key', 'id']).execute();
      await sql`insert into logins (id, username, password_hash, email, email_key, created_at)
        select id, username, password_hash, null, null, created_at from users`.execute(db);
      // Usernames were lowercase ASCII: their handle key and search key are themselves.
      await sql`insert into profiles (id, login_id, handle, handle_key, display_name, bio, avatar, direct_from, search_key, deleted, created_at)
        select id, id, username, username, username, '', '', 'everyone', lower(username), false, created_at from users`.execute(db);
      await db.schema.dropTable('users').execute();

      await db.schema
        .createTable('personal_keys')
        .addColumn('login_id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('friend_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('from_id', 'text', (c) => c.notNull())
        .addColumn('to_id', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('friend_requests_by_from').on('friend_requests').columns(['from_id', 'to_id']).execute();
      await db.schema.createIndex('friend_requests_by_to').on('friend_requests').columns(['to_id', 'from_id']).execute();
      await db.schema
        .createTable('friendships')
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('friend_id', 'text', (c) => c.notNull())
        .addColumn('since', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('friendships_pk', ['profile_id', 'friend_id'])
        .execute();
      await db.schema.createIndex('friendships_by_friend').on('friendships').columns(['friend_id']).execute();
      await db.schema
        .createTable('blocks')
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('blocked_id', 'text', (c) => c.notNull())
        .addColumn('since', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('blocks_pk', ['profile_id', 'blocked_id'])
        .execute();
      await db.schema
        .createTable('conversation_settings')
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('pinned', 'boolean', (c) => c.notNull())
        .addColumn('mute_until', 'int8', (c) => c.notNull())
        .addColumn('hidden', 'boolean', (c) => c.notNull())
        .addColumn('hidden_at', 'int8', (c) => c.notNull())
        .addColumn('remark', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_settings_pk', ['profile_id', 'conversation_id'])
        .execute();
      await db.schema
        .createTable('contact_remarks')
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('contact_id', 'text', (c) => c.notNull())
        .addColumn('remark', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_remarks_pk', ['profile_id', 'contact_id'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_id', 'text', (c) => c.primaryKey())
        .addColumn('login_id', 'text', (c) => c.notNull())
        .addColumn('profile_id', 'text', (c) => c.notNull())
        .addColumn('client', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addColumn('last_active_at', 'int8', (c) => c.notNull())
        .addColumn('expires_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_by_profile').on('sessions').columns(['profile_id']).execute();
      await db.schema.createIndex('sessions_by_login').on('sessions').columns(['login_id']).execute();
      await db.schema
        .createTable('login_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('login_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'int8', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_at', 'int8')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_codes_by_login').on('login_codes').columns(['login_id', 'purpose', 'created_at']).execute();
    },
  },
  '0004_groups': {
    // Groups and rooms people run (issue 11): roles, moderation, group profile, notices, invitations, join
    // requests, invite links, and the members who left (their history ends at until_seq). The data
    // migration makes what replaying the old events now makes: the creator of a group or room is its owner
    // (and an owner-member when still a member); every group is open, as the decider folds old events.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('conversations')
        .addColumn('owner_id', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('avatar', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('join_policy', 'text', (c) => c.notNull().defaultTo('open'))
        .addColumn('invite_policy', 'text', (c) => c.notNull().defaultTo('friends'))
        .addColumn('mute_all', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('dissolved', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('notice_id', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('members')
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('member'))
        .addColumn('muted_until', 'int8', (c) => c.notNull().defaultTo(0))
        .addColumn('notice_seen', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await sql`update conversations set owner_id = created_by where kind in ('group', 'room')`.execute(db);
      await sql`update members m set role = 'owner' from conversations c
        where c.id = m.conversation_id and c.owner_id <> '' and m.user_id = c.owner_id`.execute(db);

      await db.schema
        .createTable('former_members')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('until_seq', 'int8', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('former_members_pk', ['conversation_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('bans')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('banned_by', 'text', (c) => c.notNull())
        .addColumn('at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('bans_pk', ['conversation_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('group_invitations')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('inviter_name', 'text', (c) => c.notNull())
        .addColumn('checked', 'boolean', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_invitations_pk', ['conversation_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_invitations_by_user').on('group_invitations').columns(['user_id', 'created_at']).execute();
      await db.schema
        .createTable('join_requests')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('inviter_name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('join_requests_pk', ['conversation_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('invite_links')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('creator_name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addColumn('expires_at', 'int8', (c) => c.notNull())
        .addColumn('max_uses', 'integer', (c) => c.notNull())
        .addColumn('uses', 'integer', (c) => c.notNull())
        .addColumn('last_use_seq', 'int8', (c) => c.notNull())
        .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await db.schema.createIndex('invite_links_by_conversation').on('invite_links').columns(['conversation_id', 'created_at']).execute();
      await db.schema
        .createTable('notices')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('posted_by', 'text', (c) => c.notNull())
        .addColumn('poster_name', 'text', (c) => c.notNull())
        .addColumn('posted_at', 'int8', (c) => c.notNull())
        .addColumn('edited_at', 'int8', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('notices_pk', ['conversation_id', 'id'])
        .execute();
      await db.schema.createIndex('notices_by_time').on('notices').columns(['conversation_id', 'posted_at']).execute();
      // The groups a user runs (joinRequestsFor) and a group's admins.
      await db.schema.createIndex('members_by_role').on('members').columns(['conversation_id', 'role']).execute();
    },
  },
  '0005_message_bodies_replies_mentions': {
    // Rich messages (issue 12): a message's kind body (JSON text, '' for none), the seq it replies to (0 for
    // none) and whom it mentions (a JSON array of profile ids and "all", in the event's order, '' for none).
    // `mentions` holds the same mentions once more, one row each, keyed for counting a member's unread
    // mentions (ConversationRepository): (conversation, user) and a seq range is one range scan of the key,
    // and `sender_id` is there so that the count leaves out the member's own messages without a join.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('messages')
        .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('reply_to', 'int8', (c) => c.notNull().defaultTo(0))
        .addColumn('mentions', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createTable('mentions')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('sender_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('mentions_pk', ['conversation_id', 'user_id', 'seq'])
        .execute();
    },
  },
  '0006_message_changes': {
    // Changes to earlier messages (issue 12, part 2). A recalled message keeps its row (its seq, sender and
    // time) with `recalled` true and its content, body and mentions blanked; `edited_at` is when it was last
    // edited (0: never); `forwarded` marks a message forwarded from another conversation. `pins` holds a
    // conversation's pinned messages, `reactions` one row per (message, emoji, person), `at` when they
    // reacted, so a message's reactions are ordered by their first.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('messages')
        .addColumn('recalled', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('edited_at', 'int8', (c) => c.notNull().defaultTo(0))
        .addColumn('forwarded', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await db.schema
        .createTable('pins')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('pinned_by', 'text', (c) => c.notNull())
        .addColumn('pinned_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('pins_pk', ['conversation_id', 'seq'])
        .execute();
      await db.schema
        .createTable('reactions')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('emoji', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('reactions_pk', ['conversation_id', 'seq', 'emoji', 'user_id'])
        .execute();
    },
  },
  '0007_attachments': {
    // Attachments (issue 12, last part). `uploads` is operational state written by the query API, not a
    // projection: no event makes it and a replay leaves it alone. An upload is `open` while its chunks
    // arrive (`parts`: the blob of each chunk, in order, as JSON; `received`: their total size) and
    // `complete` once it became an attachment (`attachment`: the Attachment as JSON; `parts` then []).
    // `message_attachments` is a projection of MessageSent: one row per blob (the file and its thumbnail)
    // that a message of an attachment kind names, so the sweeper can tell which blobs are still in use.
    // The expression indexes answer "does anything still name this blob" (UploadRepository.blobInUse)
    // without reading every upload.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('size', 'int8', (c) => c.notNull())
        .addColumn('mime_claimed', 'text')
        .addColumn('received', 'int8', (c) => c.notNull().defaultTo(0))
        .addColumn('parts', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('open'))
        .addColumn('attachment', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addColumn('updated_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('uploads_by_user').on('uploads').columns(['user_id']).execute();
      await db.schema.createIndex('uploads_by_state_updated').on('uploads').columns(['state', 'updated_at']).execute();
      await db.schema.createIndex('uploads_by_state_created').on('uploads').columns(['state', 'created_at']).execute();
      await db.schema.createIndex('uploads_by_attachment').on('uploads').expression(sql`(attachment::jsonb ->> 'id')`).execute();
      await db.schema.createIndex('uploads_by_thumbnail').on('uploads').expression(sql`(attachment::jsonb -> 'thumbnail' ->> 'id')`).execute();
      await db.schema.createIndex('uploads_by_part').on('uploads').using('gin').expression(sql`(parts::jsonb) jsonb_path_ops`).execute();
      await db.schema
        .createTable('message_attachments')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('blob', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('message_attachments_pk', ['conversation_id', 'seq', 'blob'])
        .execute();
      await db.schema.createIndex('message_attachments_by_blob').on('message_attachments').columns(['blob']).execute();
    },
  },
  '0008_message_search': {
    // Message search (issue 13; docs/adr/0011-search-tokens.md). `message_search` is a projection of
    // MessageSent (not system entries): `tokens` are the message's search tokens, space-joined, as
    // search-tokens.ts makes them from its content now (an edit replaces them, a recall deletes the row);
    // `tsv` is generated from them with array_to_tsvector, one lexeme per token exactly (no parser, no
    // dictionary, so PGlite and PostgreSQL agree whatever their locale), under a GIN index. The primary key
    // is the (conversation_id, seq) index. Messages projected before this migration are indexed here, from
    // their current content, as a replay would index them.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('message_search')
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('sender_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ts', 'int8', (c) => c.notNull())
        .addColumn('tokens', 'text', (c) => c.notNull())
        .addColumn('tsv', sql`tsvector`, (c) => c.notNull().generatedAlwaysAs(sql`array_to_tsvector(string_to_array(tokens, ' '))`).stored())
        .addPrimaryKeyConstraint('message_search_pk', ['conversation_id', 'seq'])
        .execute();
      await db.schema.createIndex('message_search_tsv').on('message_search').using('gin').column('tsv').execute();
      await indexExistingMessages(db);
    },
  },
  '0009_receipts_privacy': {
    // Read receipts and presence (issue 13): a member's delivered mark beside its read mark (direct
    // conversations move it on delivery; a read raises it), and a profile's two privacy settings. Every
    // existing mark was a read, so delivered starts at it.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('members').addColumn('delivered_seq', 'int8', (c) => c.notNull().defaultTo(0)).execute();
      await sql`update members set delivered_seq = read_seq`.execute(db);
      await db.schema.alterTable('profiles').addColumn('read_receipts', 'boolean', (c) => c.notNull().defaultTo(true)).execute();
      await db.schema.alterTable('profiles').addColumn('presence', 'text', (c) => c.notNull().defaultTo('everyone')).execute();
    },
  },
};

/** Messages indexed per statement when 0008 indexes the messages already projected. */
const BACKFILL_BATCH = 1000;

/** 0008: the search rows of the messages projected before it (not system entries, not recalled), in key order. */
async function indexExistingMessages(db: Kysely<unknown>): Promise<void> {
  let after: { conversation: string; seq: number } | undefined;
  for (;;) {
    const { rows } = await sql<{ conversation_id: string; seq: string | number; sender_id: string; kind: string; ts: string | number; content: string }>`
      select conversation_id, seq, sender_id, kind, ts, content from messages
      where kind <> ${SYSTEM_KIND} and not recalled
        ${after ? sql`and (conversation_id, seq) > (${after.conversation}, ${after.seq})` : sql``}
      order by conversation_id, seq limit ${BACKFILL_BATCH}`.execute(db);
    if (rows.length === 0) return;
    const values = rows.map((r) => sql`(${r.conversation_id}, ${Number(r.seq)}, ${r.sender_id}, ${r.kind}, ${Number(r.ts)}, ${indexTokens(r.content).join(' ')})`);
    await sql`insert into message_search (conversation_id, seq, sender_id, kind, ts, tokens) values ${sql.join(values)} on conflict do nothing`.execute(db);
    const last = rows[rows.length - 1]!;
    after = { conversation: last.conversation_id, seq: Number(last.seq) };
  }
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** The names of the migrations after `name`, in order: what migrateToLatest applies to a schema at `name`. */
export function migrationsAfter(name: string): string[] {
  return Object.keys(migrations).sort().filter((m) => m > name);
}

/** Brings the schema to the state after migration `name` (tests of a data migration start there). */
export async function migrateTo(db: Kysely<unknown>, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) throw new ParleyError('unavailable', `Database migration to ${name} failed`, { cause: error });
}

/** Brings the schema up to date; fails with the name of the migration that broke. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new ParleyError('unavailable', `Database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
