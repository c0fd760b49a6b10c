import { S3Client } from '@aws-sdk/client-s3';

/** Where and as whom to reach an S3-compatible object store: what a deployment configures. */
export interface S3Connection {
  /** e.g. `http://127.0.0.1:7070` or `https://s3.eu-central-1.amazonaws.com`; AWS's own when omitted. */
  readonly endpoint?: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`: what most self-hosted servers need. */
  readonly forcePathStyle?: boolean;
}

/** The S3 client for a connection, for `main.ts` to build and hand to {@link S3BlobStore} (and to destroy at shutdown). */
export function createS3Client(connection: S3Connection): S3Client {
  return new S3Client({
    ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
    region: connection.region,
    credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey },
    forcePathStyle: connection.forcePathStyle ?? false,
  });
}
