// Creates the bucket query keeps attachments in (PARLEY_S3_BUCKET) when it is missing; run once by the
// compose service create-bucket with the Parley image, whose node_modules hold the AWS SDK. Idempotent.
'use strict';
const { CreateBucketCommand, HeadBucketCommand, S3Client } = require('@aws-sdk/client-s3');

const env = process.env;
const bucket = env.PARLEY_S3_BUCKET;
const client = new S3Client({
  endpoint: env.PARLEY_S3_ENDPOINT,
  region: env.PARLEY_S3_REGION || 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: env.PARLEY_S3_ACCESS_KEY_ID, secretAccessKey: env.PARLEY_S3_SECRET_ACCESS_KEY },
});

async function main() {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    console.log(`bucket ${bucket} exists`);
  } catch (error) {
    if (error.$metadata?.httpStatusCode !== 404) throw error;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    console.log(`bucket ${bucket} created`);
  }
}

main().then(
  () => client.destroy(),
  (error) => {
    console.error(`could not make bucket ${bucket}:`, error);
    process.exit(1);
  },
);
