import { it, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ack, ChatMessage, ParleyClient } from '@parley/sdk';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import { newClient, newUser } from './clients.js';

const BACKUP = fileURLToPath(new URL('../../../apps/gateway/dist/backup-main.js', import.meta.url));
const PASSWORD = 'correct horse battery';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run backup`'s entry point as a child process, on the data directory `dataDir`. */
function backup(dataDir: string, ...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [BACKUP, ...args], { env: { ...process.env, PARLEY_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return within(new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))), 120_000, `backup ${args[0]}`);
}

async function allMessages(client: ParleyClient, conversation: string): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (;;) {
    const page = await client.history(conversation, { after: out.at(-1)?.seq ?? 0, limit: 200 });
    out.push(...page.messages);
    if (!page.hasMore) return out;
  }
}

const dirs: string[] = [];
const servers: RunningServer[] = [];
after(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  if (!process.env['KEEP_DIRS']) for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const scratch = async (name: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `parley-${name}-`));
  dirs.push(dir);
  return dir;
};

it('an online backup taken while messages flow restores to a node with every message acknowledged before it, once, and the logins', async (t) => {
  try {
    await backupAndRestore(t);
  } catch (error) {
    // What the nodes said, to tell where it stopped.
    for (const s of servers) process.stderr.write(`--- ${s.dataDir}\n${s.logs.slice(-60).join('\n')}\n`);
    throw error;
  }
});

async function backupAndRestore(t: TestContext): Promise<void> {
  const server = await startServer();
  servers.push(server);
  dirs.push(server.dataDir);
  const a = await newUser(server.url, 'bak');
  const b = await newUser(server.url, 'bak');
  t.after(() => {
    a.client.close();
    b.client.close();
  });
  await a.client.connect();
  const conv = await a.client.openDirect(b.username);
  const acked: Ack[] = [];
  for (let i = 0; i < 100; i++) acked.push(await a.client.send(conv.id, `before ${i}`, { clientMsgId: `bak-${i}` }));

  // Sends go on during the backup: those acknowledged before it began must be in it.
  let sending = true;
  const during = (async () => {
    for (let i = 100; sending; i++) acked.push(await a.client.send(conv.id, `during ${i}`, { clientMsgId: `bak-${i}` }));
  })();
  const ackedBefore = acked.length;
  const dest = join(await scratch('backup'), 'b1');
  const made = await backup(server.dataDir, 'create', dest);
  sending = false;
  await during;
  assert.equal(made.code, 0, made.stderr);
  assert.equal(JSON.parse(made.stdout).mode, 'online', made.stdout);
  assert.match(made.stderr, /copying the database.*\n.*database copied in/);
  const manifest = JSON.parse(await readFile(join(dest, 'parley-backup.json'), 'utf8')) as { files: Array<{ path: string }> };
  assert.ok(manifest.files.some((f) => f.path.startsWith('log/segments/')) && manifest.files.some((f) => f.path.startsWith('pg/')));
  assert.ok(acked.length > ackedBefore, 'messages were acknowledged while the backup ran');

  // A backup is never written over, nor restored over data.
  const again = await backup(server.dataDir, 'create', dest);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is not empty/);
  const busy = await backup(server.dataDir, 'restore', dest);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /is not empty/);
  await server.stop();

  const restored = join(await scratch('restored'), 'data');
  const put = await backup(restored, 'restore', dest);
  assert.equal(put.code, 0, put.stderr);
  const back = await startServer({ dataDir: restored });
  servers.push(back);
  // The login's sealed password hash is readable: its key came back with the database.
  const client = newClient(back.url);
  t.after(() => client.close());
  await client.login(a.username, PASSWORD);
  const messages = await allMessages(client, conv.id);
  const ids = messages.map((m) => m.clientMsgId);
  assert.equal(new Set(ids).size, ids.length, 'no message twice');
  assert.deepEqual(
    messages.map((m) => m.seq),
    messages.map((_, i) => i + 1),
    'no gap',
  );
  for (const ack of acked.slice(0, ackedBefore)) assert.ok(messages.some((m) => m.seq === ack.seq && m.clientMsgId === ack.clientMsgId), `acknowledged ${ack.clientMsgId} restored`);
  assert.ok(messages.length <= acked.length);
  // The restored node goes on where the backup ended.
  await client.connect();
  const next = await client.send(conv.id, 'after the restore', { clientMsgId: 'after-restore' });
  assert.equal(next.seq, messages.length + 1);
  await back.stop();

  // Offline (nothing running on the directory), the same tool backs up from the files.
  const offline = join(await scratch('offline'), 'b2');
  const cold = await backup(restored, 'create', offline);
  assert.equal(cold.code, 0, cold.stderr);
  assert.equal(JSON.parse(cold.stdout).mode, 'offline');
  const second = join(await scratch('restored2'), 'data');
  assert.equal((await backup(second, 'restore', offline)).code, 0);
  const third = await startServer({ dataDir: second });
  servers.push(third);
  const reader = newClient(third.url);
  t.after(() => reader.close());
  await reader.login(b.username, PASSWORD);
  assert.deepEqual((await allMessages(reader, conv.id)).map((m) => m.clientMsgId), [...ids, 'after-restore']);
  await third.stop();
  await removeDataDir(second);

  // A backup changed after it was written is refused, and nothing is left half restored.
  const topics = join(offline, 'log', 'topics.json');
  await writeFile(topics, (await readFile(topics, 'utf8')).replace('"partitions"', '"partitions" '));
  const tampered = await backup(second, 'restore', offline);
  assert.equal(tampered.code, 1);
  assert.match(tampered.stderr, /log\/topics.json in the backup does not match its manifest/);
  await assert.rejects(stat(second), /ENOENT/);
  const none = await backup(second, 'restore', join(offline, 'log'));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /not a Parley backup/);
}
