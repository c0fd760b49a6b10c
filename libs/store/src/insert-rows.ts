import type { Insertable, Transaction } from 'kysely';
import type { Database } from './database.js';

/** Most rows per multi-row insert: at 13 parameters a row (messages, the widest), under Postgres' 65535. */
export const ROWS_PER_INSERT = 1000;

/**
 * Inserts `rows` into `table` in multi-row statements of at most ROWS_PER_INSERT, each row that is there
 * already (by its key) left as it is: what a projection does so that applying an event again changes nothing.
 * Returns how many rows were new.
 */
export async function insertNew<T extends keyof Database & string>(tx: Transaction<Database>, table: T, rows: ReadonlyArray<Insertable<Database[T]>>): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const [result] = await tx
      .insertInto(table)
      .values(rows.slice(i, i + ROWS_PER_INSERT) as never)
      .onConflict((oc) => oc.doNothing())
      .execute();
    inserted += Number(result?.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}
