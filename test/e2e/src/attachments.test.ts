/**
 * Attachments on a started single node, through the documented HTTP API and WebSocket frames only
 * (docs/PROTOCOL.md "Attachments"): chunked upload, the image's size and thumbnail found by the server,
 * the send by ref, download by a short-lived URL (whole and by range) for members only, recall stopping
 * it, forwarding sharing it, every refusal with its code, and an upload that resumes after a crash.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Attachment, UploadCompleted, UploadView } from '@parley/protocol';
import { startServer, removeDataDir, within, type RunningServer } from './server.js';
import type { TestUser } from './social-helpers.js';
import { harness, type Message } from './harness.js';
import { png, sha256 } from '@parley/test-infra';

const CHUNK = 65_536;
const MAX_IMAGE = 1_048_576;
const MAX_FILE = 3_145_728;
const QUOTA = 4_194_304;
const env = {
  PARLEY_UPLOAD_CHUNK_BYTES: String(CHUNK),
  PARLEY_UPLOAD_MAX_IMAGE_BYTES: String(MAX_IMAGE),
  PARLEY_UPLOAD_MAX_FILE_BYTES: String(MAX_FILE),
  PARLEY_UPLOAD_QUOTA_BYTES: String(QUOTA),
};

interface Fetched {
  status: number;
  headers: Headers;
  bytes: Buffer;
  code: string | undefined;
}

/** A GET (or HEAD) of `path` with no Authorization header, as an <img src> makes it. */
async function fetchFile(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Fetched> {
  const res = await fetch(new URL(path, base), { method, headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  let code: string | undefined;
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) code = (JSON.parse(bytes.toString()) as { error?: { code?: string } }).error?.code;
  return { status: res.status, headers: res.headers, bytes, code };
}

function uploads(server: () => RunningServer, expect: ReturnType<typeof harness>['expect']) {
  /** One chunk: PUT /v1/uploads/{id}?offset=N with raw bytes. */
  const put = async (u: TestUser, id: string, offset: number, bytes: Uint8Array): Promise<{ status: number; body: { offset?: number; error?: { code: string; details?: { offset?: number } } } }> => {
    const res = await fetch(new URL(`/v1/uploads/${id}?offset=${offset}`, server().url), {
      method: 'PUT',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as BodyInit,
    });
    return { status: res.status, body: (await res.json()) as never };
  };
  const start = async (u: TestUser, kind: string, name: string, size: number): Promise<UploadView> =>
    (await expect(u, 'POST', '/v1/uploads', { kind, name, size }, 201, `start ${name}`)) as UploadView;
  /** Sends `bytes` from the upload's offset on, chunk by chunk. */
  const send = async (u: TestUser, upload: UploadView, bytes: Uint8Array, from = 0, until = bytes.length): Promise<number> => {
    let offset = from;
    while (offset < until) {
      const chunk = bytes.subarray(offset, Math.min(offset + upload.chunkBytes, until));
      const res = await put(u, upload.id, offset, chunk);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.offset, offset + chunk.length);
      offset += chunk.length;
    }
    return offset;
  };
  const complete = async (u: TestUser, id: string): Promise<UploadCompleted> => (await expect(u, 'POST', `/v1/uploads/${id}/complete`, undefined, 201, 'complete')) as UploadCompleted;
  const upload = async (u: TestUser, kind: string, name: string, bytes: Uint8Array): Promise<UploadCompleted> => {
    const up = await start(u, kind, name, bytes.length);
    await send(u, up, bytes);
    return complete(u, up.id);
  };
  return { put, start, send, complete, upload };
}

describe('attachments on a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer({ env });
  });
  after(async () => {
    for (const close of closers) close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const { user, socket, expect, createGroup, history, sent } = harness(() => server, closers);
  const { put, start, send, complete, upload } = uploads(() => server, expect);
  const urlOf = async (u: TestUser, id: string, seq: number, variant = 'original'): Promise<string> =>
    ((await expect(u, 'GET', `/v1/conversations/${id}/messages/${seq}/attachment?variant=${variant}`, undefined, 200, `url of ${variant}`)) as { url: string }).url;

  it('an image goes up in chunks, reaches the other member with its size and thumbnail, downloads whole and by range; a non-member gets nothing', async () => {
    const [alice, bob, carol] = await Promise.all([user('atal'), user('atbob'), user('atcar')]);
    const id = await createGroup(alice, [bob]);
    const [sa, sb] = await Promise.all([socket(alice), socket(bob)]);
    const image = png(640, 480);
    assert.ok(image.length > 3 * CHUNK, `several chunks: ${image.length} bytes`);
    const done = await upload(alice, 'image', 'harbour.png', image);
    const want: Partial<Attachment> = { id: sha256(image), kind: 'image', mime: 'image/png', size: image.length, name: 'harbour.png', width: 640, height: 480 };
    assert.deepEqual({ ...done.attachment, thumbnail: undefined }, { ...want, thumbnail: undefined });
    assert.deepEqual([done.attachment.thumbnail?.mime, done.attachment.thumbnail?.width, done.attachment.thumbnail?.height], ['image/webp', 320, 240]);
    assert.ok(done.refExpiresAt > Date.now());

    const seq = await sent(sa, id, '[Image] harbour.png', { kind: 'image', body: { attachment: done.ref } });
    const live = await sb.next((f) => f['type'] === 'message' && f['conversation'] === id && f['seq'] === seq);
    assert.deepEqual(live['body'], { attachment: done.attachment }, 'the other member receives the file, not the ref');
    const stored = (await history(bob, id)).find((m: Message) => m.seq === seq);
    assert.deepEqual(stored?.body, { attachment: done.attachment });

    const url = await urlOf(bob, id, seq);
    assert.match(url, /^\/v1\/files\/[0-9a-f]{64}\?/);
    const whole = await fetchFile(server.url, url);
    assert.equal(whole.status, 200);
    assert.equal(sha256(whole.bytes), done.attachment.id, 'the same bytes');
    assert.equal(whole.headers.get('content-type'), 'image/png');
    assert.match(whole.headers.get('content-disposition') ?? '', /^inline/);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('x-content-type-options'), 'nosniff');
    const head = await fetchFile(server.url, url, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(image.length));

    const part = await fetchFile(server.url, url, { range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${image.length}`);
    assert.deepEqual(part.bytes, image.subarray(100, 200));
    const tail = await fetchFile(server.url, url, { range: 'bytes=-10' });
    assert.deepEqual([tail.status, tail.bytes], [206, image.subarray(image.length - 10)]);
    assert.equal((await fetchFile(server.url, url, { range: `bytes=${image.length}-` })).status, 416, 'a range past the end');

    const thumb = await fetchFile(server.url, await urlOf(bob, id, seq, 'thumbnail'));
    assert.deepEqual([thumb.status, thumb.headers.get('content-type'), thumb.bytes.length], [200, 'image/webp', done.attachment.thumbnail?.size]);
    assert.equal(sha256(thumb.bytes), done.attachment.thumbnail?.id);

    // Any change to the URL breaks it; a non-member cannot get one.
    const altered = url.replace(/([?&]s=)(\d+)/, (_m, k: string, s: string) => `${k}${Number(s) + 1}`);
    assert.equal((await fetchFile(server.url, altered)).code, 'invalid_signature');
    assert.equal((await fetchFile(server.url, url.replace(/sig=[^&]+/, 'sig=AAAA'))).code, 'invalid_signature');
    assert.equal((await fetchFile(server.url, url.replace(/\/v1\/files\/[0-9a-f]{64}/, `/v1/files/${'0'.repeat(64)}`))).code, 'invalid_signature');
    await expect(carol, 'GET', `/v1/conversations/${id}/messages/${seq}/attachment`, undefined, 'not_member', 'a non-member asks for the URL');
    await expect(bob, 'GET', `/v1/conversations/${id}/messages/${seq}/attachment?variant=poster`, undefined, 'bad_request', 'an unknown variant');
  });

  it('a recall stops serving the file at once; a forward shares it (one blob), and stays served', async () => {
    const [alice, bob, dave] = await Promise.all([user('rcal'), user('rcbob'), user('rcdav')]);
    const id = await createGroup(alice, [bob]);
    const other = await createGroup(bob, [dave]);
    const sa = await socket(alice);
    const done = await upload(alice, 'image', 'gone.png', png(64, 48, 7));
    const seq = await sent(sa, id, 'soon gone', { kind: 'image', body: { attachment: done.ref } });
    const bobsUrl = await urlOf(bob, id, seq);
    assert.equal((await fetchFile(server.url, bobsUrl)).status, 200);

    const forwarded = (await expect(bob, 'POST', `/v1/conversations/${id}/messages/${seq}/forward`, { to: other }, 201, 'forward')) as { message: { seq: number } };
    const copy = (await history(dave, other)).find((m) => m.seq === forwarded.message.seq);
    assert.deepEqual(copy?.body, { attachment: done.attachment }, 'the forward carries the same file');
    assert.equal(copy?.forwarded, true);

    await expect(alice, 'POST', `/v1/conversations/${id}/messages/${seq}/recall`, undefined, 204, 'recall');
    const after = await fetchFile(server.url, bobsUrl);
    assert.deepEqual([after.status, after.code], [404, 'not_found'], 'a URL given before the recall stops working');
    await expect(bob, 'GET', `/v1/conversations/${id}/messages/${seq}/attachment`, undefined, 'recalled', 'no new URL for a recalled message');
    const recalled = (await history(bob, id)).find((m) => m.seq === seq);
    assert.equal(recalled?.body, undefined, 'history no longer describes the file');

    const davesCopy = await fetchFile(server.url, await urlOf(dave, other, forwarded.message.seq));
    assert.equal(davesCopy.status, 200, 'the forwarded copy is its own message');
    assert.equal(sha256(davesCopy.bytes), done.attachment.id);
  });

  it('refuses what does not fit, each with its code, and keeps what was stored', async () => {
    const [alice, bob] = await Promise.all([user('bdal'), user('bdbob')]);
    const id = await createGroup(alice, [bob]);
    const sa = await socket(alice);
    await expect(alice, 'POST', '/v1/uploads', { kind: 'image', name: 'big.png', size: MAX_IMAGE + 1 }, 'payload_too_large', 'over the kind limit');
    await expect(alice, 'POST', '/v1/uploads', { kind: 'image', name: 'empty.png', size: 0 }, 'bad_request', 'zero bytes');
    await expect(alice, 'POST', '/v1/uploads', { kind: 'sticker', name: 'x', size: 10 }, 'bad_request', 'not an attachment kind');

    // Chunks: the offset must match, a chunk over the chunk limit or past the size is stopped, nothing counts.
    const bytes = randomBytes(3 * CHUNK);
    const up = await start(alice, 'file', 'data.bin', bytes.length);
    assert.equal(up.chunkBytes, CHUNK);
    await send(alice, up, bytes, 0, CHUNK);
    const wrong = await put(alice, up.id, 0, bytes.subarray(0, 10));
    assert.deepEqual([wrong.status, wrong.body.error?.code, wrong.body.error?.details?.offset], [409, 'offset_mismatch', CHUNK]);
    const over = await put(alice, up.id, CHUNK, randomBytes(CHUNK + 1));
    assert.deepEqual([over.status, over.body.error?.code], [413, 'payload_too_large'], 'a chunk over the chunk limit');
    assert.equal(((await expect(alice, 'GET', `/v1/uploads/${up.id}`, undefined, 200, 'status')) as UploadView).offset, CHUNK, 'nothing of the refused chunk counts');
    await expect(bob, 'GET', `/v1/uploads/${up.id}`, undefined, 'not_found', "someone else's upload");
    await expect(alice, 'POST', `/v1/uploads/${up.id}/complete`, undefined, 'upload_incomplete', 'completed early (a truncated upload)');
    await send(alice, up, bytes, CHUNK);
    const past = await put(alice, up.id, bytes.length, Buffer.from('x'));
    assert.deepEqual([past.status, past.body.error?.code], [413, 'payload_too_large'], 'a byte past the declared size');
    const file = await complete(alice, up.id);
    assert.deepEqual([file.attachment.kind, file.attachment.mime, file.attachment.size], ['file', 'application/octet-stream', bytes.length]);

    // The bytes decide the type: text is no image, and the upload is gone.
    const text = Buffer.from('plain text, not a picture\n'.repeat(10));
    const fake = await start(alice, 'image', 'fake.png', text.length);
    await send(alice, fake, text);
    await expect(alice, 'POST', `/v1/uploads/${fake.id}/complete`, undefined, 'type_mismatch', 'text uploaded as an image');
    await expect(alice, 'GET', `/v1/uploads/${fake.id}`, undefined, 'not_found', 'a mismatched upload is deleted');

    // Quota: what the user holds (this file) plus what they start.
    await expect(alice, 'POST', '/v1/uploads', { kind: 'file', name: 'more.bin', size: QUOTA - bytes.length + 1 }, 'quota_exceeded', 'past the quota');

    // Refs: forged, someone else's, or of another kind, never reach the log.
    const refused = async (body: unknown, kind: string, why: string): Promise<void> => {
      const answer = await sa.sendMessage(id, 'x', { kind, body });
      assert.deepEqual([answer['type'], answer['code']], ['error', 'invalid_attachment'], `${why}: ${JSON.stringify(answer)}`);
    };
    await refused({ attachment: `${file.ref.slice(0, -2)}AA` }, 'file', 'an altered ref');
    await refused({ attachment: file.ref }, 'image', 'a file sent as an image');
    const bobs = await upload(bob, 'image', 'bob.png', png(8, 8));
    await refused({ attachment: bobs.ref }, 'image', "someone else's upload");
    // A ref outlives nothing: once its upload is deleted, it names bytes that are gone.
    const dropping = await start(alice, 'file', 'dropped.bin', 100);
    await send(alice, dropping, randomBytes(100));
    const dropped = await complete(alice, dropping.id);
    await expect(alice, 'DELETE', `/v1/uploads/${dropping.id}`, undefined, 204, 'delete the unsent upload');
    await refused({ attachment: dropped.ref }, 'file', 'the ref of a deleted upload');
    const wrongShape = await sa.sendMessage(id, 'x', { kind: 'image', body: { attachment: bobs.attachment } });
    assert.equal(wrongShape['code'], 'invalid_frame', 'a description instead of a ref');
    assert.deepEqual((await history(alice, id)).filter((m) => m.content === 'x'), [], 'no refused send was stored');
    const seq = await sent(sa, id, '[File] data.bin', { kind: 'file', body: { attachment: file.ref } });
    const served = await fetchFile(server.url, await urlOf(bob, id, seq));
    assert.deepEqual([served.headers.get('content-type'), sha256(served.bytes)], ['application/octet-stream', file.attachment.id]);
    assert.match(served.headers.get('content-disposition') ?? '', /^attachment; filename\*=UTF-8''data\.bin/);
    await expect(bob, 'GET', `/v1/conversations/${id}/messages/${seq}/attachment?variant=thumbnail`, undefined, 'not_found', 'a file has no thumbnail');
    const edited = (await expect(alice, 'PUT', `/v1/conversations/${id}/messages/${seq}`, { content: 'the data, again' }, 200, 'edit the caption')) as { message: Message };
    assert.deepEqual([edited.message.content, edited.message.body], ['the data, again', { attachment: file.attachment }], 'an edit keeps the file');
    await expect(alice, 'PUT', `/v1/conversations/${id}/messages/${seq}`, { content: 'x', body: { attachment: file.ref } }, 'bad_request', 'an edit may not swap the file');
  });
  it('a chunk over the limit is answered 413 while it streams, and the connection then closes', async () => {
    const alice = await user('ovr');
    const up = await start(alice, 'file', 'big.bin', 10 * CHUNK);
    const body = randomBytes(3 * CHUNK);
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined); // the server may close while the rest of the body is still going out
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // The headers promise more than the chunk limit; two thirds of it go out, and the client waits (a slow
    // uploader): the answer must come now, and the connection close, not wait for bytes never read.
    socket.write(`PUT /v1/uploads/${up.id}?offset=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, 2 * CHUNK));
    await within(closed, 10_000, 'the connection to close');
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"code":"payload_too_large"/);
    assert.equal(((await expect(alice, 'GET', `/v1/uploads/${up.id}`, undefined, 200, 'status')) as UploadView).offset, 0, 'nothing of it counts');
  });
});

