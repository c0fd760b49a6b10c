import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@parley/core/conformance';
import type { Ack } from '@parley/sdk';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import { inbox, newUser } from './clients.js';
import { freePort } from '@parley/test-infra';


let server: RunningServer | undefined;
after(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

it('SIGKILL in the middle of a conversation loses no acknowledged message, and clients resume without gaps or duplicates', async (t) => {
  const port = await freePort();
  const env = { PORT: String(port) };
  server = await startServer({ env });
  const a = await newUser(server.url, 'crash');
  const b = await newUser(server.url, 'watch');
  const bGot = inbox(b.client);
  // Also on failure: a client left open keeps reconnecting and the test file never ends.
  t.after(() => {
    a.client.close();
    b.client.close();
  });
  await a.client.connect();
  await b.client.connect();
  const conv = await a.client.openDirect(b.username);

  const total = 300;
  /** The crash comes right when this many sends are acknowledged: in the middle of the conversation. */
  const killAfter = 60;
  const acked: Ack[] = [];
  const failed: string[] = [];
  const crashed = server;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => crashed.process.once('exit', (code, signal) => resolve({ code, signal })));
  let ackedAtKill: number | undefined;
  const sending = (async () => {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < total; i++) {
      const p = a.client.send(conv.id, `n${i}`, { clientMsgId: `crash-${i}` }).then(
        (ack) => {
          acked.push(ack);
          if (acked.length === killAfter) {
            ackedAtKill = acked.length;
            void crashed.kill(); // sends SIGKILL now, synchronously; `exited` below says how it ended
          }
        },
        (error: Error) => void failed.push(`${i}: ${error.message}`),
      );
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= 16) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  })();

  const exit = await within(exited, 30_000, 'exit of the server (SIGKILL at the ack that reaches killAfter)');
  assert.deepEqual(exit, { code: null, signal: 'SIGKILL' }, 'the server died of SIGKILL, not a clean or failed exit');
  assert.equal(ackedAtKill, killAfter);
  const ackedBeforeCrash = acked.map((x) => ({ ...x }));
  assert.ok(ackedBeforeCrash.length >= killAfter && ackedBeforeCrash.length < total, `the crash came mid-conversation (${ackedBeforeCrash.length} of ${total} acked)`);
  server = await startServer({ dataDir: crashed.dataDir, env });
  await sending;

  assert.deepEqual(failed, [], 'the SDK re-sends across the restart; nothing fails');
  assert.equal(acked.length, total);
  // Every message acknowledged before the crash keeps its id and seq after it.
  const history = [];
  for (let after = 0; ; ) {
    const page = await a.client.history(conv.id, { after, limit: 200 });
    history.push(...page.messages);
    if (!page.hasMore) break;
    after = page.messages.at(-1)!.seq;
  }
  assert.deepEqual(history.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1), 'dense seqs 1..N');
  const byClientId = new Map(history.map((m) => [m.clientMsgId, m]));
  assert.equal(byClientId.size, total, 'each clientMsgId stored exactly once');
  for (const ack of ackedBeforeCrash) {
    const stored = byClientId.get(ack.clientMsgId);
    assert.equal(stored?.id, ack.id);
    assert.equal(stored?.seq, ack.seq);
  }
  for (let i = 0; i < total; i++) assert.ok(byClientId.has(`crash-${i}`), `crash-${i} stored`);
  // The watcher reconnected by itself and has every message once, in order.
  await eventually(() => assert.deepEqual(bGot.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1)), 30_000);
});
