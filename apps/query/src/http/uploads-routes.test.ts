import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import sharp from 'sharp';
import type { Attachment, UploadCompleted, UploadView } from '@parley/protocol';
import { mp4, wav } from '@parley/media/testing';
import { openUploadWorld, TEST_LIMITS, type Answer, type UploadWorld } from '../test-upload-world.js';

// The upload and download routes over the real store (PGlite) and a real LocalBlobStore: every answer,
// every code, and what is left in the blob store after each.

const GROUP = 'g.01JD3T0ZK8V5N2R4Q6W9YB1HCE';
const CHUNK = TEST_LIMITS.chunkBytes;
let w: UploadWorld;
let png: Buffer;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  w = await openUploadWorld(['alice', 'bob', 'carol', 'dave', 'erin']);
  const { alice, bob, dave } = w.users;
  await w.project(GROUP, alice!, { type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: alice!.userId, members: [alice!, bob!, dave!] });
  // seq 1: a message with no file.
  await w.project(GROUP, alice!, { type: 'MessageSent', id: 'm-hello', senderId: alice!.userId, senderName: 'alice', clientMsgId: 'k-hello', kind: 'text', content: 'hello' });
  // Random pixels: a PNG of several chunks.
  png = await sharp(randomBytes(120 * 80 * 3), { raw: { width: 120, height: 80, channels: 3 } }).png().toBuffer();
  assert.ok(png.byteLength > 3 * CHUNK, `the PNG is ${png.byteLength} bytes`);
});
after(() => w.close());

const create = (as: string, body: Record<string, unknown>) => w.call('POST', '/v1/uploads', { as, json: body });
const put = (as: string, id: string, offset: number, bytes: Uint8Array) => w.call('PUT', `/v1/uploads/${id}?offset=${offset}`, { as, bytes });
const complete = (as: string, id: string) => w.call('POST', `/v1/uploads/${id}/complete`, { as });

/** Starts an upload of `bytes` and sends every chunk; answers its id. */
async function sendAll(as: string, kind: string, name: string, bytes: Uint8Array): Promise<string> {
  const created = await create(as, { kind, name, size: bytes.byteLength });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body['id']);
  for (let at = 0; at < bytes.byteLength; at += CHUNK) {
    const answer = await put(as, id, at, bytes.subarray(at, at + CHUNK));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  return id;
}

async function uploaded(as: string, kind: string, name: string, bytes: Uint8Array): Promise<UploadCompleted> {
  const answer = await complete(as, await sendAll(as, kind, name, bytes));
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as unknown as UploadCompleted;
}

/** Sends `attachment` as a message of its kind from `as` into GROUP; answers its seq. */
function sendMessage(as: string, attachment: Attachment): Promise<number> {
  const who = w.users[as]!;
  return w.project(GROUP, who, { type: 'MessageSent', id: `m${Math.random()}`, senderId: who.userId, senderName: who.username, clientMsgId: `k${Math.random()}`, kind: attachment.kind, content: `[${attachment.kind}] ${attachment.name}`, body: JSON.stringify({ attachment }) });
}

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks);
}

const urlOf = async (as: string, seq: number, variant?: string): Promise<Answer> =>
  w.call('GET', `/v1/conversations/${GROUP}/messages/${seq}/attachment${variant ? `?variant=${variant}` : ''}`, { as });

