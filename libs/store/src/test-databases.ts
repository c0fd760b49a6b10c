import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@parley/test-infra';
import { WorkerPGlite } from './pglite-in-worker.js';
import type { Database } from './database.js';

/** A way to open a new, empty database of one kind the project runs on (tests only). */
export interface TestDatabase {
  readonly name: string;
  open(): Promise<Kysely<Database>>;
}

/**
 * The same store code and migrations on every database the project runs on: PGlite, PGlite in a worker
 * thread (the single node's), and PostgreSQL (started once per test file, a new database per `open`).
 * Call `stop` in the file's `after`.
 */
export function testDatabases(): { databases: TestDatabase[]; stop: () => Promise<void> } {
  let server: Promise<PostgresServer> | undefined;
  return {
    databases: [
      { name: 'PGlite', open: async () => new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) }) },
      { name: 'PGlite in a worker thread', open: async () => new Kysely<Database>({ dialect: new PGliteDialect((await WorkerPGlite.open()) as unknown as PGlite) }) },
      {
        name: 'PostgreSQL',
        open: async () => {
          server ??= startPostgres();
          const url = await (await server).createDatabase(`store_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
          return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }) });
        },
      },
    ],
    stop: async () => {
      await (await server)?.stop();
    },
  };
}
