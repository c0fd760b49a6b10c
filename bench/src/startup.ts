#!/usr/bin/env node
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { cliArgs } from './cli-args.js';
import { openSocket } from './drive.js';
import { fillPairs } from './fill.js';
import { provisionParley } from './provision.js';
import { rssMb } from './process-stats.js';
import { pairsWorkload } from './scenarios.js';
import { startSingle, type Target } from './targets.js';

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
  it and times the first start on the restored directory`;
const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    pairs: { type: 'string', default: '100' },
    rate: { type: 'string', default: '40' },
    fsync: { type: 'string', default: 'always' },
    backup: { type: 'boolean', default: false },
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
const fsync = oneOf('fsync', a.fsync, ['always', 'interval', 'never'] as const);
const say = (line: string): void => void process.stderr.write(`${line}\n`);

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

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

const dataDir = await mkdtemp(join(tmpdir(), 'parley-startup-'));
const report: Record<string, unknown> = { date: new Date().toISOString(), messages, pairs, rate, fsync };
/** Bytes under `dir`, recursively. */
async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

try {
  const workload = pairsWorkload(pairs, rate);
  say('empty: starting a node on an empty data directory, to measure its memory at rest...');
  const emptyDir = await mkdtemp(join(tmpdir(), 'parley-startup-empty-'));
  const empty = await startSingle({ fsync, tcp: false, dataDir: emptyDir });
  await sleep(5000);
  report['empty'] = { rssAtRestMb: Math.round(rssMb(empty.processes[0]!.pid)) };
  await empty.stop();
  await rm(emptyDir, { recursive: true, force: true });
  let target = await startSingle({ fsync, tcp: false, dataDir });
  say(`filling: provisioning ${pairs * 2} users...`);
  const provisioned = await provisionParley(target, workload.topology);
  const fillStarted = Date.now();
  const acked = await fillPairs(target, provisioned, pairs, rate, messages, say);
  report['filled'] = { acked, seconds: Math.round((Date.now() - fillStarted) / 1000) };
  say('filling: waiting for the projector to catch up (/healthz 200)...');
  while (!(await healthy(target.httpUrl))) await sleep(1000);
  await sleep(2000);
  say('stopping...');
  await target.stop();
  const journal = await du(join(dataDir, 'log', 'segments')).catch(() => 0);
  report['journalBytes'] = journal;
  report['journalBytesPerMessage'] = Math.round(journal / acked);
  const logBytes = await du(join(dataDir, 'log'));
  const snapshotBytes = await du(join(dataDir, 'log', 'snapshots')).catch(() => 0);
  const storeBytes = await du(join(dataDir, 'pg')).catch(() => 0);
  report['disk'] = { logBytes, snapshotBytes, storeBytes, bytesPerMessage: Math.round((logBytes + storeBytes) / acked) };

  say('starting again on the same data...');
  const started = Date.now();
  target = await startSingle({ fsync, tcp: false, dataDir, timeoutMs: 30 * 60_000 });
  const ready = Date.now() - started;
  while (!(await healthy(target.httpUrl))) await sleep(50);
  const healthz = Date.now() - started;
  // The first acknowledged send in a random old conversation, over a fresh connection, then its history.
  const pick = Math.floor(Math.random() * provisioned.conversationIds.length);
  const conversation = provisioned.conversationIds[pick]!;
  const acknowledged = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ack in 60 s')), 60_000);
    void openSocket(target.wsUrls[0]!, { type: 'auth', token: provisioned.tokens[pick * 2] }, (text) => {
      const frame = JSON.parse(text) as { type: string; clientMsgId?: string };
      if (frame.type === 'ack' && frame.clientMsgId === 'startup-probe') {
        clearTimeout(timer);
        resolve(Date.now() - started);
      }
    }).then((ws) => ws.send(JSON.stringify({ type: 'send', conversation, clientMsgId: 'startup-probe', content: 'after the restart' })), reject);
  });
  const history = await fetch(`${target.httpUrl}/v1/conversations/${encodeURIComponent(conversation)}/messages?limit=50`, { headers: { authorization: `Bearer ${provisioned.tokens[pick * 2]}` } });
  const historyMs = Date.now() - started;
  if (history.status !== 200) throw new Error(`history of ${conversation} answered ${history.status}: ${await history.text()}`);
  await sleep(5000);
  const rest = Math.round(rssMb(target.processes[0]!.pid));
  // Where the start went: each step the node logged, in ms after its first line.
  const lines = (target.logs ?? []).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return undefined; } }).filter((l) => l !== undefined);
  const first = Date.parse(String(lines[0]?.['time']));
  const readyAt = lines.findIndex((l) => l['msg'] === 'Parley is ready');
  report['restartSteps'] = lines.slice(0, readyAt + 1).map((l) => ({
    ms: Date.parse(String(l['time'])) - first,
    msg: l['msg'],
    ...(l['ms'] !== undefined ? { took: l['ms'], fromSnapshots: l['fromSnapshots'], eventsFolded: l['eventsFolded'] } : {}),
    ...(l['fromByte'] !== undefined ? { fromByte: l['fromByte'], bytes: l['bytes'] } : {}),
    ...(l['reason'] !== undefined ? { reason: l['reason'] } : {}),
  }));
  report['restart'] = { readyMs: ready, healthzMs: healthz, firstAckMs: acknowledged, historyMs, conversation: pick, rssAtRestMb: rest, overEmptyMb: rest - (report['empty'] as { rssAtRestMb: number }).rssAtRestMb };
  if (a.backup) report['backup'] = await backupAndRestore(target, provisioned.tokens[pick * 2]!, conversation);
  await target.stop();
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
