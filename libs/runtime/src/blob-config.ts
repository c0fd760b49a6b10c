import { resolve } from 'node:path';
import { ParleyError, readBool, readOptionalString, readString, type Env } from '@parley/core';

/** Where attachments' bytes are kept: a directory, or a bucket of an S3-compatible object store. */
export type BlobConfig =
  | { readonly kind: 'local'; readonly dir: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Put before every key ('' or ending in `/`), to share a bucket. */
      readonly prefix: string;
      /** The object store's URL; AWS's own when unset. */
      readonly endpoint: string | undefined;
      readonly region: string;
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      readonly forcePathStyle: boolean;
    };

function fail(name: string, why: string): never {
  throw new ParleyError('config', `Invalid configuration: ${name} ${why}`, { details: { variable: name } });
}

/** S3's bucket naming rule (lowercase letters, digits, dots and hyphens, 3-63 characters). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The blob store from the environment (docs/OPERATIONS.md "Attachments"): PARLEY_S3_BUCKET set means S3
 * (PARLEY_S3_ENDPOINT, PARLEY_S3_REGION, PARLEY_S3_ACCESS_KEY_ID, PARLEY_S3_SECRET_ACCESS_KEY, PARLEY_S3_PREFIX,
 * PARLEY_S3_FORCE_PATH_STYLE); otherwise the directory PARLEY_BLOB_DIR, or `defaultDir` when it is unset.
 * Without a `defaultDir` (a distributed query, whose replicas must share the bytes) one of the two is required.
 */
export function readBlobConfig(env: Env, defaultDir?: string): BlobConfig {
  const bucket = readOptionalString(env, 'PARLEY_S3_BUCKET');
  const dir = readOptionalString(env, 'PARLEY_BLOB_DIR');
  if (bucket === undefined) {
    for (const name of ['PARLEY_S3_ENDPOINT', 'PARLEY_S3_ACCESS_KEY_ID', 'PARLEY_S3_SECRET_ACCESS_KEY', 'PARLEY_S3_PREFIX'] as const) {
      if (readOptionalString(env, name) !== undefined) fail(name, 'is set but PARLEY_S3_BUCKET is not: set PARLEY_S3_BUCKET to keep files in S3, or unset it');
    }
    const chosen = dir ?? defaultDir;
    if (chosen === undefined) {
      fail('PARLEY_BLOB_DIR', 'is required when PARLEY_S3_BUCKET is not set: set PARLEY_S3_BUCKET (and the PARLEY_S3_* keys) for an S3 bucket, or PARLEY_BLOB_DIR to a directory every query replica shares');
    }
    return { kind: 'local', dir: resolve(chosen) };
  }
  if (dir !== undefined) fail('PARLEY_BLOB_DIR', 'and PARLEY_S3_BUCKET are both set: files go to one place; unset one of them');
  if (!BUCKET.test(bucket)) fail('PARLEY_S3_BUCKET', `must be an S3 bucket name (3-63 of a-z 0-9 . -), got "${bucket}"`);
  const endpoint = readOptionalString(env, 'PARLEY_S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(endpoint)) fail('PARLEY_S3_ENDPOINT', `must be an http:// or https:// URL, got "${endpoint}"`);
  const prefix = readString(env, 'PARLEY_S3_PREFIX', '');
  if (prefix !== '' && (!prefix.endsWith('/') || prefix.startsWith('/') || !/^[A-Za-z0-9!_.*'()/-]{1,512}$/.test(prefix))) {
    fail('PARLEY_S3_PREFIX', `must end with "/", not start with one, and hold only letters, digits and !_.*'()/- (e.g. "parley/"), got "${prefix}"`);
  }
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint,
    region: readString(env, 'PARLEY_S3_REGION', 'us-east-1'),
    accessKeyId: readString(env, 'PARLEY_S3_ACCESS_KEY_ID'),
    secretAccessKey: readString(env, 'PARLEY_S3_SECRET_ACCESS_KEY'),
    forcePathStyle: readBool(env, 'PARLEY_S3_FORCE_PATH_STYLE', true),
  };
}

/** A blob configuration for logs: where, never the secret. */
export function describeBlobConfig(config: BlobConfig): Record<string, string> {
  return config.kind === 'local'
    ? { blobs: 'local', dir: config.dir }
    : { blobs: 's3', bucket: config.bucket, prefix: config.prefix, endpoint: config.endpoint ?? 'AWS', region: config.region };
}
