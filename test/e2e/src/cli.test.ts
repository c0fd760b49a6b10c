import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '@parley/core/conformance';
import type { MessageFrame } from '@parley/sdk';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import { inbox, newUser, uniqueName } from './clients.js';

const CLI = fileURLToPath(new URL('../../../apps/cli/dist/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One `parley-cli` process with its own config dir (its own session file). */
function cliUser(configHome: string) {
  const env = { ...process.env, XDG_CONFIG_HOME: configHome, PARLEY_PASSWORD: '' };
  const start = (args: string[], stdin?: string): { child: ChildProcess; done: Promise<Run>; stdout: () => string; stderr: () => string } => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (stdin !== undefined) child.stdin!.end(stdin);
    const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    return { child, done, stdout: () => stdout, stderr: () => stderr };
  };
  return {
    start,
    run: (args: string[], stdin?: string) => within(start(args, stdin ?? '').done, 30_000, `parley-cli ${args[0]}`),
  };
}

const ok = (r: Run, what: string) => assert.equal(r.code, 0, `${what}: exit ${r.code}, stderr: ${r.stderr}`);

describe('parley-cli against a started single node', () => {
  let server: RunningServer;
  let configRoot: string;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer();
    configRoot = await mkdtemp(join(tmpdir(), 'parley-cli-e2e-'));
  });
  after(async () => {
    for (const c of closers) c();
    await server.stop();
    await removeDataDir(server.dataDir);
    await rm(configRoot, { recursive: true, force: true });
  });

  for (const transport of ['ws', 'tcp'] as const) {
    it(`over ${transport}: register, direct, listen as JSON lines, send from a script, conversations with unread, history, chat from a pipe, logout`, async () => {
      assert.ok(server.tcpPort, 'the single node listens for TCP');
      const realtime = transport === 'tcp' ? `tcp://127.0.0.1:${server.tcpPort}` : server.url.replace('http:', 'ws:');
      const home = join(configRoot, transport);
      const cli = cliUser(home);
      const name = uniqueName('cli');
      const registered = await cli.run(['register', name, '--password-stdin', '--server', server.url, '--realtime', realtime, '--json'], 'correct horse battery\n');
      ok(registered, 'register');
      assert.equal((JSON.parse(registered.stdout) as { user: { username: string } }).user.username, name);
      assert.equal((await stat(join(home, 'parley', 'session.json'))).mode & 0o777, 0o600, 'the token file is private');
      const again = await cli.run(['login', name, '--password-stdin', '--json'], 'correct horse battery\n');
      ok(again, 'login with the stored endpoints');

      const bob = await newUser(server.url, 'bob');
      closers.push(() => bob.client.close());
      const bobGot = inbox(bob.client);
      await bob.client.connect();
      const direct = await cli.run(['direct', bob.username]);
      ok(direct, 'direct');
      const id = direct.stdout.trim();
      assert.equal(id, (await bob.client.openDirect(name)).id);

      const listener = cli.start(['listen']);
      closers.push(() => listener.child.kill('SIGKILL'));
      await eventually(() => assert.ok(listener.stderr().includes(`listening as ${name} on ${realtime}`), listener.stderr()));
      await bob.client.send(id, 'hello cli');
      await bob.client.send(id, 'are you there? ✓');
      await eventually(() => assert.equal(listener.stdout().split('\n').filter(Boolean).length, 2));
      const lines = listener.stdout().trim().split('\n').map((l) => JSON.parse(l) as MessageFrame);
      assert.deepEqual(lines.map((m) => [m.type, m.conversation, m.seq, m.sender.username, m.content]), [
        ['message', id, 1, bob.username, 'hello cli'],
        ['message', id, 2, bob.username, 'are you there? ✓'],
      ]);

      const listed = await cli.run(['conversations', '--json']);
      ok(listed, 'conversations');
      const conv = (JSON.parse(listed.stdout) as { conversations: Array<{ id: string; unread: number }> }).conversations.find((c) => c.id === id);
      assert.equal(conv?.unread, 2, 'both of bob’s messages are unread');
      const human = await cli.run(['conversations']);
      assert.match(human.stdout, new RegExp(`2 unread\\s+@${bob.username}\\s+${id.replace(/\./g, '\\.')}`));

      const sent = await cli.run(['send', id, '-', '--json'], 'from a script\n');
      ok(sent, 'send from stdin');
      assert.equal((JSON.parse(sent.stdout) as { seq: number }).seq, 3);
      const sentArgs = await cli.run(['send', `@${bob.username}`, 'two', 'words']);
      ok(sentArgs, 'send to @username');
      assert.match(sentArgs.stdout, new RegExp(`Sent to ${id.replace(/\./g, '\\.')} as #4`));
      await eventually(() => assert.deepEqual(bobGot.filter((m) => m.conversation === id).map((m) => m.content), ['hello cli', 'are you there? ✓', 'from a script', 'two words']));
      await eventually(() => assert.equal(listener.stdout().trim().split('\n').length, 4, 'listen also prints the messages sent from this account'));

      const history = await cli.run(['history', id, '--limit', '3', '--json']);
      ok(history, 'history');
      const page = JSON.parse(history.stdout) as { messages: MessageFrame[]; hasMore: boolean };
      assert.deepEqual(page.messages.map((m) => `${m.seq}:${m.content}`), ['2:are you there? ✓', '3:from a script', '4:two words']);
      assert.equal(page.hasMore, true);
      const historyText = await cli.run(['history', id]);
      assert.match(historyText.stdout, new RegExp(`#1 ${bob.username}: hello cli\\n.*#4 ${name}: two words\\n$`, 's'));

      const chat = await cli.run(['chat', id, '--limit', '2'], 'line one\nline two\n/quit\n');
      ok(chat, 'chat from a pipe');
      assert.match(chat.stdout, /#3 .*: from a script\n.*#4 .*: two words\n/, 'chat prints the latest history first');
      await eventually(() => assert.deepEqual(bobGot.slice(-2).map((m) => m.content), ['line one', 'line two']));
      await eventually(async () => {
        const after = JSON.parse((await cli.run(['conversations', '--json'])).stdout) as { conversations: Array<{ id: string; unread: number }> };
        assert.equal(after.conversations.find((c) => c.id === id)?.unread, 0, 'chat marked what it showed as read');
      });

      listener.child.kill('SIGTERM');
      assert.equal((await within(listener.done, 10_000, 'listen to exit')).code, 0, 'listen ends cleanly on SIGTERM');
      ok(await cli.run(['logout']), 'logout');
      const gone = await cli.run(['conversations']);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /Not logged in\. Run `parley-cli login <username>`/);
    });
  }

  it('a wrong password is exit 1 with the server’s reason; a bad command line is exit 2', async () => {
    const cli = cliUser(join(configRoot, 'wrong'));
    const bob = await newUser(server.url, 'bobby');
    bob.client.close();
    const wrong = await cli.run(['login', bob.username, '--password-stdin', '--server', server.url], 'not the password\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^parley-cli: .+\(/);
    assert.equal((await cli.run(['send'])).code, 2);
  });
});
