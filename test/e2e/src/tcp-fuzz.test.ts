import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { eventually } from '@parley/core/conformance';
import {
  CloseCodes,
  TcpServerFrame,
  WS_ERROR_CODES,
  compile,
  encodeTcpFrame,
} from '@parley/protocol';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import { connectRawTcp } from './raw-tcp.js';
import { inbox, newUser } from './clients.js';
import { mutatedFrames, validFrames, wildString } from './fuzz-values.js';

/**
 * ws-fuzz.test.ts over the raw TCP port: a fuzzing TCP client shares a conversation with well-behaved
 * clients on both transports. Its frames are seeded and bounded in number and time, written in random
 * chunks (a frame split anywhere, several frames in one write), and a few break the framing itself. The
 * server answers only with documented error codes, ends a connection only with a final `close` frame
 * carrying a documented code, stays up, and the good clients lose nothing and see one order.
 */
const SEED = 9_2026;
const FUZZ_FRAMES = 300;
const GOOD_SENDS = 30;
const DEADLINE_MS = 30_000;
/** Default frame limit: min(1 MiB, max(65536, 6 x 16384 + 1024)). */
const MAX_FRAME_BYTES = 99_328;

const documentedCloseCodes = new Set<number>(Object.values(CloseCodes));
const tcpFrame = compile(TcpServerFrame);
type Frame = Record<string, unknown>;


/** What the fuzzer writes: a frame's bytes, or bytes that break the framing (and so end the connection). */
type FuzzItem = { kind: 'frame'; bytes: Uint8Array } | { kind: 'break'; bytes: Uint8Array; expect: number };

