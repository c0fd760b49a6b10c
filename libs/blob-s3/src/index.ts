export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';
export { createS3Client, type S3Connection } from './s3-client.js';
