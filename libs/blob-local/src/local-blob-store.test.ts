import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobStoreConformance } from '@parley/core/conformance';
import { LocalBlobStore } from './local-blob-store.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'parley-blobs-'));
/** Whatever sits in the top directory besides the fan-out directories: temp files left behind. */
const strays = (dir: string) => readdirSync(dir).filter((name) => !/^[0-9a-f]{2}$/.test(name));

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

blobStoreConformance('local directory', {
  async open() {
    const dir = tempDir();
    let store = await LocalBlobStore.open({ dir });
    return {
      store,
      async reopen() {
        await store.close();
        store = await LocalBlobStore.open({ dir });
        return store;
      },
      leftovers: async () => strays(dir),
      async cleanup() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

test('a blob is the file <dir>/<first two hex digits>/<sha256>, holding its bytes', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await LocalBlobStore.open({ dir: join(dir, 'nested', 'blobs') });
  const bytes = Buffer.from('layout');
  const { sha256 } = await store.put(once(bytes), { maxBytes: 100 });
  assert.equal(sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.deepEqual(readFileSync(join(dir, 'nested', 'blobs', sha256.slice(0, 2), sha256)), bytes);
  await store.close();
});

test('opening removes temp files a crash left behind, and keeps young ones (a put in progress elsewhere)', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, '.tmp-old'), 'half an upload');
  writeFileSync(join(dir, '.tmp-young'), 'an upload in progress');
  const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
  utimesSync(join(dir, '.tmp-old'), twoHoursAgo, twoHoursAgo);
  const store = await LocalBlobStore.open({ dir });
  assert.deepEqual(strays(dir), ['.tmp-young']);
  const listed: string[] = [];
  for await (const sha of store.list()) listed.push(sha);
  assert.deepEqual(listed, []);
  await store.close();
});

test('a reader that stops early releases the file', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await LocalBlobStore.open({ dir });
  const { sha256 } = await store.put(once(new Uint8Array(1024 * 1024).fill(1)), {
    maxBytes: 2 * 1024 * 1024,
  });
  const fds = () => readdirSync('/proc/self/fd').length;
  const before = fds();
  for (let i = 0; i < 20; i++) {
    const got = await store.get(sha256);
    const reader = got!.body[Symbol.asyncIterator]();
    await reader.next();
    await reader.return?.();
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(fds() <= before + 1, `open descriptors went from ${before} to ${fds()}`);
  await store.close();
});
