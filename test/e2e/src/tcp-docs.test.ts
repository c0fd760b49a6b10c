import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TcpServerFrame, compile, encodeTcpFrame } from '@parley/protocol';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';

/**
 * docs/PROTOCOL.md "TCP" cannot rot: its Python example is run against a started node, its byte dumps are
 * checked against the codec, and its `printf` one-liner is run and its bytes sent to the server.
 */
const run = promisify(execFile);
const PROTOCOL_MD = new URL('../../../docs/PROTOCOL.md', import.meta.url);
const tcpFrame = compile(TcpServerFrame);

/** The "## TCP" section of PROTOCOL.md. */
async function tcpSection(): Promise<string> {
  const doc = await readFile(PROTOCOL_MD, 'utf8');
  const start = doc.indexOf('\n## TCP\n');
  assert.ok(start >= 0, 'PROTOCOL.md has a "## TCP" section');
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The fenced blocks of a language, in order. */
function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** The bytes of a `hexdump -C` listing. */
function hexdumpBytes(dump: string): Uint8Array {
  const bytes: number[] = [];
  for (const line of dump.split('\n')) {
    const m = /^[0-9a-f]{8} {2}((?:[0-9a-f]{2} {1,2})*[0-9a-f]{2})?/.exec(line);
    if (m?.[1])
      bytes.push(
        ...m[1]
          .trim()
          .split(/\s+/)
          .map((h) => parseInt(h, 16)),
      );
  }
  return Uint8Array.from(bytes);
}

/** Output lines `<- {json}` as frames. */
function printedFrames(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('<- '))
    .map((l) => JSON.parse(l.slice(3)) as Record<string, unknown>);
}

describe('PROTOCOL.md, TCP: the worked example is reproducible', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it('the Python script registers, authenticates over TCP, sends, and prints ready and the ack, as the document shows', async () => {
    const section = await tcpSection();
    const [script] = blocks(section, 'python');
    assert.ok(script, 'the section has a python block');
    const dir = await mkdtemp(join(tmpdir(), 'parley-doc-'));
    const file = join(dir, 'parley_tcp.py');
    await writeFile(file, script);
    const { stdout } = await run(
      'python3',
      [file, '127.0.0.1', String(server.port), String(server.tcpPort)],
      { timeout: 30_000 },
    );
    await removeDataDir(dir);
    const frames = printedFrames(stdout);
    for (const f of frames)
      assert.ok(
        tcpFrame.check(f),
        `${JSON.stringify(f)} breaks the schema at ${tcpFrame.lastError?.instancePath}`,
      );
    assert.equal(frames[0]?.type, 'ready', stdout);
    assert.match((frames[0]?.user as { username: string }).username, /^py\d+$/);
    const ack = frames.at(-1);
    assert.deepEqual(
      [ack?.type, ack?.conversation, ack?.clientMsgId, ack?.seq],
      ['ack', 'r.lobby', 'py-1', 1],
      stdout,
    );
    assert.deepEqual(
      frames.filter((f) => f.type === 'error' || f.type === 'close'),
      [],
      stdout,
    );

    // The output pasted in the document has the same shape.
    const shown = blocks(section, 'text')
      .map(printedFrames)
      .find((f) => f.length > 0);
    assert.ok(shown, "the document shows the script's output");
    for (const f of shown)
      assert.ok(tcpFrame.check(f), `documented output ${JSON.stringify(f)} breaks the schema`);
    assert.deepEqual(
      [shown[0]?.type, shown.at(-1)?.type, shown.at(-1)?.clientMsgId],
      ['ready', 'ack', 'py-1'],
    );
  });

  it("each byte dump is the codec's encoding of the frame it is captioned with", async () => {
    const section = await tcpSection();
    // A caption: `{"type":...}`, N (`0xNN`) bytes ... then a ```text hexdump.
    const captioned = [
      ...section.matchAll(
        /`(\{"type":[^`]*\})`, (\d+) \(`0x([0-9a-f]+)`\) bytes[^\n]*\n\n```text\n([\s\S]*?)```/g,
      ),
    ];
    assert.equal(captioned.length, 3, 'ping, auth and send are dumped');
    for (const [, json, decimal, hex, dump] of captioned) {
      const expected = encodeTcpFrame(json!);
      assert.equal(Number(decimal), expected.length - 4, `${json}: the stated length`);
      assert.equal(parseInt(hex!, 16), expected.length - 4, `${json}: the stated hex length`);
      assert.deepEqual(hexdumpBytes(dump!), expected, `${json}: the dump`);
      JSON.parse(json!);
    }
  });

  it('the printf one-liner writes a ping frame, and the server answers with the documented pong bytes', async () => {
    const section = await tcpSection();
    const line = blocks(section, 'sh')
      .map((b) => /^(printf '[^']*')/m.exec(b)?.[1])
      .find(Boolean);
    assert.ok(line, 'the section has a printf one-liner');
    const { stdout } = await run('sh', ['-c', line], { encoding: 'buffer' });
    assert.deepEqual(new Uint8Array(stdout), encodeTcpFrame('{"type":"ping"}'));

    // What nc would do: send those bytes, read the answer; it is the dump the document shows after it.
    const pong = encodeTcpFrame('{"type":"pong"}');
    const socket = connect({ host: '127.0.0.1', port: server.tcpPort! });
    const received: Buffer[] = [];
    const answered = new Promise<void>((resolve) =>
      socket.on('data', (d: Buffer) => {
        received.push(d);
        if (Buffer.concat(received).length >= pong.length) resolve();
      }),
    );
    await within(
      new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject)),
      5000,
      'connect',
    );
    socket.write(stdout);
    await within(answered, 5000, 'the pong frame');
    socket.end();
    assert.deepEqual(new Uint8Array(Buffer.concat(received)), pong);
    const afterNc = section.slice(section.indexOf(line));
    const [dump] = blocks(afterNc, 'text');
    assert.deepEqual(hexdumpBytes(dump!), pong, 'the document shows the pong frame the server sends');
  });
});
