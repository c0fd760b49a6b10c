#!/usr/bin/env node
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { du } from './disk-usage.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EmbeddedLog } from '@parley/log-embedded';
import { cliArgs } from './cli-args.js';
import { percentiles } from './percentiles.js';

/*
 * The embedded log's retention (`npm run bench -- retention`): fill the journal with --mib of records, half
 * commands (retention.ms small) and half events (kept), in 64 MiB segments, then apply retention while
 * appends go on, and report the time a segment's rewrite takes, the bytes freed, and the append latency
 * and event-loop delay meanwhile (the rewrite decodes frames on the log's thread, 4 MiB at a time).
 */
const USAGE = `usage: npm run bench -- retention [--mib 512] [--record-bytes 400]
  fills an embedded log with --mib MiB (commands and events alternating), applies the commands' retention,
  and reports rewrite time per segment, bytes freed, and append p99 and event-loop delay during it`;
const { values: a } = parseArgs({
  options: { mib: { type: 'string', default: '512' }, 'record-bytes': { type: 'string', default: '400' }, help: { type: 'boolean', default: false } },
});
const { num } = cliArgs(USAGE);
if (a.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const mib = num('mib', a.mib, 512, 64, true);
const recordBytes = num('record-bytes', a['record-bytes'], 400, 16, true);
const say = (line: string): void => void process.stderr.write(`${line}\n`);

const dir = await mkdtemp(join(tmpdir(), 'parley-retention-'));
const segments = (): Promise<number> => du(join(dir, 'segments'));
const report: Record<string, unknown> = { date: new Date().toISOString(), mib, recordBytes };
try {
  const log = await EmbeddedLog.open({ dir, retentionCheckMs: 3_600_000, fsync: { mode: 'never' } });
  await log.createTopics([
    { name: 'parley.commands', partitions: 8, config: { 'retention.ms': '1000' } },
    { name: 'parley.events', partitions: 8, config: { 'retention.ms': '-1' } },
  ]);
  const producer = log.producer();
  const value = Buffer.alloc(recordBytes, 7);
  const batch = (i: number) => Array.from({ length: 50 }, (_, j) => ({ key: `s${(i + j) % 1000}`, value, partition: (i + j) % 8 }));
  const filledStart = Date.now();
  let sent = 0;
  for (let i = 0; (await segments()) < mib * 2 ** 20; i += 50) {
    for (let k = 0; k < 100; k++, i += 50) {
      await producer.send('parley.commands', batch(i));
      await producer.send('parley.events', batch(i));
      sent += 100;
    }
    say(`filled ${((await segments()) / 2 ** 20).toFixed(0)} of ${mib} MiB`);
  }
  report['filled'] = { records: sent, seconds: (Date.now() - filledStart) / 1000, bytes: await segments(), segments: (await readdir(join(dir, 'segments'))).length };
  await sleep(1100);
  // Every segment but the newest was sealed (by size) more than the commands' retention.ms ago now.
  const before = await segments();
  const lines: Array<Record<string, unknown>> = [];
  const logger = { debug() {}, info: (msg: string, fields?: Record<string, unknown>) => void (msg.includes('cleaned') && lines.push(fields ?? {})), warn: say, error: say, child: () => logger };
  await log.close();
  const live = await EmbeddedLog.open({ dir, retentionCheckMs: 3_600_000, fsync: { mode: 'always' }, logger });
  const latencies: number[] = [];
  let appending = true;
  const appender = (async () => {
    let i = 0;
    while (appending) {
      const at = performance.now();
      await live.producer().send('parley.events', [{ key: `a${i++}`, value, partition: i % 8 }]);
      latencies.push(performance.now() - at);
    }
  })();
  const baseline = async (ms: number): Promise<number[]> => {
    const from = latencies.length;
    await sleep(ms);
    return latencies.slice(from);
  };
  const quiet = await baseline(3000);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const from = latencies.length;
  const cleanStart = Date.now();
  await live.enforceRetention();
  const cleanMs = Date.now() - cleanStart;
  delay.disable();
  const during = latencies.slice(from);
  appending = false;
  await appender;
  await live.close();
  const after = await segments();
  report['retention'] = {
    segmentsCleaned: lines.length,
    ms: cleanMs,
    msPerSegment: Math.round(cleanMs / Math.max(1, lines.length)),
    bytesBefore: before,
    bytesAfter: after,
    freed: lines.reduce((n, l) => n + Number(l['bytesFreed']), 0),
    appendsWithout: { count: quiet.length, ...round(percentiles(quiet)) },
    appendsDuring: { count: during.length, ...round(percentiles(during)) },
    eventLoopDelayMs: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
  };
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

function round(p: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}
