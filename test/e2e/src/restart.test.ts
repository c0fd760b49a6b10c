import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '@parley/core/conformance';
import type { Ack, ParleyClient } from '@parley/sdk';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { inbox, newClient, newUser } from './clients.js';

const PASSWORD = 'correct horse battery';
let server: RunningServer | undefined;
after(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

async function seqs(client: ParleyClient, conversation: string): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const page = await client.history(conversation, { after: out.at(-1) ?? 0, limit: 200 });
    out.push(...page.messages.map((m) => m.seq));
    if (!page.hasMore) return out;
  }
}

const logged = (s: RunningServer, msg: string): Array<Record<string, unknown>> =>
  s.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === msg);

it('a restart with snapshots, without them (nor the log checkpoint), and with damaged ones loses nothing: a client resumes an old conversation and the next send follows on', async (t) => {
  // Snapshots every 20 events, so that the restarts have some to load (or to refuse); a dedupe window of
  // 20 ids, shorter than the conversation, so that a fresh client's sends must not be refused for it.
  const env = { PARLEY_SNAPSHOT_EVERY: '20', PARLEY_DEDUPE_WINDOW: '20' };
  server = await startServer({ env });
  const dataDir = server.dataDir;
  const a = await newUser(server.url, 'rsa');
  const b = await newUser(server.url, 'rsb');
  const c = await newUser(server.url, 'rsc');
  t.after(() => [a, b, c].forEach((u) => u.client.close()));
  await a.client.connect();
  const old = await a.client.openDirect(b.username);
  const busy = await a.client.openDirect(c.username);
  const firstAcks: Ack[] = [];
  for (let i = 0; i < 60; i++) firstAcks.push(await a.client.send(old.id, `old ${i}`, { clientMsgId: `old-${i}` }));
  for (let i = 0; i < 40; i++) await a.client.send(busy.id, `busy ${i}`, { clientMsgId: `busy-${i}` });
  let last = 60;
  let previous = { clientMsgId: 'old-59', seq: firstAcks[59]!.seq };
  a.client.close();

  for (const variant of ['with snapshots', 'without snapshots or checkpoint', 'with damaged snapshots and checkpoint'] as const) {
    await server.stop();
    const logDir = join(dataDir, 'log');
    const snapshots = (await readdir(join(logDir, 'snapshots'))).filter((n) => n.endsWith('.snap'));
    if (variant === 'with snapshots') assert.ok(snapshots.some((n) => n.startsWith('ingest.')) && snapshots.some((n) => n.startsWith('fanout.')), `snapshots written: ${snapshots.join()}`);
    if (variant === 'without snapshots or checkpoint') {
      await rm(join(logDir, 'snapshots'), { recursive: true });
      await rm(join(logDir, 'index.checkpoint'));
    }
    if (variant === 'with damaged snapshots and checkpoint') {
      for (const name of snapshots) {
        const bytes = await readFile(join(logDir, 'snapshots', name));
        bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0x55, bytes.length >> 1);
        await writeFile(join(logDir, 'snapshots', name), bytes);
      }
      await writeFile(join(logDir, 'index.checkpoint'), 'not a checkpoint');
    }
    server = await startServer({ dataDir, env });
    const rebuilt = logged(server, 'ingest partitions rebuilt')[0];
    if (variant === 'with snapshots') assert.ok(Number(rebuilt?.['fromSnapshots']) > 0, `${variant}: ${JSON.stringify(rebuilt)}`);
    else assert.equal(rebuilt?.['fromSnapshots'], 0, `${variant}: ${JSON.stringify(rebuilt)}`);
    if (variant === 'with damaged snapshots and checkpoint') {
      assert.ok(logged(server, 'log checkpoint not used, replaying the whole journal').length > 0, variant);
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; notices: Array<{ last: { detail: string } }> };
      assert.equal(health.status, 'ok');
      assert.ok(health.notices.some((n) => /not used, folding the partition from the log/.test(n.last.detail)), `${variant}: ${JSON.stringify(health.notices)}`);
    }

    // b resumes the old conversation from ten messages back: exactly those ten, in order.
    const resumed = newClient(server.url, { [old.id]: last - 10 });
    t.after(() => resumed.close());
    await resumed.login(b.username, PASSWORD);
    const got = inbox(resumed);
    await resumed.connect();
    await eventually(() => assert.deepEqual(got.filter((m) => m.conversation === old.id).map((m) => m.seq), Array.from({ length: 10 }, (_, i) => last - 9 + i)), 20_000);

    // a's next send, from a client that has seen nothing of the conversation, follows on; a re-send of the
    // message sent before the restart is recognised as the same one.
    const sender = newClient(server.url);
    t.after(() => sender.close());
    await sender.login(a.username, PASSWORD);
    await sender.connect();
    const next = await sender.send(old.id, `after a restart ${variant}`, { clientMsgId: `restart-${variant.length}` });
    assert.equal(next.seq, ++last, variant);
    const again = await sender.send(old.id, 'again', { clientMsgId: previous.clientMsgId });
    assert.equal(again.seq, previous.seq, `${variant}: a duplicate, not a new message`);
    previous = { clientMsgId: `restart-${variant.length}`, seq: next.seq };
    assert.deepEqual(await seqs(sender, old.id), Array.from({ length: last }, (_, i) => i + 1), variant);
    assert.deepEqual(await seqs(sender, busy.id), Array.from({ length: 40 }, (_, i) => i + 1), variant);
    await eventually(() => assert.equal(got.filter((m) => m.conversation === old.id).at(-1)?.seq, last), 20_000);
    resumed.close();
    sender.close();
  }
});
