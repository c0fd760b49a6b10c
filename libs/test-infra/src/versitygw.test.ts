import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startVersityGw } from './index.js';

test('versitygw serves an empty bucket over S3 with the keys it hands out, and stop() ends it', async (t) => {
  const s3 = await startVersityGw((line) => t.diagnostic(line));
  t.after(() => s3.stop());
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  t.after(() => client.destroy());
  assert.deepEqual((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? [], []);
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a/b.txt', Body: 'hello' }));
  const got = await client.send(
    new GetObjectCommand({ Bucket: s3.bucket, Key: 'a/b.txt', Range: 'bytes=1-3' }),
  );
  assert.equal(await got.Body?.transformToString(), 'ell');
  assert.equal(got.ContentRange, 'bytes 1-3/5');
  await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'a/b.txt' }));

  const stranger = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'wrong' },
  });
  t.after(() => stranger.destroy());
  await assert.rejects(
    stranger.send(new ListObjectsV2Command({ Bucket: s3.bucket })),
    (e: { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.$metadata?.httpStatusCode, 403);
      return true;
    },
  );

  await s3.stop();
  await s3.stop();
  await assert.rejects(client.send(new ListObjectsV2Command({ Bucket: s3.bucket })));
});
