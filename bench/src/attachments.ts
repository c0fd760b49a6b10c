#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { png } from '@parley/test-infra';
import { percentiles } from './percentiles.js';
import { sampleProcesses } from './process-stats.js';
import { startDistributed, startSingle, type Target } from './targets.js';
import { httpSteps } from './http-steps.js';

// `node bench/dist/attachments.js [--mode single|distributed] [--mib 64] [--images 20]`: what moving files
// costs. One file of --mib MiB goes up in the server's chunks (MB/s), is completed (hashing and type
// detection: ms), sent by its ref over the WebSocket, and downloaded by the other member whole (MB/s) and
// in 1 MiB ranges (ms); then --images PNGs of 2000x1500 are uploaded and completed one at a time (the
// thumbnail and size: ms). The server's CPU and peak resident memory over the run are sampled from /proc.
// One JSON report on stdout.

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'single' }, mib: { type: 'string', default: '64' }, images: { type: 'string', default: '20' } } });
const mib = Number(values.mib);
const images = Number(values.images);
if (!Number.isInteger(mib) || mib < 1 || mib > 2048) throw new Error('--mib must be an integer from 1 to 2048');
if (!Number.isInteger(images) || images < 0 || images > 1000) throw new Error('--images must be an integer from 0 to 1000');
if (values.mode !== 'single' && values.mode !== 'distributed') throw new Error('--mode is single or distributed');

const env = { PARLEY_UPLOAD_MAX_FILE_BYTES: String(Math.max(mib, 100) * 1024 * 1024), PARLEY_UPLOAD_QUOTA_BYTES: String(64 * 1024 * 1024 * 1024) };
const target: Target = values.mode === 'single' ? await startSingle({ fsync: 'always', tcp: false, env }) : await startDistributed({ gateway: 1, ingest: 1, fanout: 1, query: 1 }, 4, false, env);
const { call, signUp, timed } = httpSteps(target);
const stats = sampleProcesses(() => target.processes.map((p) => p.pid));
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Uploads `bytes` as `kind` chunk by chunk; answers the completion and the seconds the chunks took. */
async function upload(token: string, kind: string, name: string, bytes: Buffer): Promise<{ ref: string; attachment: { id: string }; seconds: number; completeMs: number }> {
  const up = await call('POST', '/uploads', token, { kind, name, size: bytes.length });
  const chunk = up['chunkBytes'] as number;
  const t = performance.now();
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    const res = await fetch(`${target.httpUrl}/v1/uploads/${String(up['id'])}?offset=${offset}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: bytes.subarray(offset, offset + chunk),
    });
    if (res.status !== 200) throw new Error(`chunk at ${offset}: ${res.status} ${await res.text()}`);
  }
  const seconds = (performance.now() - t) / 1000;
  const c = performance.now();
  const done = await call('POST', `/uploads/${String(up['id'])}/complete`, token);
  return { ref: done['ref'] as string, attachment: done['attachment'] as { id: string }, seconds, completeMs: performance.now() - c };
}

/** Sends one message over a WebSocket of the target and waits for its ack; answers its seq. */
async function send(token: string, conversation: string, frame: Record<string, unknown>): Promise<number> {
  const ws = new WebSocket(target.wsUrls[0]!);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const frames: Record<string, unknown>[] = [];
    const next = (match: (f: Record<string, unknown>) => boolean) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const found = frames.find(match);
        if (found) return resolve(found);
        ws.on('message', (data) => {
          const f = JSON.parse(String(data)) as Record<string, unknown>;
          if (match(f)) resolve(f);
        });
      });
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    ws.send(JSON.stringify({ type: 'auth', token }));
    await next((f) => f['type'] === 'ready');
    ws.send(JSON.stringify({ type: 'send', conversation, clientMsgId: `b${Date.now()}`, ...frame }));
    const answer = await next((f) => f['type'] === 'ack' || f['type'] === 'error');
    if (answer['type'] !== 'ack') throw new Error(`send: ${JSON.stringify(answer)}`);
    return answer['seq'] as number;
  } finally {
    ws.close();
  }
}

try {
  const suffix = Date.now().toString(36);
  const [alice, bob] = [await signUp(`at${suffix}a`), await signUp(`at${suffix}b`)];
  const group = ((await call('POST', '/groups', alice.token, { name: 'Files', members: [bob.name] }))['conversation'] as { id: string }).id;

  const file = randomBytes(mib * 1024 * 1024);
  const up = await upload(alice.token, 'file', 'big.bin', file);
  const seq = await send(alice.token, group, { kind: 'file', content: '[File] big.bin', body: { attachment: up.ref } });
  const url = `${target.httpUrl}${String((await call('GET', `/conversations/${group}/messages/${seq}/attachment`, bob.token))['url'])}`;
  const d = performance.now();
  const whole = await fetch(url);
  let received = 0;
  for await (const piece of whole.body!) received += (piece as Uint8Array).byteLength;
  const downloadSeconds = (performance.now() - d) / 1000;
  if (received !== file.length) throw new Error(`downloaded ${received} of ${file.length} bytes`);
  const ranges: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = Math.floor(Math.random() * (file.length - 1_048_576));
    await timed(ranges, async () => {
      const res = await fetch(url, { headers: { range: `bytes=${start}-${start + 1_048_575}` } });
      if (res.status !== 206 || (await res.arrayBuffer()).byteLength !== 1_048_576) throw new Error(`range: ${res.status}`);
    });
  }

  const imageMs: number[] = [];
  for (let i = 0; i < images; i++) {
    const picture = png(2000, 1500, i + 1);
    imageMs.push((await upload(alice.token, 'image', `p${i}.png`, picture)).completeMs);
  }
  const server = stats.stop();
  const ms = (xs: number[]) => Object.fromEntries(Object.entries(percentiles(xs)).map(([k, v]) => [k, round(v)]));
  process.stdout.write(
    `${JSON.stringify({
      mode: values.mode,
      date: new Date().toISOString(),
      file: { mib, uploadMBps: round(mib / up.seconds), completeMs: round(up.completeMs), downloadMBps: round(mib / downloadSeconds), range1MiBMs: ms(ranges) },
      images: { n: images, pixels: '2000x1500', completeMs: ms(imageMs) },
      server: { cpuSeconds: round(server.cpuSeconds), rssMbMax: round(server.rssMbMax) },
    })}\n`,
  );
} finally {
  await target.stop();
}
