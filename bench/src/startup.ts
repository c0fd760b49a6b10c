#!/usr/bin/env node
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { du } from './disk-usage.js';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { cliArgs } from './cli-args.js';
import { openSocket } from './drive.js';
import { fillPairs } from './fill.js';
import { provisionParley, type Provisioned } from './provision.js';
import { rssMb } from './process-stats.js';
import { pairsWorkload } from './scenarios.js';
import { median, summarize } from './rounds.js';
import { healthy, startSingle, type Target } from './targets.js';

const BACKUP_MAIN = fileURLToPath(new URL('../../apps/gateway/dist/backup-main.js', import.meta.url));

/*
 * Recovery with history (issues 14 and 15; `npm run bench -- recovery`): measure an empty node's resident
 * memory at rest, fill a single node's log with --messages 1:1 messages through its WebSocket API, let the
 * projector catch up, stop it (SIGTERM), start it again on the same data and report the time to "Parley is
 * ready", to /healthz 200, to the first acknowledged send and to the history of a random old conversation;
 * the disk used per message and the resident memory at rest after the restart.
 *   node bench/dist/startup.js [--messages 1000000] [--pairs 100] [--rate 40] [--fsync always]
 */
const USAGE = `usage: npm run bench -- recovery [--messages 1000000] [--pairs 100] [--rate 40] [--fsync always|interval|never] [--backup]
  (or node bench/dist/startup.js ...) fills a single node with 1:1 messages (pairs x 2 connections, each
  sending --rate msg/s), restarts it, and reports time to ready, to /healthz 200, to the first acknowledged
  send and history read in a random old conversation, disk per message, and RSS at rest (also when empty);
  --backup then takes an online backup (timing a send acknowledged while the database is copied), restores
  it and times the first start on the restored directory; --keep leaves the filled data directory in place
  (its path is printed) for a closer look, and --reuse <that path> measures the restart of it again, without
  filling (its users' tokens, kept beside it, last a day). --rounds N (3): the baseline and the restart
  are each measured N times, alternately, and reported with their median and spread. Memory at rest: the
  median of five samples a second apart, taken 5 s after a send (a fresh connection, authenticated with
  a token) and a history read, on the restarted node and on a node restarted without history (the baseline)`;
const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    pairs: { type: 'string', default: '100' },
    rate: { type: 'string', default: '40' },
    fsync: { type: 'string', default: 'always' },
    backup: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
const { num, oneOf } = cliArgs(USAGE);
if (a.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const messages = num('messages', a.messages, 1_000_000, 1, true);
const pairs = num('pairs', a.pairs, 100, 1, true);
const rate = num('rate', a.rate, 40, 1);
const rounds = num('rounds', a.rounds, 3, 1, true);
const fsync = oneOf('fsync', a.fsync, ['always', 'interval', 'never'] as const);
const say = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * `npm run backup -- create` against the running node: its duration, the database copy's (the pause of
 * projections and reads), the ack time of a send issued while the database is being copied; then
 * `restore` into a new directory and the first start on it (no checkpoint, no snapshots: the whole log read).
 */
async function backupAndRestore(target: Target, token: string, conversation: string): Promise<Record<string, unknown>> {
  const dest = join(dataDir, '..', `${basename(dataDir)}-backup`);
  const restored = join(dataDir, '..', `${basename(dataDir)}-restored`);
  const out: Record<string, unknown> = {};
  try {
    say('backing up (online)...');
    const ws = await openSocket(target.wsUrls[0]!, { type: 'auth', token }, (text) => {
      const frame = JSON.parse(text) as { type: string; clientMsgId?: string };
      if (frame.type === 'ack' && frame.clientMsgId === 'during-backup') out['ackDuringDatabaseCopyMs'] = Date.now() - probeSent;
    });
    let probeSent = 0;
    const started = Date.now();
    const run = await runBackup(['create', dest], dataDir, (line) => {
      say(`  ${line}`);
      if (/^copying the database/.test(line)) {
        probeSent = Date.now();
        ws.send(JSON.stringify({ type: 'send', conversation, clientMsgId: 'during-backup', content: 'sent during the backup' }));
      }
      const copied = /^database copied in ([\d.]+) s/.exec(line);
      if (copied) out['databaseCopyS'] = Number(copied[1]);
    });
    out['backupMs'] = Date.now() - started;
    out['backupBytes'] = await du(dest);
    out['manifest'] = JSON.parse(run);
    ws.close();
    say('restoring...');
    const restoreStarted = Date.now();
    await runBackup(['restore', dest], restored, (line) => say(`  ${line}`));
    out['restoreMs'] = Date.now() - restoreStarted;
    say('starting on the restored directory...');
    const startStarted = Date.now();
    const again = await startSingle({ fsync, tcp: false, dataDir: restored, timeoutMs: 30 * 60_000 });
    out['readyAfterRestoreMs'] = Date.now() - startStarted;
    await again.stop();
  } finally {
    await rm(dest, { recursive: true, force: true });
    await rm(restored, { recursive: true, force: true });
  }
  return out;
}

