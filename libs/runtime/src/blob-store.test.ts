import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isParleyError } from '@parley/core';
import { startVersityGw, type S3Server } from '@parley/test-infra';
import { openBlobStore } from './blob-store.js';

let server: S3Server | undefined;
after(() => server?.stop());

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

async function roundTrip(store: Awaited<ReturnType<typeof openBlobStore>>['store']): Promise<void> {
  const { sha256, size } = await store.put(bytes('hello blobs'), { maxBytes: 100 });
  assert.equal(size, 11);
  assert.equal(await store.size(sha256), 11);
}

test('a local directory is created and opened; close is idempotent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-blobs-'));
  try {
    const opened = await openBlobStore({ kind: 'local', dir: join(dir, 'data', 'blobs') });
    await roundTrip(opened.store);
    await opened.close();
    await opened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('S3: an existing bucket opens; a missing bucket or wrong keys fail at start, saying which', async () => {
  server = await startVersityGw();
  const s3 = { kind: 's3', bucket: server.bucket, prefix: 'runtime-test/', endpoint: server.endpoint, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, forcePathStyle: true } as const;
  const opened = await openBlobStore(s3);
  await roundTrip(opened.store);
  await opened.close();
  await opened.close();
  await assert.rejects(opened.store.size('0'.repeat(64)), (e: unknown) => isParleyError(e, 'unavailable'), 'closed');

  await assert.rejects(openBlobStore({ ...s3, bucket: 'no-such-bucket' }), (e: unknown) => isParleyError(e, 'unavailable') && /"no-such-bucket" \(PARLEY_S3_BUCKET\) at http:\/\/127\.0\.0\.1:\d+ does not exist: create it first/.test(e.message));
  await assert.rejects(openBlobStore({ ...s3, secretAccessKey: 'wrong' }), (e: unknown) => isParleyError(e, 'unavailable') && /refuses these keys/.test(e.message));
});
