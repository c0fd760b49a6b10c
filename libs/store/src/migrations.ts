import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { ParleyError } from '@parley/core';

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
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

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
