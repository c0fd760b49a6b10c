import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { ParleyError, type BlobStore } from '@parley/core';
import { LocalBlobStore } from '@parley/blob-local';
import { S3BlobStore, createS3Client } from '@parley/blob-s3';
import type { BlobConfig } from './blob-config.js';

/** An open blob store and what closes it with its client. */
export interface OpenedBlobStore {
  readonly store: BlobStore;
  /** Closes the store, then its S3 client (if any). Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the blob store `config` names, for a `main.ts` to hand to the HTTP app and the sweeper: the
 * directory (created if missing), or the S3 bucket, which must exist already: one HeadBucket at start
 * turns a wrong name, endpoint or key into an error that says so, rather than a failed upload later.
 */
export async function openBlobStore(config: BlobConfig): Promise<OpenedBlobStore> {
  if (config.kind === 'local') {
    const store = await LocalBlobStore.open({ dir: config.dir });
    return { store, close: () => store.close() };
  }
  const client = createS3Client({
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    region: config.region,
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    forcePathStyle: config.forcePathStyle,
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
  } catch (error) {
    client.destroy();
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const why = status === 404 ? 'does not exist: create it first' : status === 403 || status === 401 ? 'refuses these keys (PARLEY_S3_ACCESS_KEY_ID, PARLEY_S3_SECRET_ACCESS_KEY)' : 'cannot be reached';
    throw new ParleyError('unavailable', `The S3 bucket "${config.bucket}" (PARLEY_S3_BUCKET) at ${config.endpoint ?? 'AWS'} ${why}`, { cause: error });
  }
  const store = new S3BlobStore({ client, bucket: config.bucket, prefix: config.prefix });
  let closed: Promise<void> | undefined;
  return {
    store,
    close: () =>
      (closed ??= store.close().finally(() => client.destroy())),
  };
}
