import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ack } from '@parley/sdk';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { newClient, newUser } from './clients.js';

const MAIN = fileURLToPath(new URL('../../../apps/gateway/dist/single-node-main.js', import.meta.url));

/** Runs `npm start`'s entry point until it exits by itself; its exit code and everything it printed. */
async function runUntilExit(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

let server: RunningServer | undefined;
after(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

it('a second process on the same data directory refuses to start, naming the holder; after a SIGKILL a restart takes over and has everything acknowledged', async () => {
  server = await startServer();
  const { dataDir } = server;
  const first = server.process.pid!;
  const a = await newUser(server.url, 'lock');
  const b = await newUser(server.url, 'lockpeer');
  await a.client.connect();
  const conv = await a.client.openDirect(b.username);
  const acked: Ack[] = [];
  for (let i = 0; i < 5; i++) acked.push(await a.client.send(conv.id, `before ${i}`));

  // The second starter: same directory, its own free port. It must not touch the log or the database.
  const second = await runUntilExit({ PORT: '0', HOST: '127.0.0.1', PARLEY_DATA_DIR: dataDir });
  assert.equal(second.code, 2, second.output);
  assert.match(second.output, new RegExp(`in use by Parley process ${first} on host ${hostname()}, running since \\d{4}-`));
  assert.match(second.output, /Stop that process first/);
  assert.doesNotMatch(second.output, /opening the event log|opening the database/);

  // The first keeps serving: writes are acknowledged, a new user can register.
  acked.push(await a.client.send(conv.id, 'after the refused start'));
  const c = await newUser(server.url, 'lockthird');
  c.client.close();
  assert.equal(JSON.parse(await readFile(join(dataDir, 'LOCK'), 'utf8')).pid, first);

  // A crash leaves the lock behind; the restart finds its holder gone and takes it over.
  a.client.close();
  await server.kill();
  assert.ok(existsSync(join(dataDir, 'LOCK')), 'SIGKILL leaves LOCK behind');
  server = await startServer({ dataDir });
  assert.ok(server.logs.some((l) => l.includes('took over the data directory lock') && l.includes(`process ${first}, is gone`)), server.logs.join('\n'));
  assert.equal(JSON.parse(await readFile(join(dataDir, 'LOCK'), 'utf8')).pid, server.process.pid);

  // Everything acknowledged before the crash is there: the three registrations and the six messages.
  const again = newClient(server.url);
  await again.login(a.username, 'correct horse battery');
  for (const name of [b.username, c.username]) await newClient(server.url).login(name, 'correct horse battery');
  const page = await again.history(conv.id, { after: 0, limit: 100 });
  assert.deepEqual(
    page.messages.map((m) => [m.id, m.seq]),
    acked.map((x) => [x.id, x.seq]),
  );
  again.close();

  // A clean stop releases the directory.
  assert.equal(await server.stop(), 0);
  assert.equal(existsSync(join(dataDir, 'LOCK')), false, 'a clean stop removes LOCK');
});