/** Runs the backup tool on `dataDir`, passing its progress lines on; resolves with its stdout. */
function runBackup(args: string[], dataDir: string, progress: (line: string) => void): Promise<string> {
  const child = spawn(process.execPath, [BACKUP_MAIN, ...args], { env: { ...process.env, PARLEY_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let pending = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    pending += d.toString();
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      progress(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  });
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`backup ${args[0]} exited ${code}`)))));
}

/**
 * An acknowledged send in `conversation` over a fresh connection, then a read of its history: ms from
 * `since` to each.
 */
async function probe(target: Target, token: string, conversation: string, since: number): Promise<{ ackMs: number; historyMs: number }> {
  const ackMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ack in 60 s')), 60_000);
    void openSocket(target.wsUrls[0]!, { type: 'auth', token }, (text) => {
      const frame = JSON.parse(text) as { type: string; clientMsgId?: string };
      if (frame.type === 'ack' && frame.clientMsgId === 'startup-probe') {
        clearTimeout(timer);
        resolve(Date.now() - since);
      }
    }).then((ws) => ws.send(JSON.stringify({ type: 'send', conversation, clientMsgId: 'startup-probe', content: 'after the restart' })), reject);
  });
  const history = await fetch(`${target.httpUrl}/v1/conversations/${encodeURIComponent(conversation)}/messages?limit=50`, { headers: { authorization: `Bearer ${token}` } });
  const historyMs = Date.now() - since;
  if (history.status !== 200) throw new Error(`history of ${conversation} answered ${history.status}: ${await history.text()}`);
  return { ackMs, historyMs };
}

/** Resident memory at rest: 5 s after the last request, the median of five samples a second apart (MB). */
async function rssAtRest(pid: number): Promise<number> {
  await sleep(5000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssMb(pid));
    if (i < 4) await sleep(1000);
  }
  return Math.round(median(samples));
}

/**
 * The resident memory at rest of a node restarted on a log without history (two users and one
 * conversation, made before the restart), after the same requests as the filled node's (a send over a
 * fresh connection authenticated with a token, a history read): so that the difference is the history, not the first start's set-up or the warm-up.
 */
async function emptyRssAtRest(round: number): Promise<number> {
  say(`round ${round}/${rounds}: a node without history, restarted: its memory at rest...`);
  const emptyDir = await mkdtemp(join(tmpdir(), 'parley-startup-empty-'));
  try {
    const first = await startSingle({ fsync, tcp: false, dataDir: emptyDir });
    const one = await provisionParley(first, pairsWorkload(1, rate).topology);
    await first.stop();
    const empty = await startSingle({ fsync, tcp: false, dataDir: emptyDir });
    await probe(empty, one.tokens[0]!, one.conversationIds[0]!, Date.now());
    const rss = await rssAtRest(empty.processes[0]!.pid);
    await empty.stop();
    return rss;
  } finally {
    await rm(emptyDir, { recursive: true, force: true });
  }
}