test('a PNG in chunks: created, resumable by GET, completed with its size and a WebP thumbnail; the chunks go, the file and thumbnail stay', async () => {
  const before = await w.blobList();
  const created = await create('alice', { kind: 'image', name: 'harbour.png', size: png.byteLength, mime: 'image/png' });
  assert.equal(created.status, 201);
  const view = created.body as unknown as UploadView;
  assert.match(view.id, /^up_[0-9A-Z]{26}$/);
  assert.deepEqual({ ...view, id: '', expiresAt: 0 }, { id: '', kind: 'image', name: 'harbour.png', size: png.byteLength, offset: 0, chunkBytes: CHUNK, complete: false, expiresAt: 0 });
  assert.ok(Math.abs(view.expiresAt - (Date.now() + TEST_LIMITS.ttlSeconds * 1000)) < 5000);
  const first = await put('alice', view.id, 0, png.subarray(0, CHUNK));
  assert.equal(first.status, 200);
  assert.equal(first.body['offset'], CHUNK);
  const read = await w.call('GET', `/v1/uploads/${view.id}`, { as: 'alice' });
  assert.equal(read.status, 200);
  assert.equal(read.body['offset'], CHUNK);
  for (let at = CHUNK; at < png.byteLength; at += CHUNK) assert.equal((await put('alice', view.id, at, png.subarray(at, at + CHUNK))).status, 200);
  assert.equal((await w.blobList()).length - before.length, Math.ceil(png.byteLength / CHUNK), 'a blob per chunk');

  const done = await complete('alice', view.id);
  assert.equal(done.status, 201, JSON.stringify(done.body));
  const { attachment, ref, refExpiresAt } = done.body as unknown as UploadCompleted;
  assert.equal(attachment.id, sha256(png));
  assert.deepEqual({ ...attachment, thumbnail: undefined }, { id: sha256(png), kind: 'image', mime: 'image/png', size: png.byteLength, name: 'harbour.png', width: 120, height: 80, thumbnail: undefined });
  assert.deepEqual({ ...attachment.thumbnail, id: '', size: 0 }, { id: '', mime: 'image/webp', width: 120, height: 80, size: 0 });
  const thumb = await w.blobs.get(attachment.thumbnail!.id);
  assert.ok(thumb);
  const thumbBytes = await bytesOf(thumb.body);
  assert.equal(thumbBytes.byteLength, attachment.thumbnail!.size);
  const meta = await sharp(thumbBytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 120, 80]);
  assert.deepEqual(w.deps.attachments.verifyRef(ref, 'ualice', Date.now()), attachment);
  assert.ok(Math.abs(refExpiresAt - (Date.now() + (TEST_LIMITS.ttlSeconds * 1000) / 2)) < 5000);
  assert.deepEqual(await w.blobList(), [...before, attachment.id, attachment.thumbnail!.id].sort(), 'the chunks are gone');

  const again = await complete('alice', view.id);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body['attachment'], attachment);
  assert.deepEqual(w.deps.attachments.verifyRef(String(again.body['ref']), 'ualice', Date.now()), attachment);
  assert.equal((await w.call('GET', `/v1/uploads/${view.id}`, { as: 'alice' })).body['complete'], true);
  assert.equal((await put('alice', view.id, png.byteLength, new Uint8Array(1))).body.error?.code, 'conflict');
});

test('an upload is its owner\'s: another user gets 404 for it', async () => {
  const id = String((await create('alice', { kind: 'file', name: 'a.bin', size: 10 })).body['id']);
  for (const [method, path] of [['GET', `/v1/uploads/${id}`], ['POST', `/v1/uploads/${id}/complete`], ['DELETE', `/v1/uploads/${id}`]] as const) {
    assert.equal((await w.call(method, path, { as: 'bob' })).status, 404, `${method} ${path}`);
  }
  assert.equal((await put('bob', id, 0, new Uint8Array(10))).status, 404);
  assert.equal((await w.call('GET', `/v1/uploads/${id}`)).status, 401, 'no token');
  assert.equal((await w.call('GET', '/v1/uploads/up_nope', { as: 'alice' })).body.error?.details?.['field'], 'id');
});

