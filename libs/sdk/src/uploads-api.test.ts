import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ParleyClient } from './parley-client.js';
import type { ParleyClientError } from './http-api.js';
import { uploadTestServer, type Fault } from './upload-test-server.js';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 251);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fast = { attempts: 4, minDelayMs: 1, maxDelayMs: 5 };

async function setup(t: { after: (fn: () => Promise<void>) => void }, chunkBytes = 4) {
  const server = await uploadTestServer({ chunkBytes });
  t.after(() => server.close());
  const client = new ParleyClient({ url: server.url });
  client.useToken('tok');
  return { server, client };
}

/** Each PUT as "offset:bytes". */
const puts = (server: Awaited<ReturnType<typeof uploadTestServer>>) =>
  server.requests.filter((r) => r.method === 'PUT').map((r) => `${new URL(r.path, 'http://x').searchParams.get('offset')}:${r.length}`);

test('upload sends the bytes in chunks of the server chunkBytes, reports progress, and completes', async (t) => {
  const { server, client } = await setup(t);
  const data = bytes(10);
  const progress: Array<[number, number]> = [];
  const created: string[] = [];
  const result = await client.uploads.upload(data, { kind: 'image', name: 'cat.png', mime: 'image/png', onProgress: (s, n) => progress.push([s, n]), onUpload: (u) => created.push(u.id) });
  assert.deepEqual(result, { attachment: { id: sha256(data), kind: 'image', mime: 'application/octet-stream', size: 10, name: 'cat.png' }, ref: 'ref.up_1', refExpiresAt: 43_200_000 });
  assert.deepEqual(created, ['up_1']);
  assert.deepEqual(progress, [[0, 10], [4, 10], [8, 10], [10, 10]]);
  assert.deepEqual(puts(server), ['0:4', '4:4', '8:2']);
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.path.split('?')[0], r.contentType, r.auth]),
    [
      ['POST', '/v1/uploads', 'application/json', 'Bearer tok'],
      ['PUT', '/v1/uploads/up_1', 'application/octet-stream', 'Bearer tok'],
      ['PUT', '/v1/uploads/up_1', 'application/octet-stream', 'Bearer tok'],
      ['PUT', '/v1/uploads/up_1', 'application/octet-stream', 'Bearer tok'],
      ['POST', '/v1/uploads/up_1/complete', undefined, 'Bearer tok'],
    ],
  );
  assert.deepEqual(server.bytes('up_1'), Buffer.from(data));
});

test('a Blob is sent slice by slice, as a browser would', async (t) => {
  const { server, client } = await setup(t, 3);
  const data = bytes(8);
  const result = await client.uploads.upload(new Blob([data]), { kind: 'file', name: 'notes.bin' });
  assert.equal(result.attachment.id, sha256(data));
  assert.deepEqual(puts(server), ['0:3', '3:3', '6:2']);
  assert.deepEqual(server.bytes('up_1'), Buffer.from(data));
});

test('after a dropped connection the upload asks the server where it is and goes on from there', async (t) => {
  const { server, client } = await setup(t);
  // The second chunk is stored but its answer is lost; the third is dropped before it is taken.
  const faults = new Map<number, Fault>([[4, 'drop-after'], [8, 'drop']]);
  server.fault = (what, offset) => {
    if (what !== 'put') return undefined;
    const f = faults.get(offset);
    faults.delete(offset);
    return f;
  };
  const data = bytes(10);
  const progress: number[] = [];
  const result = await client.uploads.upload(data, { kind: 'file', name: 'a.bin', onProgress: (s) => progress.push(s), retry: fast });
  assert.equal(result.attachment.id, sha256(data));
  assert.deepEqual(server.bytes('up_1'), Buffer.from(data), 'no chunk twice, none skipped');
  assert.deepEqual(
    server.requests.filter((r) => r.method !== 'POST').map((r) => `${r.method} ${r.path}`),
    ['PUT /v1/uploads/up_1?offset=0', 'PUT /v1/uploads/up_1?offset=4', 'GET /v1/uploads/up_1', 'PUT /v1/uploads/up_1?offset=8', 'GET /v1/uploads/up_1', 'PUT /v1/uploads/up_1?offset=8'],
  );
  assert.deepEqual(progress, [0, 4, 8, 10], "the lost answer's chunk counts once the server says it holds it");
});

test('an offset_mismatch goes on from the offset the server names', async (t) => {
  const { server, client } = await setup(t);
  const data = bytes(10);
  let moved = false;
  server.fault = (what) => {
    // Before the first chunk arrives, another try (another tab) has already put the first 8 bytes there.
    if (what === 'put' && !moved) {
      moved = true;
      const u = server.uploads.get('up_1')!;
      u.parts.push(Buffer.from(data.subarray(0, 8)));
      u.offset = 8;
    }
    return undefined;
  };
  const result = await client.uploads.upload(data, { kind: 'file', name: 'a.bin', retry: fast });
  assert.equal(result.attachment.id, sha256(data));
  assert.deepEqual(puts(server), ['0:4', '8:2']);
});

