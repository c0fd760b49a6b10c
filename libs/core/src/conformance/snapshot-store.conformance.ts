import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SnapshotStore } from '../ports/snapshot-store.js';
import { isParleyError } from '../parley-error.js';

/**
 * What every SnapshotStore adapter must do, written once and run against each (files, a Kafka topic).
 * `open` gives a store over fresh storage; `reopen` another store over the same storage, as a restarted
 * process (or another instance) would see it.
 */
export interface SnapshotStoreHarness {
  open(): Promise<{ store: SnapshotStore; reopen(): Promise<SnapshotStore>; cleanup(): Promise<void> }>;
}

export function snapshotStoreConformance(adapter: string, harness: SnapshotStoreHarness): void {
  describe(`SnapshotStore conformance: ${adapter}`, () => {
    it('has nothing under a name never saved', async () => {
      const h = await harness.open();
      try {
        assert.equal(await h.store.load('ingest.parley.events.0'), undefined);
      } finally {
        await h.cleanup();
      }
    });

    it('gives back the newest bytes saved under each name, also to a store opened later', async () => {
      const h = await harness.open();
      try {
        await h.store.save('ingest.parley.events.0', Buffer.from('first'));
        await h.store.save('ingest.parley.events.1', Buffer.from('other'));
        await h.store.save('ingest.parley.events.0', Buffer.from('second'));
        assert.equal(Buffer.from((await h.store.load('ingest.parley.events.0'))!).toString(), 'second');
        const again = await h.reopen();
        assert.equal(Buffer.from((await again.load('ingest.parley.events.0'))!).toString(), 'second');
        assert.equal(Buffer.from((await again.load('ingest.parley.events.1'))!).toString(), 'other');
      } finally {
        await h.cleanup();
      }
    });

    it('keeps a snapshot of several megabytes whole, and a smaller one saved over it', async () => {
      const h = await harness.open();
      try {
        const big = randomBytes(3 * 1024 * 1024 + 17);
        await h.store.save('fanout.parley.events.2', big);
        assert.ok(Buffer.from((await (await h.reopen()).load('fanout.parley.events.2'))!).equals(big));
        await h.store.save('fanout.parley.events.2', Buffer.from('small'));
        assert.equal(Buffer.from((await (await h.reopen()).load('fanout.parley.events.2'))!).toString(), 'small');
      } finally {
        await h.cleanup();
      }
    });

    it('refuses names that are not a-z, 0-9, "." and "-" with bad_request', async () => {
      const h = await harness.open();
      try {
        for (const name of ['', '../x', 'A', 'a/b', '.hidden', 'x'.repeat(101)]) {
          await assert.rejects(h.store.save(name, Buffer.from('x')), (e) => isParleyError(e, 'bad_request'), name);
          await assert.rejects(h.store.load(name), (e) => isParleyError(e, 'bad_request'), name);
        }
      } finally {
        await h.cleanup();
      }
    });
  });
}