/** Starts the node on the filled data, times it, probes a random old conversation, and measures its memory at rest; left running. */
async function restart(provisioned: Provisioned, round: number): Promise<{ target: Target; pick: number; report: Record<string, unknown> }> {
  say(`round ${round}/${rounds}: starting again on the same data...`);
  const started = Date.now();
  const target = await startSingle({ fsync, tcp: false, dataDir, timeoutMs: 30 * 60_000 });
  const ready = Date.now() - started;
  while (!(await healthy(target.httpUrl))) await sleep(50);
  const healthz = Date.now() - started;
  const pick = Math.floor(Math.random() * provisioned.conversationIds.length);
  const conversation = provisioned.conversationIds[pick]!;
  const { ackMs: acknowledged, historyMs } = await probe(target, provisioned.tokens[pick * 2]!, conversation, started);
  const rest = await rssAtRest(target.processes[0]!.pid);
  // Where the start went: each step the node logged, in ms after its first line.
  const lines = (target.logs ?? []).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return undefined; } }).filter((l) => l !== undefined);
  const first = Date.parse(String(lines[0]?.['time']));
  const readyAt = lines.findIndex((l) => l['msg'] === 'Parley is ready');
  const report: Record<string, unknown> = {};
  report['restartSteps'] = lines.slice(0, readyAt + 1).map((l) => ({
    ms: Date.parse(String(l['time'])) - first,
    msg: l['msg'],
    ...(l['ms'] !== undefined ? { took: l['ms'], fromSnapshots: l['fromSnapshots'], eventsFolded: l['eventsFolded'] } : {}),
    ...(l['fromByte'] !== undefined ? { fromByte: l['fromByte'], bytes: l['bytes'] } : {}),
    ...(l['reason'] !== undefined ? { reason: l['reason'] } : {}),
  }));
  report['restart'] = { readyMs: ready, healthzMs: healthz, firstAckMs: acknowledged, historyMs, conversation: pick, rssAtRestMb: rest };
  return { target, pick, report };
}

const dataDir = a.reuse ?? (await mkdtemp(join(tmpdir(), 'parley-startup-')));
/** What a kept data directory's fill provisioned: its users' tokens and conversations. */
const provisionedFile = `${dataDir.replace(/\/+$/, '')}.provisioned.json`;
const report: Record<string, unknown> = { date: new Date().toISOString(), messages, pairs, rate, fsync };
try {
  const workload = pairsWorkload(pairs, rate);
  let provisioned: Provisioned;
  let acked: number;
  if (a.reuse) {
    ({ provisioned, acked } = JSON.parse(await readFile(provisionedFile, 'utf8')) as { provisioned: Provisioned; acked: number });
    say(`reusing ${dataDir} (${acked} messages), not filling`);
  } else {
    const target = await startSingle({ fsync, tcp: false, dataDir });
    say(`filling: provisioning ${pairs * 2} users...`);
    provisioned = await provisionParley(target, workload.topology);
    const fillStarted = Date.now();
    acked = await fillPairs(target, provisioned, pairs, rate, messages, say);
    report['filled'] = { acked, seconds: Math.round((Date.now() - fillStarted) / 1000) };
    say('filling: waiting for the projector to catch up (/healthz 200)...');
    while (!(await healthy(target.httpUrl))) await sleep(1000);
    await sleep(2000);
    say('stopping...');
    await target.stop();
    if (a.keep) await writeFile(provisionedFile, JSON.stringify({ provisioned, acked }));
  }
  const journal = await du(join(dataDir, 'log', 'segments')).catch(() => 0);
  report['journalBytes'] = journal;
  report['journalBytesPerMessage'] = Math.round(journal / acked);
  const logBytes = await du(join(dataDir, 'log'));
  const snapshotBytes = await du(join(dataDir, 'log', 'snapshots')).catch(() => 0);
  const storeBytes = await du(join(dataDir, 'pg')).catch(() => 0);
  report['disk'] = { logBytes, snapshotBytes, storeBytes, bytesPerMessage: Math.round((logBytes + storeBytes) / acked) };

  const restarts: Array<Record<string, unknown>> = [];
  const empties: number[] = [];
  let target: Target | undefined;
  let pick = 0;
  for (let round = 1; round <= rounds; round++) {
    await target?.stop();
    empties.push(await emptyRssAtRest(round));
    let one: Record<string, unknown>;
    ({ target, pick, report: one } = await restart(provisioned, round));
    restarts.push(one);
  }
  report['empty'] = { rssAtRestMb: summarize(empties.map((rss) => ({ rss })))['rss'], rounds: empties };
  const restartFigures = restarts.map((r, i) => ({ ...(r['restart'] as Record<string, number> & { conversation: number }), overEmptyMb: (r['restart'] as { rssAtRestMb: number }).rssAtRestMb - empties[i]! }));
  report['restartSteps'] = restarts[restarts.length - 1]!['restartSteps'];
  report['restart'] = { ...summarize(restartFigures.map(({ conversation: _, ...figures }) => figures)), rounds: restartFigures };
  const conversation = provisioned.conversationIds[pick]!;
  if (a.backup) report['backup'] = await backupAndRestore(target!, provisioned.tokens[pick * 2]!, conversation);
  await target!.stop();
} finally {
  if (a.keep || a.reuse) say(`kept the data directory: ${dataDir} (again: --reuse ${dataDir})`);
  else await rm(dataDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