test('a chunk at the wrong offset is 409 offset_mismatch naming the offset; the client resumes from it', async () => {
  const bytes = randomBytes(CHUNK * 2 + 100);
  const id = String((await create('alice', { kind: 'file', name: 'data.bin', size: bytes.byteLength })).body['id']);
  assert.equal((await put('alice', id, 0, bytes.subarray(0, CHUNK))).status, 200);
  const stale = await put('alice', id, 0, bytes.subarray(0, CHUNK)); // sent again after a lost answer
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error?.code, 'offset_mismatch');
  assert.deepEqual(stale.body.error?.details, { offset: CHUNK });
  const ahead = await put('alice', id, CHUNK * 2, bytes.subarray(CHUNK * 2));
  assert.deepEqual([ahead.status, ahead.body.error?.details], [409, { offset: CHUNK }]);
  const offset = Number((await w.call('GET', `/v1/uploads/${id}`, { as: 'alice' })).body['offset']);
  for (let at = offset; at < bytes.byteLength; at += CHUNK) assert.equal((await put('alice', id, at, bytes.subarray(at, at + CHUNK))).status, 200);
  const done = await complete('alice', id);
  assert.equal(done.status, 201);
  assert.deepEqual({ ...(done.body['attachment'] as object) }, { id: sha256(bytes), kind: 'file', mime: 'application/octet-stream', size: bytes.byteLength, name: 'data.bin' });
});

test('two chunks at one offset at once: one counts, the other is offset_mismatch, and its blob does not stay', async () => {
  const before = await w.blobList();
  const [a, b] = [randomBytes(CHUNK), randomBytes(CHUNK)];
  const id = String((await create('alice', { kind: 'file', name: 'race.bin', size: CHUNK * 2 })).body['id']);
  const answers = await Promise.all([put('alice', id, 0, a), put('alice', id, 0, b)]);
  assert.deepEqual(answers.map((x) => x.status).sort(), [200, 409]);
  assert.equal(answers.find((x) => x.status === 409)?.body.error?.code, 'offset_mismatch');
  const won = answers[0]!.status === 200 ? a : b;
  assert.deepEqual(await w.blobList(), [...before, sha256(won)].sort());
  await w.call('DELETE', `/v1/uploads/${id}`, { as: 'alice' });
});

