import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshotStoreConformance } from '@parley/core/conformance';
import { FileSnapshotStore } from './file-snapshot-store.js';

snapshotStoreConformance('files', {
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'parley-snap-'));
    return {
      store: new FileSnapshotStore(join(dir, 'snapshots')),
      reopen: async () => new FileSnapshotStore(join(dir, 'snapshots')),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

test('a .tmp left by a crash mid-save is neither read nor in the way of the next save', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-snap-'));
  try {
    const store = new FileSnapshotStore(dir);
    await store.save('ingest.parley.events.0', Buffer.from('whole'));
    await writeFile(join(dir, 'ingest.parley.events.0.snap.tmp'), 'torn');
    assert.equal(Buffer.from((await store.load('ingest.parley.events.0'))!).toString(), 'whole');
    await store.save('ingest.parley.events.0', Buffer.from('newer'));
    assert.equal(Buffer.from((await store.load('ingest.parley.events.0'))!).toString(), 'newer');
    assert.deepEqual(await readdir(dir), ['ingest.parley.events.0.snap']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
