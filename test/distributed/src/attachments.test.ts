import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { eventually } from '@parley/core/conformance';
import type { Database } from '@parley/store';
import type { Attachment } from '@parley/protocol';
import type { MessageFrame, ParleyClient } from '@parley/sdk';
import { png, sha256 } from '@parley/test-infra';
import { Cluster, clusterClient } from './cluster.js';

/**
 * Attachments in the distributed mode: two query instances share one S3 bucket (versitygw, started by the
 * Cluster), so an upload's chunks may land on either, and a file uploaded through one is downloaded
 * through the other; the message carrying it goes over a gateway's WebSocket.
 */

const CHUNK = 64 * 1024; // PARLEY_UPLOAD_CHUNK_BYTES' smallest: a small image takes several chunks

let n = 0;
const name = (p: string) => `${p}${process.pid.toString(36)}${(++n).toString(36)}`.slice(0, 32);


interface User {
  client: ParleyClient;
  username: string;
  token: string;
  id: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field against docs/openapi.yaml
type Json = any;

describe('distributed: attachments on S3, shared by two query instances', () => {
  let cluster: Cluster;
  let db: Kysely<Database>;
  const clients: ParleyClient[] = [];
  before(async () => {
    cluster = await Cluster.start({ gateway: 2, ingest: 1, fanout: 1, query: 2 }, { PARLEY_UPLOAD_CHUNK_BYTES: String(CHUNK) });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster.instance('query', 0).env['DATABASE_URL'], max: 2 }) }) });
  });
  after(async () => {
    for (const c of clients) c.close();
    await db?.destroy();
    if (cluster) console.log(`process logs: ${cluster.dumpLogs()}`);
    await cluster?.stop();
  });

  const user = async (gateway: number, query: number, prefix: string): Promise<User> => {
    const client = clusterClient(cluster, gateway, query);
    clients.push(client);
    const username = name(prefix);
    await client.register(username, 'correct horse battery');
    const { token, user } = await client.login(username, 'correct horse battery');
    return { client, username, token, id: user.id };
  };
  /** One HTTP call as `u` to query instance `q`: the status, the parsed body (JSON or bytes) and the headers. */
  const call = async (u: User | undefined, q: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const raw = body instanceof Uint8Array;
    const res = await fetch(new URL(path, cluster.urls('query')[q]!), {
      method,
      headers: {
        ...(u ? { authorization: `Bearer ${u.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: raw ? new Blob([new Uint8Array(body)]) : JSON.stringify(body) }),
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const json = (res.headers.get('content-type') ?? '').includes('json') && bytes.length > 0 ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as Json) : undefined;
    return { status: res.status, body: json, bytes, headers: res.headers };
  };

  it('an image uploaded in chunks through both query instances is sent over a gateway, and the other member downloads the same bytes; others cannot', async () => {
    const a = await user(0, 0, 'ima');
    const b = await user(1, 1, 'imb');
    const c = await user(0, 1, 'imc');
    const got: MessageFrame[] = [];
    b.client.on('message', (m) => got.push(m));
    await Promise.all([a.client.connect(), b.client.connect()]);
    const direct = await a.client.openDirect(b.username);

    // Upload: created on query 0, chunks put alternately on query 0 and query 1, completed on query 1.
    const image = png(320, 240);
    const chunks = Math.ceil(image.length / CHUNK);
    assert.ok(chunks >= 3, `the image takes several chunks (${image.length} bytes)`);
    const created = await call(a, 0, 'POST', '/v1/uploads', { kind: 'image', name: 'cat.png', size: image.length, mime: 'image/png' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.offset, created.body.chunkBytes, created.body.complete], [0, CHUNK, false]);
    const upload = `/v1/uploads/${created.body.id as string}`;
    for (let i = 0, offset = 0; offset < image.length; i++, offset += CHUNK) {
      const put = await call(a, i % 2, 'PUT', `${upload}?offset=${offset}`, image.subarray(offset, offset + CHUNK));
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.offset, Math.min(offset + CHUNK, image.length));
      if (i === 0) {
        // The other instance sees the same offset at once (the upload is in PostgreSQL, its chunks in S3).
        const stale = await call(a, 1, 'PUT', `${upload}?offset=0`, image.subarray(0, CHUNK));
        assert.equal(stale.status, 409, 'a chunk at an offset already taken');
        assert.deepEqual([stale.body.error.code, stale.body.error.details?.offset], ['offset_mismatch', CHUNK]);
        assert.equal((await call(a, 1, 'GET', upload)).body.offset, CHUNK, 'resuming asks where to go on');
      }
    }
    assert.equal((await call(b, 1, 'GET', upload)).status, 404, "another's upload is not found");
    const completed = await call(a, 1, 'POST', `${upload}/complete`);
    assert.equal(completed.status, 201, JSON.stringify(completed.body));
    const attachment = completed.body.attachment as Attachment;
    assert.equal(attachment.id, sha256(image), 'the file is named by the sha256 of all its chunks, in order');
    assert.deepEqual([attachment.kind, attachment.mime, attachment.size, attachment.name, attachment.width, attachment.height], ['image', 'image/png', image.length, 'cat.png', 320, 240]);
    assert.ok(attachment.thumbnail && attachment.thumbnail.width <= 320 && attachment.thumbnail.height <= 320, 'a thumbnail');

    // Sent over gateway 0 with the ref; b, on gateway 1, receives the file's description.
    const ack = await a.client.send(direct.id, '[Image] cat.png', { kind: 'image', body: { attachment: completed.body.ref as string } });
    await eventually(() => assert.ok(got.some((m) => m.conversation === direct.id && m.seq === ack.seq)), 30_000);
    const frame = got.find((m) => m.conversation === direct.id && m.seq === ack.seq)!;
    assert.equal(frame.kind, 'image');
    assert.deepEqual(frame.body, { attachment }, 'the ref became the attachment');

    // b downloads through query 1 (which did not take the first chunk): the same bytes.
    const original = await b.client.attachmentUrl(direct.id, ack.seq);
    assert.equal(new URL(original.url).origin, new URL(cluster.urls('query')[1]!).origin);
    const download = await fetch(original.url);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'image/png');
    assert.equal(sha256(new Uint8Array(await download.arrayBuffer())), attachment.id, 'the downloaded bytes are the uploaded ones');
    const path = new URL(original.url).pathname + new URL(original.url).search;
    const range = await call(undefined, 0, 'GET', path, undefined, { range: 'bytes=0-99' });
    assert.equal(range.status, 206, 'the other instance serves it too, in ranges');
    assert.deepEqual(Buffer.from(range.bytes), image.subarray(0, 100));
    assert.equal(range.headers.get('content-range'), `bytes 0-99/${image.length}`);
    const thumbnail = await fetch((await b.client.attachmentUrl(direct.id, ack.seq, 'thumbnail')).url);
    assert.equal(thumbnail.headers.get('content-type'), 'image/webp');
    assert.equal(sha256(new Uint8Array(await thumbnail.arrayBuffer())), attachment.thumbnail!.id);

    // Not a member: no URL, and b's URL does not become c's by changing who it is for.
    const refused = await call(c, 1, 'GET', `/v1/conversations/${direct.id}/messages/${ack.seq}/attachment`);
    assert.ok([403, 404].includes(refused.status), `a non-member gets 403 or 404, not ${refused.status}`);
    const forged = new URL(original.url);
    forged.searchParams.set('u', c.id);
    assert.ok([403, 404].includes((await fetch(forged)).status), 'a URL signed for b is no good for c');

    // The projection names the message's blobs, so the sweeper keeps them.
    await eventually(async () => {
      const rows = await db.selectFrom('message_attachments').select('blob').where('conversation_id', '=', direct.id).where('seq', '=', ack.seq).orderBy('blob').execute();
      assert.deepEqual(rows.map((r) => r.blob), [attachment.id, attachment.thumbnail!.id].sort());
    }, 30_000);
  });
});