function fuzzItems(conversation: string, token: string): FuzzItem[] {
  const valid = validFrames(conversation, token);
  const mutated = mutatedFrames(valid);
  const text = fc.oneof(
    { weight: 1, arbitrary: wildString.filter((s) => s.length > 0) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 6, arbitrary: mutated },
  );
  /** Raw payload bytes that are not always UTF-8 (a TCP payload, unlike a WebSocket text frame, can be anything). */
  const rawPayload = fc.uint8Array({ minLength: 1, maxLength: 40 });
  const prefix = (length: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, length, false);
    return b;
  };
  const item: fc.Arbitrary<FuzzItem> = fc.oneof(
    { weight: 90, arbitrary: text.map((t) => ({ kind: 'frame' as const, bytes: encodeTcpFrame(t) })) },
    {
      weight: 7,
      arbitrary: rawPayload.map((p) => ({
        kind: 'frame' as const,
        bytes: new Uint8Array([...prefix(p.length), ...p]),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .integer({ min: MAX_FRAME_BYTES + 1, max: 0xffffffff })
        .map((n) => ({ kind: 'break' as const, bytes: prefix(n), expect: CloseCodes.messageTooBig })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ kind: 'break' as const, bytes: prefix(0), expect: CloseCodes.protocolAbuse }),
    },
  );
  return fc.sample(item, { seed: SEED, numRuns: FUZZ_FRAMES });
}

interface TcpConn {
  socket: Socket;
  frames: Frame[];
  /** The socket closed, and whether this side ended it. */
  ended: Promise<void>;
  isOpen(): boolean;
}

/** A raw TCP connection that records every frame into `into`, and the `close` frame (or its absence) of every end. */
async function openTcp(
  port: number,
  into: { frames: Frame[]; ends: Array<{ closeCode: number | undefined }> },
): Promise<TcpConn> {
  const mine: Frame[] = [];
  let open = true;
  const c = await connectRawTcp(port, {
    onFramingError: (error) => into.frames.push({ type: 'framing broken by the server', error }),
    onFrame: (f) => {
      into.frames.push(f);
      mine.push(f);
    },
  });
  const ended = c.ended.then(() => {
    open = false;
    const last = mine.at(-1);
    into.ends.push({ closeCode: last?.type === 'close' ? (last.code as number) : undefined });
  });
  return { socket: c.socket, frames: mine, ended, isOpen: () => open };
}

async function authenticated(
  port: number,
  token: string,
  into: Parameters<typeof openTcp>[1],
): Promise<TcpConn> {
  const c = await openTcp(port, into);
  c.socket.write(encodeTcpFrame(JSON.stringify({ type: 'auth', token })));
  await eventually(() =>
    assert.ok(
      c.frames.some((f) => f.type === 'ready'),
      'ready',
    ),
  );
  return c;
}

/** Writes `bytes` in random chunks (seeded), yielding to the event loop between them so they leave as separate writes. */
async function writeChunked(socket: Socket, bytes: Uint8Array, cuts: number[]): Promise<void> {
  let at = 0;
  for (const cut of cuts) {
    const end = Math.min(bytes.length, at + cut);
    if (end > at) socket.write(bytes.subarray(at, end));
    at = end;
    await new Promise((r) => setImmediate(r));
  }
  if (at < bytes.length) socket.write(bytes.subarray(at));
}

describe('a fuzzing TCP client cannot hurt the server or the other clients', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ env: { PARLEY_FRAMES_PER_SECOND: '1000' } });
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('seeded, randomly chunked, mutated frames get documented errors and closes while good clients on both transports see one order', async () => {
    const port = server.tcpPort;
    assert.ok(port, 'the server has a TCP port');
    const good = await newUser(server.url, 'good');
    const fuzz = await newUser(server.url, 'fuzz');
    const watcher = await newUser(server.url, 'watch');
    const group = await good.client.createGroup('fuzzed', [fuzz.username, watcher.username]);
    const watched = inbox(watcher.client);
    await watcher.client.connect();
    const goodToken = (await good.client.login(good.username, 'correct horse battery')).token;
    const watcherToken = (await watcher.client.login(watcher.username, 'correct horse battery')).token;
    const token = (await fuzz.client.login(fuzz.username, 'correct horse battery')).token;

    // The good sender and a second watcher are TCP clients too; the first watcher is a WebSocket (SDK).
    const goodSide = { frames: [] as Frame[], ends: [] as Array<{ closeCode: number | undefined }> };
    const sender = await authenticated(port, goodToken, goodSide);
    const tcpWatcher = await authenticated(port, watcherToken, goodSide);

    const seen = { frames: [] as Frame[], ends: [] as Array<{ closeCode: number | undefined }> };
    let fuzzer = await authenticated(port, token, seen);
    const items = fuzzItems(group.id, token);
    // The ws-fuzz regression, over TCP: a seq past the Avro long limit must be refused, not fail as `internal`.
    items.splice(FUZZ_FRAMES / 2, 0, {
      kind: 'frame',
      bytes: encodeTcpFrame(JSON.stringify({ type: 'read', conversation: group.id, seq: 2 ** 53 - 1 })),
    });
    const cuts = fc.sample(fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 6 }), {
      seed: SEED + 1,
      numRuns: items.length,
    });

    const sent: string[] = [];
    const breaks: number[] = [];
    let batch: Uint8Array[] = [];
    const deadline = Date.now() + DEADLINE_MS;
    for (const [i, item] of items.entries()) {
      assert.ok(Date.now() < deadline, 'the fuzz run took too long');
      if (!fuzzer.isOpen()) fuzzer = await authenticated(port, token, seen);
      if (item.kind === 'frame') batch.push(item.bytes);
      // Every few items, or before a framing break, the batch goes out as one stream cut at random points.
      if (item.kind === 'break' || batch.length >= 4 || i === items.length - 1) {
        const stream = Uint8Array.from(batch.flatMap((b) => [...b]));
        batch = [];
        await writeChunked(fuzzer.socket, stream, cuts[i] ?? [stream.length]);
      }
      if (item.kind === 'break') {
        // Let the server answer the batch first (it may close the connection for 50 errors in a row, 4004),
        // so the close that follows is the break's own.
        const id = `before-break-${i}`;
        fuzzer.socket.write(encodeTcpFrame(JSON.stringify({ type: 'ping', id })));
        await eventually(
          () => assert.ok(!fuzzer.isOpen() || fuzzer.frames.some((f) => f.type === 'pong' && f.id === id)),
          5000,
        );
        if (!fuzzer.isOpen()) fuzzer = await authenticated(port, token, seen);
        breaks.push(item.expect);
        fuzzer.socket.write(item.bytes);
        await within(fuzzer.ended, 5000, 'the server closing a connection whose framing broke');
        const last = fuzzer.frames.at(-1);
        assert.deepEqual(
          [last?.type, last?.code],
          ['close', item.expect],
          `a broken framing ends with close ${item.expect}`,
        );
      }
      if (i % Math.floor(items.length / GOOD_SENDS) === 0 && sent.length < GOOD_SENDS) {
        const content = `good ${sent.length}`;
        sent.push(content);
        sender.socket.write(
          encodeTcpFrame(
            JSON.stringify({
              type: 'send',
              conversation: group.id,
              clientMsgId: `good-${sent.length}`,
              content,
            }),
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 3));
    }
    assert.ok(breaks.length > 0, 'the run broke the framing at least once');

    // The good sender: an ack per send, in the order sent.
    const acks = () => sender.frames.filter((f) => f.type === 'ack');
    await eventually(() => assert.equal(acks().length, GOOD_SENDS), 15_000);
    assert.deepEqual(
      acks().map((a) => a.clientMsgId),
      sent.map((_, i) => `good-${i + 1}`),
    );
    const goodSeqs = acks().map((a) => a.seq as number);
    assert.deepEqual(
      goodSeqs,
      [...goodSeqs].sort((a, b) => a - b),
      'the good sends are stored in the order sent',
    );

    // Both watchers: every message of the conversation, dense seqs, the same on both transports.
    const tcpWatched = () =>
      tcpWatcher.frames.filter((f) => f.type === 'message' && f.conversation === group.id);
    await eventually(() => {
      for (const seqs of [watched.map((m) => m.seq), tcpWatched().map((m) => m.seq as number)])
        assert.ok(
          goodSeqs.every((s) => seqs.includes(s)),
          'every good message reaches both watchers',
        );
    }, 15_000);
    const ws = watched.filter((m) => m.conversation === group.id);
    assert.deepEqual(
      ws.map((m) => m.seq),
      ws.map((_, i) => i + 1),
      'the WebSocket watcher sees dense seqs in order',
    );
    const last = ws.at(-1)!.seq;
    await eventually(() => assert.ok(tcpWatched().length >= last));
    assert.deepEqual(
      tcpWatched()
        .slice(0, last)
        .map((m) => [m.seq, m.id, m.content]),
      ws.map((m) => [m.seq, m.id, m.content]),
      'the TCP watcher sees the same messages in the same order with the same seqs',
    );
    assert.deepEqual(
      ws.filter((m) => m.sender.username === good.username).map((m) => m.content),
      sent,
    );

    // Let the last answers arrive, then hold every frame to the published schema and the documented codes.
    fuzzer.socket.write(encodeTcpFrame(JSON.stringify({ type: 'ping', id: 'last' })));
    await eventually(() => assert.ok(fuzzer.frames.some((f) => f.type === 'pong' && f.id === 'last')));
    for (const f of [...seen.frames, ...goodSide.frames])
      assert.ok(
        tcpFrame.check(f),
        `${JSON.stringify(f).slice(0, 200)} breaks the schema at ${tcpFrame.lastError?.instancePath}`,
      );
    const errors = seen.frames.filter((f) => f.type === 'error');
    assert.ok(
      errors.length > FUZZ_FRAMES / 3,
      `only ${errors.length} error frames: is the fuzzer sending garbage?`,
    );
    const codes = new Set(errors.map((e) => e.code as string));
    for (const code of codes)
      assert.ok((WS_ERROR_CODES as readonly string[]).includes(code), `undocumented error code ${code}`);
    assert.ok(!codes.has('internal'), 'no frame made the server fail');
    for (const expected of ['invalid_json', 'invalid_frame', 'invalid_text'])
      assert.ok(codes.has(expected), `the fuzz run never produced ${expected}`);
    assert.ok(seen.ends.length >= breaks.length, 'every break ended its connection');
    for (const { closeCode } of seen.ends) {
      assert.notEqual(closeCode, undefined, 'the server closed a connection without a final close frame');
      assert.ok(documentedCloseCodes.has(closeCode!), `closed with undocumented code ${closeCode}`);
    }
    assert.deepEqual(goodSide.ends, [], 'the good TCP clients were never closed');
    assert.deepEqual(
      goodSide.frames.filter((f) => f.type === 'error'),
      [],
      'the good TCP clients got no error',
    );

    assert.equal(server.process.exitCode, null, 'the server process is alive');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    for (const c of [fuzzer, sender, tcpWatcher]) c.socket.end();
    watcher.client.close();
  });
});
