import { types, type PGlite } from '@electric-sql/pglite';

/**
 * Trims a ready PGlite's result parsers to the types it parses by default and their array types.
 *
 * PGlite 0.3 adds an array parser for every type with an array type (about 300 of them) when it opens, and
 * every `query` copies the whole parser map (`{...parsers, ...options.parsers}` in its parseResults): about
 * 0.1 ms of a 0.35 ms statement, measured alone (docs/BENCHMARKS.md 11). The default types (bool, bytea,
 * int2/4/8, oid, float4/8, text, varchar, bpchar, json, jsonb, date, timestamp, timestamptz) and their
 * arrays parse as before (Parley reads `text[]` from `array_agg`). An array of any other type now comes
 * back as its text, as that type itself always did (`numeric[]` as '{1.5}', not ['1.5']): Parley's
 * queries select no such array. Serializers (parameters) are looked up, not copied, and stay whole.
 */
export async function trimParsers(db: PGlite): Promise<void> {
  // The map is keyed by type oid, and by seven type names (string, number, ...), which are kept as they are.
  const isOid = (key: string): boolean => /^\d+$/.test(key);
  const defaults = Object.keys(types.parsers).filter(isOid).map(Number);
  const { rows } = await db.query<{ oid: number; typarray: number }>('SELECT oid::int AS oid, typarray::int AS typarray FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[]) AND typarray <> 0', [defaults]);
  const keep = new Set<number>([...defaults, ...rows.map((r) => r.typarray)]);
  db.parsers = Object.fromEntries(Object.entries(db.parsers).filter(([key]) => !isOid(key) || keep.has(Number(key))));
}
