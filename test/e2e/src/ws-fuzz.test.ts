import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import fc from 'fast-check';
import { ERROR_CODES } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { CloseCodes, ServerFrame, WS_ERROR_CODES, compile } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { inbox, newUser } from './clients.js';
import { mutatedFrames, validFrames, wildString } from './fuzz-values.js';

/**
 * A fuzzing client and well-behaved clients share a conversation on a running single node. The fuzzer's
 * frames are seeded (the same on every run) and bounded in number and time; whatever it sends, the server
 * answers with documented error codes and close codes, stays up, and the good sender loses nothing.
 */
const SEED = 8_2024;
const FUZZ_FRAMES = 300;
const GOOD_SENDS = 30;
const DEADLINE_MS = 30_000;
/** Pause between fuzz frames: about 300 frames/s, under the per-connection frame limit set below. */
const PACE_MS = 3;

const documentedCloseCodes = new Set<number>(Object.values(CloseCodes));
const serverFrame = compile(ServerFrame);


/** Frames for the fuzzer: random text and JSON, and valid frames of this conversation, mutated. */
function fuzzFrames(conversation: string, token: string): string[] {
  const valid = validFrames(conversation, token);
  const mutated = mutatedFrames(valid);
  const frame = fc.oneof(
    { weight: 1, arbitrary: wildString },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 6, arbitrary: mutated },
  );
  return fc.sample(frame, { seed: SEED, numRuns: FUZZ_FRAMES });
}

interface Fuzzer {
  ws: WebSocket;
  frames: Array<Record<string, unknown>>;
  closes: number[];
  ready: Promise<void>;
}

function connectFuzzer(url: string, token: string, into: Pick<Fuzzer, 'frames' | 'closes'>): Fuzzer {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`);
  ws.on('message', (data) => into.frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  ws.on('close', (code) => into.closes.push(code));
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.once('error', reject);
    const onReady = (data: WebSocket.RawData) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'ready') {
        ws.off('message', onReady);
        resolve();
      }
    };
    ws.on('message', onReady);
  });
  return { ws, ...into, ready };
}

describe('a fuzzing client cannot hurt the server or the other clients', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ env: { PARLEY_FRAMES_PER_SECOND: '1000' } });
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('seeded random and mutated frames get documented error codes while a good sender is acked and delivered in order', async () => {
    const good = await newUser(server.url, 'good');
    const fuzz = await newUser(server.url, 'fuzz');
    const watcher = await newUser(server.url, 'watch');
    const group = await good.client.createGroup('fuzzed', [fuzz.username, watcher.username]);
    const watched = inbox(watcher.client);
    await good.client.connect();
    await watcher.client.connect();
    const token = (await fuzz.client.login(fuzz.username, 'correct horse battery')).token;

    const seen = { frames: [] as Array<Record<string, unknown>>, closes: [] as number[] };
    let fuzzer = connectFuzzer(server.url, token, seen);
    await fuzzer.ready;
    const frames = fuzzFrames(group.id, token);
    // The bug this guards against: a seq past the Avro long limit was accepted and failed as `internal`.
    frames.splice(FUZZ_FRAMES / 2, 0, JSON.stringify({ type: 'read', conversation: group.id, seq: 2 ** 53 - 1 }));

    const sent: string[] = [];
    const acks: Array<Promise<{ seq: number }>> = [];
    const deadline = Date.now() + DEADLINE_MS;
    for (const [i, text] of frames.entries()) {
      assert.ok(Date.now() < deadline, 'the fuzz run took too long');
      if (fuzzer.ws.readyState === WebSocket.CLOSED) {
        // 50 errors in a row close the connection (4004): a documented outcome; reconnect and go on.
        fuzzer = connectFuzzer(server.url, token, seen);
        await fuzzer.ready;
      }
      if (fuzzer.ws.readyState === WebSocket.OPEN) fuzzer.ws.send(text);
      if (i % Math.floor(frames.length / GOOD_SENDS) === 0 && sent.length < GOOD_SENDS) {
        const content = `good ${sent.length}`;
        sent.push(content);
        acks.push(good.client.send(group.id, content));
      }
      await new Promise((r) => setTimeout(r, PACE_MS));
    }

    const acked = await Promise.all(acks);
    assert.equal(acked.length, GOOD_SENDS);
    const goodSeqs = acked.map((a) => a.seq);
    assert.deepEqual(goodSeqs, [...goodSeqs].sort((a, b) => a - b), 'the good sends are stored in the order sent');

    await eventually(() => {
      const mine = watched.filter((m) => m.conversation === group.id);
      assert.ok(goodSeqs.every((s) => mine.some((m) => m.seq === s)), 'every good message reaches the watcher');
    });
    const delivered = watched.filter((m) => m.conversation === group.id);
    assert.deepEqual(
      delivered.map((m) => m.seq),
      delivered.map((_, i) => i + 1),
      'the watcher sees the conversation in order with dense seqs (the fuzzer\'s valid sends included)',
    );
    assert.deepEqual(
      delivered.filter((m) => m.sender.username === good.username).map((m) => m.content),
      sent,
    );

    // Let the last answers arrive, then hold every frame the fuzzer got to the published schema.
    fuzzer.ws.send(JSON.stringify({ type: 'ping', id: 'last' }));
    await eventually(() => assert.ok(seen.frames.some((f) => f.type === 'pong' && f.id === 'last')));
    const errors = seen.frames.filter((f) => f.type === 'error');
    assert.ok(errors.length > FUZZ_FRAMES / 3, `only ${errors.length} error frames: is the fuzzer sending garbage?`);
    for (const f of seen.frames) assert.ok(serverFrame.check(f), `${JSON.stringify(f).slice(0, 200)} breaks the schema at ${serverFrame.lastError?.instancePath}`);
    const codes = new Set(errors.map((e) => e.code as string));
    for (const code of codes) assert.ok((WS_ERROR_CODES as readonly string[]).includes(code), `undocumented error code ${code}`);
    for (const code of WS_ERROR_CODES) assert.ok((ERROR_CODES as readonly string[]).includes(code), `${code} is not in @parley/core's ERROR_CODES`);
    assert.ok(!codes.has('internal'), 'no frame made the server fail');
    for (const expected of ['invalid_json', 'invalid_frame', 'invalid_text']) assert.ok(codes.has(expected), `the fuzz run never produced ${expected}`);
    for (const code of seen.closes) assert.ok(documentedCloseCodes.has(code), `closed with undocumented code ${code}`);

    assert.equal(server.process.exitCode, null, 'the server process is alive');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    fuzzer.ws.close();
    good.client.close();
    watcher.client.close();
  });
});
