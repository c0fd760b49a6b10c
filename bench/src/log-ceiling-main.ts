#!/usr/bin/env node
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startKafka, type KafkaServer } from '@parley/test-infra';
import { runLogCeiling, spread, type LogCeilingResult } from './log-ceiling.js';
import { cliArgs } from './cli-args.js';

const USAGE = `usage: node bench/dist/log-ceiling-main.js [options]
The ceiling of the log path (issue 14): a bare kafkajs produce -> consume -> produce -> consume loop.
  --brokers host:port[,host:port]  an existing Kafka (default: start a single broker here, ~30 s)
  --partitions N                   partitions of each of the two topics (default 4)
  --duration S                     seconds of sending per run (default 20)
  --in-flight N                    most records sent and not yet acknowledged (default 2000)
  --transactional yes|no|both      stage 2 as an exactly-once ingest, a plain one, or each in turn (default both)
  --rounds N                       runs of every variant; the report gives median, min and max (default 3)
Progress goes to stderr, the JSON report to stdout.`;

const { values: a } = parseArgs({
  options: {
    brokers: { type: 'string' },
    partitions: { type: 'string', default: '4' },
    duration: { type: 'string', default: '20' },
    'in-flight': { type: 'string', default: '2000' },
    transactional: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});

const { fail, num, oneOf } = cliArgs(USAGE);

if (a.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const partitions = num('partitions', a.partitions, 4, 1, true);
const durationSeconds = num('duration', a.duration, 20, 1);
const inFlight = num('in-flight', a['in-flight'], 2000, 1, true);
const rounds = num('rounds', a.rounds, 3, 1, true);
const which = oneOf('transactional', a.transactional, ['yes', 'no', 'both'] as const);
const variants: boolean[] = which === 'both' ? [true, false] : [which === 'yes'];
let brokers: string[] | undefined;
if (a.brokers !== undefined) {
  brokers = a.brokers.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  const bad = brokers.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad !== undefined) fail(`--brokers must be host:port[,host:port...], got "${a.brokers}"`);
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);
const name = (transactional: boolean): string => (transactional ? 'transactional' : 'plain');

let kafka: KafkaServer | undefined;
if (!brokers) {
  say('starting a Kafka broker (about 30 s)...');
  kafka = await startKafka(say);
  brokers = kafka.brokers;
  say(`Kafka on ${brokers.join(',')}`);
}

const report: Record<string, unknown> = {
  benchmark: 'log-ceiling',
  options: { brokers: a.brokers ?? 'started here', partitions, durationSeconds, inFlight, transactional: which, rounds },
  date: new Date().toISOString(),
};
const results: { round: number; loadAverage: number[]; results: Record<string, LogCeilingResult> }[] = [];
let exitCode = 0;
try {
  for (let round = 0; round < rounds; round++) {
    const loadAverage = loadavg().map((l) => Math.round(l * 100) / 100);
    say(`round ${round + 1} of ${rounds} (load average ${loadAverage.join(' ')})`);
    const out: Record<string, LogCeilingResult> = {};
    for (const transactional of variants) {
      say(`${name(transactional)}: ${partitions} partitions, ${inFlight} in flight, ${durationSeconds} s...`);
      const result = await runLogCeiling({ brokers, partitions, durationSeconds, inFlight, transactional, log: (line) => say(`  ${line}`) });
      say(`${name(transactional)}: produced ${result.producedPerSecond}/s, looped ${result.loopedPerSecond}/s, p99 ${result.latencyMs.p99} ms, lost ${result.lost}, duplicates ${result.duplicates}`);
      out[name(transactional)] = result;
    }
    results.push({ round: round + 1, loadAverage, results: out });
  }
  const summary: Record<string, unknown> = {};
  for (const transactional of variants) {
    const of = results.map((r) => r.results[name(transactional)]!);
    summary[name(transactional)] = {
      producedPerSecond: spread(of.map((r) => r.producedPerSecond)),
      loopedPerSecond: spread(of.map((r) => r.loopedPerSecond)),
      latencyP99Ms: spread(of.map((r) => r.latencyMs.p99)),
      lost: of.reduce((n, r) => n + r.lost, 0),
      duplicates: of.reduce((n, r) => n + r.duplicates, 0),
    };
  }
  report['summary'] = summary;
  report['rounds'] = results;
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  say(`log ceiling failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  if (kafka) {
    say('stopping Kafka...');
    await kafka.stop();
  }
}
process.exit(exitCode);
