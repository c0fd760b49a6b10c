import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseCliArgs } from './args.js';
import { runCli } from './cli.js';
import type { CliIo } from './cli-io.js';
import { readSession, writeSession } from './session-store.js';

async function io(t: { after: (fn: () => Promise<void>) => void }, password?: string) {
  const configDir = await mkdtemp(join(tmpdir(), 'parley-cli-'));
  t.after(() => rm(configDir, { recursive: true, force: true }));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const value: CliIo = { stdin, stdout, stderr, configDir, password, signal: new AbortController().signal };
  return { io: value, configDir, out: () => out, err: () => err };
}

test('argv: options anywhere, per-command options checked, numbers validated', () => {
  const a = parseCliArgs(['--server', 'http://h:1', 'history', 'g.x', '--limit', '5', '--json']);
  assert.equal(a.command, 'history');
  assert.deepEqual(a.positionals, ['g.x']);
  assert.equal(a.server, 'http://h:1');
  assert.equal(a.limit, 5);
  assert.equal(a.json, true);
  assert.deepEqual(parseCliArgs(['send', 'g.x', 'hello', 'there']).positionals, ['g.x', 'hello', 'there']);
  assert.throws(() => parseCliArgs(['send', 'g.x', '--limit', '3']), /'send' does not take --limit/);
  assert.throws(() => parseCliArgs(['history', 'g.x', '--limit', 'lots']), /--limit must be a positive number/);
  assert.throws(() => parseCliArgs(['history']), /Usage: parley-cli history <conversation>/);
  assert.throws(() => parseCliArgs(['frobnicate']), /Unknown command 'frobnicate'/);
  assert.throws(() => parseCliArgs(['direct', 'a', 'b']), /takes <username>/);
});

test('exit codes: 2 for usage, 1 with what to do when not logged in, 0 for help', async (t) => {
  const usage = await io(t);
  assert.equal(await runCli(['history'], usage.io), 2);
  assert.match(usage.err(), /parley-cli help/);
  const notLoggedIn = await io(t);
  assert.equal(await runCli(['conversations'], notLoggedIn.io), 1);
  assert.match(notLoggedIn.err(), /Not logged in\. Run `parley-cli login <username>`/);
  const noPassword = await io(t);
  assert.equal(await runCli(['login', 'alice'], noPassword.io), 2, 'stdin is no terminal: no prompt, a usage error');
  assert.match(noPassword.err(), /--password-stdin or set PARLEY_PASSWORD/);
  const badUrl = await io(t);
  assert.equal(await runCli(['login', 'alice', '--realtime', 'ftp://x'], badUrl.io), 2);
  assert.match(badUrl.err(), /--realtime must be ws:\/\//);
  const help = await io(t);
  assert.equal(await runCli(['help'], help.io), 0);
  assert.match(help.out(), /listen/);
});

test('an unreachable server is exit 1 with a message naming it', async (t) => {
  const x = await io(t, 'pw');
  assert.equal(await runCli(['login', 'alice', '--server', 'http://127.0.0.1:9'], x.io), 1);
  assert.match(x.err(), /Cannot reach the server at http:\/\/127\.0\.0\.1:9 .*--server/);
});

test('the session file is written 0600 in a 0700 directory and read back', async (t) => {
  const x = await io(t);
  const dir = join(x.configDir, 'parley');
  const session = { server: 'http://h:1', realtime: 'tcp://h:2', token: 'secret', expiresAt: 1, user: { id: 'u1', username: 'alice' } };
  const path = await writeSession(dir, session);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(await readSession(dir), session);
  assert.equal(await readSession(join(x.configDir, 'missing')), undefined);
});