test('a completion that loses its parts to a completion at the same time answers that one\'s attachment', async () => {
  const id = await sendAll('alice', 'image', 'twice.png', png);
  // The first completion's first blob read waits until the second completion is done (and has deleted the parts).
  const get = w.blobs.get.bind(w.blobs);
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reads = 0;
  w.blobs.get = async (blob, range) => {
    if (++reads === 1) await gate;
    return get(blob, range);
  };
  try {
    const first = complete('alice', id);
    while (reads === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await complete('alice', id);
    assert.equal(second.status, 201);
    release();
    const late = await first;
    assert.equal(late.status, 201, JSON.stringify(late.body));
    assert.deepEqual(late.body['attachment'], second.body['attachment']);
  } finally {
    w.blobs.get = get;
    release();
  }
  await w.call('DELETE', `/v1/uploads/${id}`, { as: 'alice' });
});

test('a chunk over chunkBytes is stopped while it streams (413, the request still open), and nothing is recorded', async () => {
  const id = String((await create('alice', { kind: 'file', name: 'big.bin', size: 40_000 })).body['id']);
  const blobsBefore = await w.blobList();
  // Chunked transfer, no Content-Length: the server learns the size only by reading. The request is
  // left open after CHUNK + 1 bytes: an answer now is one given while streaming.
  const answer = await new Promise<{ status: number; body: { error?: { code: string; details?: unknown } } }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: w.port, method: 'PUT', path: `/v1/uploads/${id}?offset=0`, headers: { authorization: `Bearer ${w.token('alice')}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) });
      });
    });
    req.on('error', reject);
    req.write(randomBytes(CHUNK));
    req.write(randomBytes(1));
  });
  assert.equal(answer.status, 413);
  assert.equal(answer.body.error?.code, 'payload_too_large');
  assert.deepEqual(answer.body.error?.details, { limit: CHUNK });
  const after = await w.call('GET', `/v1/uploads/${id}`, { as: 'alice' });
  assert.equal(after.body['offset'], 0);
  assert.deepEqual(await w.blobList(), blobsBefore, 'no blob stored');
});

test('a chunk past the declared size is 413 (told by Content-Length before reading); an empty chunk 400; not octet-stream 415', async () => {
  const id = String((await create('alice', { kind: 'file', name: 'small.bin', size: 100 })).body['id']);
  const over = await put('alice', id, 0, randomBytes(101));
  assert.deepEqual([over.status, over.body.error?.code, over.body.error?.details], [413, 'payload_too_large', { limit: 100 }]);
  assert.equal((await put('alice', id, 0, new Uint8Array(0))).status, 400);
  const text = await w.call('PUT', `/v1/uploads/${id}?offset=0`, { as: 'alice', bytes: randomBytes(10), headers: { 'content-type': 'text/plain' } });
  assert.deepEqual([text.status, text.body.error?.code], [415, 'unsupported_media_type']);
  const noOffset = await w.call('PUT', `/v1/uploads/${id}`, { as: 'alice', bytes: randomBytes(10) });
  assert.deepEqual([noOffset.status, noOffset.body.error?.details?.['field']], [400, 'offset']);
  assert.equal((await w.call('GET', `/v1/uploads/${id}`, { as: 'alice' })).body['offset'], 0);
  // With every byte there, a chunk of unknown length (chunked, no Content-Length) is past the size too.
  assert.equal((await put('alice', id, 0, randomBytes(100))).status, 200);
  const past = await w.call('PUT', `/v1/uploads/${id}?offset=100`, { as: 'alice', bytes: randomBytes(5), chunked: true });
  assert.deepEqual([past.status, past.body.error?.code, past.body.error?.details], [413, 'payload_too_large', { limit: 0 }]);
});

test('completing before every byte is there is 409 upload_incomplete', async () => {
  const id = String((await create('alice', { kind: 'file', name: 'half.bin', size: 100 })).body['id']);
  await put('alice', id, 0, randomBytes(50));
  const answer = await complete('alice', id);
  assert.deepEqual([answer.status, answer.body.error?.code, answer.body.error?.details], [409, 'upload_incomplete', { offset: 50, size: 100 }]);
});

test('a text file completed as an image is 415 type_mismatch; the upload and its chunks are deleted', async () => {
  const before = await w.blobList();
  const text = Buffer.from('These are my notes, not a picture.\n'.repeat(500));
  const id = await sendAll('alice', 'image', 'notes.png', text);
  const answer = await complete('alice', id);
  assert.deepEqual([answer.status, answer.body.error?.code, answer.body.error?.details], [415, 'type_mismatch', { mime: 'application/octet-stream' }]);
  assert.equal((await w.call('GET', `/v1/uploads/${id}`, { as: 'alice' })).status, 404);
  assert.deepEqual(await w.blobList(), before);
  // A PNG declared as a voice recording is refused the same way.
  const wrongKind = await complete('alice', await sendAll('alice', 'voice', 'memo.wav', png));
  assert.deepEqual([wrongKind.status, wrongKind.body.error?.code], [415, 'type_mismatch']);
  // A PNG cut short: its signature says PNG, its bytes do not decode; the answer names the type found.
  const cut = await complete('alice', await sendAll('alice', 'image', 'cut.png', png.subarray(0, 60)));
  assert.deepEqual([cut.status, cut.body.error?.code, cut.body.error?.details], [415, 'type_mismatch', { mime: 'image/png' }]);
});

test('voice and video: a WAV\'s duration, an MP4\'s duration and size', async () => {
  const voice = await uploaded('alice', 'voice', 'memo.wav', wav(1500));
  assert.deepEqual({ ...voice.attachment, id: '' }, { id: '', kind: 'voice', mime: 'audio/wav', size: wav(1500).byteLength, name: 'memo.wav', durationMs: 1500 });
  const clip = mp4({ durationMs: 2500, width: 640, height: 360, mdatBytes: 20_000 });
  const video = await uploaded('alice', 'video', 'clip.mp4', clip);
  assert.deepEqual({ ...video.attachment, id: '' }, { id: '', kind: 'video', mime: 'video/mp4', size: clip.byteLength, name: 'clip.mp4', durationMs: 2500, width: 640, height: 360 });
});

test('sizes: over the kind\'s limit is 413 payload_too_large with the limit; over the quota 413 quota_exceeded', async () => {
  const big = await create('erin', { kind: 'image', name: 'huge.png', size: TEST_LIMITS.maxBytes.image + 1 });
  assert.deepEqual([big.status, big.body.error?.code, big.body.error?.details?.['limit']], [413, 'payload_too_large', TEST_LIMITS.maxBytes.image]);
  // Open uploads count their declared size: 9 x 100 kB + 2 x 50 kB is the quota of 1 MB exactly.
  for (let i = 0; i < 9; i++) assert.equal((await create('erin', { kind: 'video', name: 'v.mp4', size: 100_000 })).status, 201);
  assert.equal((await create('erin', { kind: 'file', name: 'a.bin', size: 50_000 })).status, 201);
  assert.equal((await create('erin', { kind: 'file', name: 'b.bin', size: 50_000 })).status, 201);
  const both = await create('erin', { kind: 'image', name: 'huge.png', size: TEST_LIMITS.maxBytes.image + 1 });
  assert.equal(both.body.error?.code, 'quota_exceeded', 'over the quota and the kind limit: the quota is named');
  const over = await create('erin', { kind: 'file', name: 'one-more.bin', size: 1 });
  assert.deepEqual([over.status, over.body.error?.code, over.body.error?.details], [413, 'quota_exceeded', { limit: TEST_LIMITS.quotaBytes, used: TEST_LIMITS.quotaBytes }]);
  const bad = await create('erin', { kind: 'sticker', name: 'x', size: 1 });
  assert.equal(bad.status, 400);
  const badName = await create('erin', { kind: 'file', name: 'a\u0000b', size: 1 });
  assert.equal(badName.body.error?.code, 'invalid_text');
  // A file name is a name: no control characters either.
  for (const name of ['a\nb.txt', 'a\u0001b', 'del\u007f', 'c1\u0085']) {
    const refused = await create('erin', { kind: 'file', name, size: 1 });
    assert.deepEqual([refused.status, refused.body.error?.code, refused.body.error?.details?.['field']], [400, 'invalid_text', 'name'], JSON.stringify(name));
  }
  const extra = await create('erin', { kind: 'file', name: 'x', size: 1, extra: 1 });
  assert.deepEqual([extra.status, extra.body.error?.code, extra.body.error?.details?.['field']], [400, 'bad_request', 'extra'], 'an undeclared field is named');
});

test('DELETE forgets an open upload and its chunks', async () => {
  const before = await w.blobList();
  const id = String((await create('alice', { kind: 'file', name: 'gone.bin', size: 20_000 })).body['id']);
  await put('alice', id, 0, randomBytes(CHUNK));
  assert.equal((await w.call('DELETE', `/v1/uploads/${id}`, { as: 'alice' })).status, 204);
  assert.equal((await w.call('GET', `/v1/uploads/${id}`, { as: 'alice' })).status, 404);
  assert.deepEqual(await w.blobList(), before);
});

test('DELETE of a sent file is 409 conflict while a message uses it; after the recall it goes', async () => {
  const bytes = randomBytes(CHUNK + 10);
  const id = await sendAll('alice', 'file', 'kept.bin', bytes);
  const done = await complete('alice', id);
  const attachment = (done.body as unknown as UploadCompleted).attachment;
  const seq = await sendMessage('alice', attachment);
  const refused = await w.call('DELETE', `/v1/uploads/${id}`, { as: 'alice' });
  assert.deepEqual([refused.status, refused.body.error?.code], [409, 'conflict']);
  // The same bytes uploaded by someone else: that upload is theirs to delete; whose messages carry the bytes is none of theirs.
  const bobsId = await sendAll('bob', 'file', 'same.bin', bytes);
  assert.equal(((await complete('bob', bobsId)).body as unknown as UploadCompleted).attachment.id, attachment.id);
  assert.equal((await w.call('DELETE', `/v1/uploads/${bobsId}`, { as: 'bob' })).status, 204);
  assert.equal(await w.blobs.size(attachment.id), bytes.length, "the file stays: alice's message uses it");
  assert.equal((await w.call('GET', `/v1/uploads/${id}`, { as: 'alice' })).status, 200, 'the row stays, and counts against the quota');
  const alice = w.users['alice']!;
  await w.project(GROUP, alice, { type: 'MessageRecalled', target: seq });
  assert.equal((await w.call('DELETE', `/v1/uploads/${id}`, { as: 'alice' })).status, 204);
  assert.equal(await w.blobs.size(attachment.id), undefined, 'the recalled file is gone');
});

test('download: a member gets a signed URL; it serves the file and the thumbnail with their headers, Range and HEAD', async () => {
  const { attachment } = await uploaded('alice', 'image', 'harbour.png', png);
  const seq = await sendMessage('alice', attachment);
  const answer = await urlOf('bob', seq);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const url = String(answer.body['url']);
  assert.ok(url.startsWith(`/v1/files/${attachment.id}?`), url);
  const expiresAt = Number(answer.body['expiresAt']);
  assert.ok(Math.abs(expiresAt - (Date.now() + TEST_LIMITS.urlTtlSeconds * 1000)) < 2000);
  assert.equal(new URL(url, 'http://x').searchParams.get('e'), String(expiresAt / 1000));

  const file = await w.call('GET', url);
  assert.equal(file.status, 200);
  assert.ok(file.bytes.equals(png));
  assert.equal(file.headers['content-type'], 'image/png');
  assert.equal(file.headers['content-length'], String(png.byteLength));
  assert.equal(file.headers['accept-ranges'], 'bytes');
  assert.equal(file.headers['etag'], `"${attachment.id}"`);
  assert.match(String(file.headers['cache-control']), /^private, max-age=(29\d|300)$/);
  assert.equal(file.headers['x-content-type-options'], 'nosniff');
  assert.equal(file.headers['content-security-policy'], "default-src 'none'; sandbox");
  assert.equal(file.headers['content-disposition'], "inline; filename*=UTF-8''harbour.png");

  const part = await w.call('GET', url, { headers: { range: 'bytes=10-19' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 10-19/${png.byteLength}`);
  assert.ok(part.bytes.equals(png.subarray(10, 20)));
  const tail = await w.call('GET', url, { headers: { range: 'bytes=-5' } });
  assert.deepEqual([tail.status, tail.headers['content-range']], [206, `bytes ${png.byteLength - 5}-${png.byteLength - 1}/${png.byteLength}`]);
  assert.ok(tail.bytes.equals(png.subarray(-5)));
  const from = await w.call('GET', url, { headers: { range: `bytes=${png.byteLength - 3}-` } });
  assert.ok(from.bytes.equals(png.subarray(-3)));
  for (const range of [`bytes=${png.byteLength}-`, 'bytes=5-1', 'bytes=0-1,4-5', 'pages=1-2']) {
    const refused = await w.call('GET', url, { headers: { range } });
    assert.deepEqual([refused.status, refused.body.error?.code, refused.headers['content-range']], [416, 'bad_request', `bytes */${png.byteLength}`], range);
  }
  const head = await w.call('HEAD', url);
  assert.deepEqual([head.status, head.headers['content-length'], head.bytes.byteLength], [200, String(png.byteLength), 0]);
  // Validators: the ETag held answers 304; an If-Range for another copy gets the whole file.
  const held = await w.call('GET', url, { headers: { 'if-none-match': `"${attachment.id}"` } });
  assert.deepEqual([held.status, held.bytes.byteLength, held.headers['etag']], [304, 0, `"${attachment.id}"`]);
  assert.equal((await w.call('GET', url, { headers: { 'if-none-match': '"other"' } })).status, 200);
  const stale = await w.call('GET', url, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
  assert.deepEqual([stale.status, stale.bytes.byteLength], [200, png.byteLength]);
  const current = await w.call('GET', url, { headers: { range: 'bytes=0-9', 'if-range': `"${attachment.id}"` } });
  assert.deepEqual([current.status, current.bytes.byteLength], [206, 10]);

  const thumbUrl = String((await urlOf('bob', seq, 'thumbnail')).body['url']);
  assert.ok(thumbUrl.startsWith(`/v1/files/${attachment.thumbnail!.id}?`));
  const thumb = await w.call('GET', thumbUrl);
  assert.deepEqual([thumb.status, thumb.headers['content-type'], thumb.bytes.byteLength], [200, 'image/webp', attachment.thumbnail!.size]);
  assert.equal(thumb.headers['content-disposition'], "inline; filename*=UTF-8''harbour.thumbnail.webp");
  // The original's URL does not serve the thumbnail's blob, nor the other way round.
  const swapped = url.replace(attachment.id, attachment.thumbnail!.id);
  assert.equal((await w.call('GET', swapped)).body.error?.code, 'invalid_signature');
});

test('download: a file (kind file) is served as an attachment, octet-stream, its name encoded', async () => {
  const text = Buffer.from('<html><script>alert(1)</script></html>');
  const { attachment } = await uploaded('alice', 'file', 'résumé (1).html', text);
  const seq = await sendMessage('alice', attachment);
  const file = await w.call('GET', String((await urlOf('alice', seq)).body['url']));
  assert.equal(file.status, 200);
  assert.equal(file.headers['content-type'], 'application/octet-stream');
  assert.equal(file.headers['content-disposition'], "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.html");
  assert.equal((await urlOf('alice', seq, 'thumbnail')).status, 404, 'a file has no thumbnail');
});

test('download URLs: altered 403 invalid_signature, expired 403 url_expired', async () => {
  const { attachment } = await uploaded('alice', 'image', 'harbour.png', png);
  const seq = await sendMessage('alice', attachment);
  const url = new URL(String((await urlOf('alice', seq)).body['url']), 'http://x');
  for (const [name, value] of [['u', 'ubob'], ['s', String(seq + 1)], ['e', String(Number(url.searchParams.get('e')) + 60)], ['v', 't'], ['sig', 'x'.repeat(43)]] as const) {
    const altered = new URL(url);
    altered.searchParams.set(name, value);
    const answer = await w.call('GET', `${altered.pathname}${altered.search}`);
    assert.deepEqual([answer.status, answer.body.error?.code], [403, 'invalid_signature'], name);
  }
  const missing = new URL(url);
  missing.searchParams.delete('sig');
  assert.equal((await w.call('GET', `${missing.pathname}${missing.search}`)).body.error?.code, 'invalid_signature');
  const old = w.deps.attachments.signUrl({ blob: attachment.id, conversation: GROUP, seq, userId: 'ualice', variant: 'original', expiresAtMs: Date.now() - 1000 });
  const expired = await w.call('GET', `/v1/files/${attachment.id}?${old}`);
  assert.deepEqual([expired.status, expired.body.error?.code], [403, 'url_expired']);
});

test('who may download: not a member 403 (URL route) and 404 (a URL made out to them); a former member up to their departure', async () => {
  const { attachment } = await uploaded('alice', 'image', 'early.png', png);
  const early = await sendMessage('alice', attachment);
  const carol = await urlOf('carol', early);
  assert.deepEqual([carol.status, carol.body.error?.code], [403, 'not_member']);
  const forCarol = w.deps.attachments.signUrl({ blob: attachment.id, conversation: GROUP, seq: early, userId: 'ucarol', variant: 'original', expiresAtMs: Date.now() + 60_000 });
  assert.deepEqual([(await w.call('GET', `/v1/files/${attachment.id}?${forCarol}`)).status], [404]);

  const daveUrl = String((await urlOf('dave', early)).body['url']);
  assert.equal((await w.call('GET', daveUrl)).status, 200);
  const dave = w.users['dave']!;
  await w.project(GROUP, dave, { type: 'MemberLeft', userId: dave.userId, username: dave.username });
  await w.project(GROUP, dave, { type: 'MessageSent', id: `left${early}`, senderId: dave.userId, senderName: dave.username, clientMsgId: `left${early}`, kind: 'system', content: JSON.stringify({ event: 'left', actor: { id: dave.userId, username: dave.username } }) });
  const late = await sendMessage('alice', attachment);
  assert.equal((await urlOf('dave', early)).status, 200, 'what was sent before they left');
  assert.deepEqual([(await urlOf('dave', late)).status, (await urlOf('dave', late)).body.error?.code], [404, 'not_found']);
  const forDave = w.deps.attachments.signUrl({ blob: attachment.id, conversation: GROUP, seq: late, userId: dave.userId, variant: 'original', expiresAtMs: Date.now() + 60_000 });
  assert.equal((await w.call('GET', `/v1/files/${attachment.id}?${forDave}`)).status, 404);
  assert.equal((await urlOf('bob', 999)).status, 404, 'no such message');
  assert.equal((await urlOf('bob', 1)).body.error?.code, 'not_found', 'a message with no file');
});

test('a recalled message: its URL route is 410 recalled, and a URL made before answers 404', async () => {
  const { attachment } = await uploaded('alice', 'image', 'oops.png', png);
  const seq = await sendMessage('alice', attachment);
  const url = String((await urlOf('bob', seq)).body['url']);
  assert.equal((await w.call('GET', url)).status, 200);
  const alice = w.users['alice']!;
  await w.project(GROUP, alice, { type: 'MessageSent', id: `r${seq}`, senderId: alice.userId, senderName: alice.username, clientMsgId: `r${seq}`, kind: 'system', content: JSON.stringify({ event: 'recalled', message: seq, actor: { id: alice.userId, username: alice.username } }) });
  await w.project(GROUP, alice, { type: 'MessageRecalled', target: seq });
  const answer = await urlOf('bob', seq);
  assert.deepEqual([answer.status, answer.body.error?.code], [410, 'recalled']);
  assert.deepEqual([(await w.call('GET', url)).status, (await w.call('GET', url)).body.error?.code], [404, 'not_found']);
});

test('a file missing from the blob store is a plain JSON 404, not a file\'s headers', async () => {
  const bytes = randomBytes(300);
  const { attachment } = await uploaded('alice', 'file', 'lost.bin', bytes);
  const seq = await sendMessage('alice', attachment);
  const url = String((await urlOf('alice', seq)).body['url']);
  await w.blobs.delete(attachment.id);
  for (const method of ['GET', 'HEAD']) {
    const answer = await w.call(method, url);
    assert.equal(answer.status, 404, method);
    assert.match(String(answer.headers['content-type']), /^application\/json/, method);
    assert.equal(answer.headers['content-disposition'], undefined, method);
  }
});

test('methods the routes do not serve are 405 with Allow', async () => {
  const answer = await w.call('PATCH', '/v1/uploads', { as: 'alice' });
  assert.deepEqual([answer.status, answer.headers['allow']], [405, 'POST']);
  assert.equal((await w.call('POST', `/v1/files/${'a'.repeat(64)}`)).headers['allow'], 'GET, HEAD');
  const notABlob = await w.call('GET', '/v1/files/ABC?c=x');
  assert.deepEqual([notABlob.status, notABlob.body.error?.details?.['field']], [400, 'blob']);
});