test('resume goes on with an earlier upload from the server offset', async (t) => {
  const { server, client } = await setup(t);
  const data = bytes(10);
  const stop = new AbortController();
  const first = client.uploads.upload(data, { kind: 'voice', name: 'memo.ogg', signal: stop.signal, onProgress: (s) => s >= 4 && stop.abort() });
  await assert.rejects(first, (e: ParleyClientError) => e.code === 'aborted' && e.details?.['upload'] === 'up_1');
  assert.equal(server.uploads.get('up_1')?.offset, 4, 'stopped after one chunk');

  const progress: number[] = [];
  const result = await client.uploads.upload(data, { kind: 'voice', name: 'memo.ogg', resume: 'up_1', onProgress: (s) => progress.push(s) });
  assert.equal(result.attachment.id, sha256(data));
  assert.deepEqual(progress, [4, 8, 10]);
  assert.deepEqual(puts(server), ['0:4', '4:4', '8:2']);
  assert.equal(server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/uploads').length, 1, 'no second upload made');

  await assert.rejects(client.uploads.upload(bytes(9), { kind: 'voice', name: 'memo.ogg', resume: 'up_1' }), (e: ParleyClientError) => e.code === 'bad_request', 'other bytes are refused');
});

test('a chunk that keeps failing gives up after the tries allowed', async (t) => {
  const { server, client } = await setup(t);
  server.fault = (what, offset) => (what === 'put' && offset === 4 ? 'fail' : undefined);
  await assert.rejects(client.uploads.upload(bytes(10), { kind: 'file', name: 'a.bin', retry: fast }), (e: ParleyClientError) => e.code === 'internal' && e.status === 500);
  assert.deepEqual(puts(server), ['0:4', '4:4', '4:4', '4:4', '4:4'], 'one try and three more');
});

test('a lost completion is asked again (completing is idempotent)', async (t) => {
  const { server, client } = await setup(t);
  let dropped = false;
  server.fault = (what) => (what === 'complete' && !dropped ? ((dropped = true), 'drop-after') : undefined);
  const data = bytes(5);
  const result = await client.uploads.upload(data, { kind: 'file', name: 'a.bin', retry: fast });
  assert.equal(result.attachment.id, sha256(data));
  assert.equal(server.requests.filter((r) => r.path.endsWith('/complete')).length, 2);
});

test('a refusal rejects at once with its code and details', async (t) => {
  const { server, client } = await setup(t);
  await assert.rejects(client.uploads.upload(bytes(1001), { kind: 'image', name: 'big.png', retry: fast }), (e: ParleyClientError) => e.code === 'payload_too_large' && e.status === 413 && e.details?.['limit'] === 1000);
  assert.equal(server.requests.length, 1);
});

test('cancel stops a chunk in flight, and deletes the upload', async (t) => {
  const { server, client } = await setup(t);
  server.fault = (what) => (what === 'put' ? 'slow' : undefined);
  const stop = new AbortController();
  let id = '';
  const upload = client.uploads.upload(bytes(10), { kind: 'video', name: 'clip.mp4', signal: stop.signal, onUpload: (u) => (id = u.id) });
  for (let i = 0; i < 100 && !server.requests.some((r) => r.method === 'PUT'); i++) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await assert.rejects(upload, (e: ParleyClientError) => e.code === 'aborted' && e.details?.['upload'] === id);
  assert.equal((await client.uploads.status(id)).offset, 4, 'the chunk in flight landed; nothing after it');
  await new Promise((r) => setTimeout(r, 350));
  assert.deepEqual(puts(server), ['0:4']);
  await client.uploads.cancel(id);
  assert.equal(server.requests.at(-1)?.method, 'DELETE');
  await assert.rejects(client.uploads.status(id), (e: ParleyClientError) => e.code === 'not_found' && e.status === 404);
});

test('attachmentUrl answers an absolute URL for the variant asked', async (t) => {
  const { server, client } = await setup(t);
  const original = await client.attachmentUrl('g.x', 7);
  const thumb = await client.attachmentUrl('g.x', 7, 'thumbnail');
  assert.equal(original.url, `${server.url}/v1/files/${'a'.repeat(64)}?v=original&e=99&sig=s`);
  assert.equal(thumb.url, `${server.url}/v1/files/${'a'.repeat(64)}?v=thumbnail&e=99&sig=s`);
  assert.equal(original.expiresAt, 99);
  assert.deepEqual(
    server.requests.map((r) => r.path),
    ['/v1/conversations/g.x/messages/7/attachment?variant=original', '/v1/conversations/g.x/messages/7/attachment?variant=thumbnail'],
  );
});
