#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { trimParsers } from '@parley/store';
import { cliArgs } from './cli-args.js';

/*
 * What one PGlite statement costs, with the result parsers PGlite sets up and with the ones the database
 * worker keeps (trimParsers: PGlite copies the whole map on every query). In-memory PGlite, one upsert of
 * a row at a time, alternating full / trimmed / full / trimmed so a drift of the machine shows.
 *   node bench/dist/pglite-statement.js [--statements 10000]
 */
const USAGE = `usage: node bench/dist/pglite-statement.js [--statements 10000]
  times one PGlite upsert with PGlite's result parsers and with the trimmed ones the database worker keeps`;
const { values: a } = parseArgs({ options: { statements: { type: 'string', default: '10000' }, help: { type: 'boolean', default: false } } });
const { num } = cliArgs(USAGE);
if (a.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const statements = num('statements', a.statements, 10_000, 1, true);
const db = new PGlite();
await db.waitReady;
await db.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
const upsert = (i: number) => db.query('INSERT INTO t VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = excluded.v', [i % 1000, 'x']);
for (let i = 0; i < 2000; i++) await upsert(i); // warm-up
const full = db.parsers;
await trimParsers(db);
const trimmed = db.parsers;
const results: Array<{ parsers: string; count: number; msPerStatement: number; cpuMsPerStatement: number }> = [];
for (const [name, parsers] of [['full', full], ['trimmed', trimmed], ['full', full], ['trimmed', trimmed]] as const) {
  db.parsers = parsers;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < statements; i++) await upsert(i);
  const cpu = process.cpuUsage(c0);
  results.push({ parsers: name, count: Object.keys(parsers).length, msPerStatement: Number(((performance.now() - t0) / statements).toFixed(3)), cpuMsPerStatement: Number(((cpu.user + cpu.system) / 1000 / statements).toFixed(3)) });
  process.stderr.write(`${name}: ${results.at(-1)!.msPerStatement} ms a statement\n`);
}
await db.close();
process.stdout.write(`${JSON.stringify({ scenario: 'pglite-statement', date: new Date().toISOString(), statements, results }, null, 2)}\n`);
