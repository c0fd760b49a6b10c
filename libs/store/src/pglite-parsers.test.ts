import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { trimParsers } from './pglite-parsers.js';

const QUERY = `SELECT true AS b, 7::int2 AS i2, 8::int4 AS i4, 9::int8 AS i8, 1.5::float8 AS f8, 2.5::float4 AS f4, 'x'::text AS t,
  'y'::varchar AS v, '{"a":1}'::json AS j, '{"b":[2]}'::jsonb AS jb, '\\x0102'::bytea AS by, '2026-12-01'::date AS d,
  '2026-12-01 10:00:00+00'::timestamptz AS tz, '2026-12-01 10:00:00'::timestamp AS ts, 12.5::numeric AS n,
  '7f1f5d9e-3b2a-4c1d-9e8f-0a1b2c3d4e5f'::uuid AS u, ARRAY['a','b,c']::text[] AS ta, ARRAY[1,2]::int4[] AS ia, ARRAY[3,4]::int8[] AS la,
  ARRAY[true,false] AS ba, ARRAY['{"k":1}'::jsonb] AS ja, ARRAY['2026-12-01 10:00:00+00'::timestamptz] AS tza, ARRAY[1.5::numeric] AS na,
  ARRAY['7f1f5d9e-3b2a-4c1d-9e8f-0a1b2c3d4e5f'::uuid] AS ua, array_agg(x) AS agg FROM (VALUES ('p'), ('q')) AS v(x)`;

test('trimmed parsers parse the default types and their arrays as before, with far fewer parsers to copy per query', async () => {
  const db = new PGlite();
  try {
    const before = await db.query(QUERY);
    const count = Object.keys(db.parsers).length;
    await trimParsers(db);
    const after = await db.query(QUERY);
    const row = after.rows[0] as Record<string, unknown>;
    const { na, ua, ...same } = row;
    const { na: naBefore, ua: uaBefore, ...sameBefore } = before.rows[0] as Record<string, unknown>;
    assert.deepEqual(same, sameBefore);
    // An array of a type PGlite does not parse (numeric, uuid: text on their own) is now text as well.
    assert.deepEqual([naBefore, uaBefore], [['1.5'], ['7f1f5d9e-3b2a-4c1d-9e8f-0a1b2c3d4e5f']]);
    assert.deepEqual([na, ua], ['{1.5}', '{7f1f5d9e-3b2a-4c1d-9e8f-0a1b2c3d4e5f}']);
    assert.deepEqual(row['ta'], ['a', 'b,c']);
    assert.deepEqual(row['agg'], ['p', 'q']);
    assert.deepEqual(row['ja'], [{ k: 1 }]);
    assert.ok(row['tz'] instanceof Date);
    assert.ok(Object.keys(db.parsers).length < count / 4, `${Object.keys(db.parsers).length} parsers left of ${count}`);
    // Parameters still serialize through the whole serializer map (arrays included).
    const param = await db.query<{ n: number }>('SELECT cardinality($1::text[]) AS n', [['a', 'b', 'c']]);
    assert.equal(param.rows[0]!.n, 3);
  } finally {
    await db.close();
  }
});
