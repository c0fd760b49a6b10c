import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GenericContainer } from 'testcontainers';
import { useContainers } from './docker.js';
import { freePort, startDaemon, waitUntil } from './process-utils.js';
import { goInstall } from './go-install.js';

export const VERSITYGW_VERSION = 'v1.8.0';

/** A throwaway S3-compatible object store (Versity S3 Gateway over a directory) with one empty bucket. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Buckets are addressed in the path (`http://host/bucket/key`): no wildcard DNS on a test machine. */
  readonly forcePathStyle: true;
  /** An empty bucket, created for this server. */
  readonly bucket: string;
  /** Stops the server and deletes its data; idempotent. */
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

/**
 * Builds versitygw from source with `go install` into the per-machine cache, once, and returns the binary's
 * path. The first build takes a minute or two; progress goes to `log`.
 */
export function ensureVersityGw(log: (line: string) => void = () => undefined): Promise<string> {
  return goInstall({ name: 'versitygw', module: `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`, minGo: '1.25' }, log);
}

/** Waits until the gateway answers a signed request, then creates the bucket. */
async function createBucket(
  endpoint: string,
  accessKeyId: string,
  secretAccessKey: string,
  bucket: string,
): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

async function answers(endpoint: string, accessKeyId: string, secretAccessKey: string): Promise<boolean> {
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
  try {
    await client.send(new ListBucketsCommand({}));
    return true;
  } finally {
    client.destroy();
  }
}

/**
 * A throwaway S3-compatible server: Versity S3 Gateway (Apache-2.0) serving a temporary directory on a
 * free port, in single-account mode with random keys, with one empty bucket. Built once per machine with
 * {@link ensureVersityGw}; on a Docker engine (see useContainers), the versity/versitygw image instead.
 */
export async function startVersityGw(log: (line: string) => void = () => undefined): Promise<S3Server> {
  const accessKeyId = `parley${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  const bucket = `parley-${randomBytes(4).toString('hex')}`;
  const args = (port: string, root: string) => [
    '--access',
    accessKeyId,
    '--secret',
    secretAccessKey,
    '--region',
    REGION,
    '--port',
    port,
    '--quiet',
    'posix',
    root,
  ];
  if (useContainers()) return startVersityGwContainer(args, { accessKeyId, secretAccessKey, bucket });

  const bin = await ensureVersityGw(log);
  const dir = mkdtempSync(join(tmpdir(), 'parley-versitygw-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Only the flags: a VGW_* or ROOT_* variable in the environment must not change the fixture.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VGW_') && !k.startsWith('ROOT_')),
  );
  const daemon = startDaemon(bin, args(`127.0.0.1:${port}`, root), { env, cwd: dir });
  try {
    await waitUntil('versitygw', daemon, () => answers(endpoint, accessKeyId, secretAccessKey), 20_000);
    await createBucket(endpoint, accessKeyId, secretAccessKey, bucket);
  } catch (error) {
    await daemon.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region: REGION,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: true,
    bucket,
    stop() {
      stopped ??= daemon.stop().then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/** The same server from the project's image, on a Docker engine (a laptop without Go). */
async function startVersityGwContainer(
  args: (port: string, root: string) => string[],
  keys: { accessKeyId: string; secretAccessKey: string; bucket: string },
): Promise<S3Server> {
  const container = await new GenericContainer(`versity/versitygw:${VERSITYGW_VERSION}`)
    .withExposedPorts(7070)
    .withCommand(args(':7070', '/tmp/vgw'))
    .start();
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(7070)}`;
  const deadline = Date.now() + 20_000;
  while (!(await answers(endpoint, keys.accessKeyId, keys.secretAccessKey).catch(() => false))) {
    if (Date.now() > deadline) {
      await container.stop();
      throw new Error('versitygw (container) was not ready after 20000 ms');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await createBucket(endpoint, keys.accessKeyId, keys.secretAccessKey, keys.bucket);
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region: REGION,
    ...keys,
    forcePathStyle: true,
    stop() {
      stopped ??= container.stop().then(() => undefined);
      return stopped;
    },
  };
}