describe('an upload across a crash, and a URL that expires', () => {
  let server: RunningServer | undefined;
  const closers: Array<() => void> = [];
  after(async () => {
    for (const close of closers) close();
    await server?.stop();
    if (server) await removeDataDir(server.dataDir);
  });
  const { user, socket, expect, createGroup, sent } = harness(() => server!, closers);
  const { put, start, send, complete } = uploads(() => server!, expect);

  it('chunks answered before a SIGKILL are kept; the upload goes on from the offset the server reports', async () => {
    server = await startServer({ env: { ...env, PARLEY_ATTACHMENT_URL_TTL_SECONDS: '1' } });
    const [alice, bob] = await Promise.all([user('cral'), user('crbob')]);
    const id = await createGroup(alice, [bob]);
    const bytes = randomBytes(MAX_FILE - 12_345);
    const up = await start(alice, 'file', 'backup.tar', bytes.length);
    const half = await send(alice, up, bytes, 0, 20 * CHUNK);
    await server.kill();
    server = await startServer({ dataDir: server.dataDir, env: { ...env, PARLEY_ATTACHMENT_URL_TTL_SECONDS: '1' } });
    const status = (await expect(alice, 'GET', `/v1/uploads/${up.id}`, undefined, 200, 'status after the crash')) as UploadView;
    assert.deepEqual([status.offset, status.complete], [half, false]);
    const again = await put(alice, up.id, 0, bytes.subarray(0, CHUNK));
    assert.equal(again.body.error?.details?.offset, half, 'the server says where to go on');
    await send(alice, up, bytes, half);
    const done = await complete(alice, up.id);
    assert.equal(done.attachment.id, sha256(bytes));

    const sa = await socket(alice);
    const seq = await sent(sa, id, '[File] backup.tar', { kind: 'file', body: { attachment: done.ref } });
    const url = ((await expect(bob, 'GET', `/v1/conversations/${id}/messages/${seq}/attachment`, undefined, 200, 'url')) as { url: string }).url;
    const got = await fetchFile(server.url, url);
    assert.equal(sha256(got.bytes), done.attachment.id, 'a 3 MiB file through the single node, byte for byte');
    await sleep(2100);
    assert.equal((await fetchFile(server.url, url)).code, 'url_expired');
  });
});
