import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { isParleyError } from '@parley/core';
import { blobStoreConformance } from '@parley/core/conformance';
import { freePort, startVersityGw, type S3Server } from '@parley/test-infra';
import { S3BlobStore } from './s3-blob-store.js';
import { createS3Client } from './s3-client.js';

let server: S3Server | undefined;
let client: S3Client | undefined;
after(async () => {
  client?.destroy();
  await server?.stop();
});
const s3 = async (): Promise<{ server: S3Server; client: S3Client }> => {
  server ??= await startVersityGw();
  client ??= createS3Client(server);
  return { server, client };
};

/** Every key under `prefix` that is not a blob, and every unfinished multipart upload there. */
async function leftovers(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return [
    ...(objects.Contents ?? []).map((o) => o.Key ?? '').filter((key) => !key.startsWith(`${prefix}blobs/`)),
    ...(uploads.Uploads ?? []).map((u) => `unfinished multipart upload of ${u.Key}`),
  ];
}

blobStoreConformance('S3 (versitygw)', {
  async open() {
    const { server, client } = await s3();
    // A prefix per store: fresh, empty storage in a shared bucket. Pages of 2 keys make `list` page.
    const prefix = `t-${randomUUID().slice(0, 8)}/`;
    const make = () => new S3BlobStore({ client, bucket: server.bucket, prefix, listPageSize: 2 });
    let store = make();
    return {
      store,
      async reopen() {
        await store.close();
        store = make();
        return store;
      },
      leftovers: () => leftovers(client, server.bucket, prefix),
      cleanup: () => store.close(),
    };
  },
});

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

test('stores under different prefixes of one bucket do not see each other', async () => {
  const { server, client } = await s3();
  const a = new S3BlobStore({ client, bucket: server.bucket, prefix: `a-${randomUUID()}/` });
  const b = new S3BlobStore({ client, bucket: server.bucket, prefix: `b-${randomUUID()}/` });
  const { sha256 } = await a.put(once('only in a'), { maxBytes: 100 });
  assert.equal(await b.get(sha256), undefined);
  const inB: string[] = [];
  for await (const id of b.list()) inB.push(id);
  assert.deepEqual(inB, []);
  assert.equal(await a.size(sha256), 9);
});

test('an object store that does not answer is ParleyError unavailable, and the body is released', async () => {
  const port = await freePort();
  // No retries: each call fails at its first connection refused.
  const dead = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
    maxAttempts: 1,
  });
  const store = new S3BlobStore({ client: dead, bucket: 'nowhere' });
  let released = false;
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      for (let i = 0; i < 1000; i++) yield new Uint8Array(64 * 1024);
    } finally {
      released = true;
    }
  }
  const unavailable = (e: unknown) => {
    assert.ok(isParleyError(e, 'unavailable'), `expected ParleyError unavailable, got ${String(e)}`);
    assert.ok(e.cause !== undefined);
    return true;
  };
  await assert.rejects(store.put(body(), { maxBytes: 100 * 1024 * 1024 }), unavailable);
  assert.ok(released, 'the body was released');
  await assert.rejects(store.get('0'.repeat(64)), unavailable);
  await assert.rejects(store.size('0'.repeat(64)), unavailable);
  await assert.rejects(store.list()[Symbol.asyncIterator]().next(), unavailable);
  dead.destroy();
});

test('refuses a part size under S3’s minimum, and a limit past what one CopyObject copies', async () => {
  const { server, client } = await s3();
  assert.throws(
    () => new S3BlobStore({ client, bucket: server.bucket, partSize: 1024 }),
    (e) => isParleyError(e, 'config'),
  );
  const store = new S3BlobStore({ client, bucket: server.bucket, prefix: `c-${randomUUID()}/` });
  await assert.rejects(store.put(once('x'), { maxBytes: 6 * 1024 ** 3 }), (e) => isParleyError(e, 'config'));
});
