import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, appendFile, open, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventLogConformance } from '@parley/core/conformance';
import type { EventLog } from '@parley/core';
import { EmbeddedLog } from './embedded-log.js';

eventLogConformance('embedded', {
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'parley-log-'));
    let log: EventLog = await EmbeddedLog.open({ dir, retentionCheckMs: 100 });
    return {
      log,
      async reopen() {
        await log.close();
        log = await EmbeddedLog.open({ dir, retentionCheckMs: 100 });
        return log;
      },
      async cleanup() {
        await log.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-log-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a torn tail from a crash mid-write is cut off at recovery, keeping every complete frame', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir });
    await log.createTopics([{ name: 't', partitions: 1 }]);
    await log.producer().send(
      't',
      [1, 2, 3].map((i) => ({ key: 'k', value: Buffer.from(String(i)) })),
    );
    await log.close();
    const journal = join(dir, 'segments', '00000000000000000000.seg');
    const size = (await stat(journal)).size;
    await appendFile(journal, Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6])); // a frame header promising 64 bytes, then 2
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (m: string) => warnings.push(m),
      error() {},
      child: () => logger,
    };
    const reopened = await EmbeddedLog.open({ dir, logger });
    assert.equal((await stat(journal)).size, size);
    assert.match(warnings.join(), /torn or corrupt tail/);
    assert.deepEqual(
      (await reopened.read('t', 0, 0, 10)).map((r) => Buffer.from(r.value).toString()),
      ['1', '2', '3'],
    );
    await reopened.producer().send('t', [{ key: 'k', value: Buffer.from('4') }]);
    assert.equal(await reopened.endOffset('t', 0), 4);
    await reopened.close();
  }));

test('a frame cut in half loses its whole transaction: records and offsets together', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir });
    await log.createTopics([
      { name: 'in', partitions: 1 },
      { name: 'out', partitions: 1 },
    ]);
    await log.producer().send('in', [{ key: 'k', value: Buffer.from('a') }]);
    const before = (await stat(join(dir, 'segments', '00000000000000000000.seg'))).size;
    await log.append(
      [
        {
          topic: 'out',
          records: [
            { key: 'k', value: Buffer.from('A') },
            { key: 'k', value: Buffer.from('B') },
          ],
        },
      ],
      [{ group: 'g', topic: 'in', partition: 0, offset: 1 }],
    );
    const after = (await stat(join(dir, 'segments', '00000000000000000000.seg'))).size;
    await log.close();
    await truncate(
      join(dir, 'segments', '00000000000000000000.seg'),
      before + Math.floor((after - before) / 2),
    );
    const reopened = await EmbeddedLog.open({ dir });
    assert.equal(await reopened.endOffset('out', 0), 0);
    assert.equal(reopened.committedOffset('g', 'in', 0), undefined);
    await reopened.close();
  }));

test('records beyond the size limit and unknown topics are refused with clear errors', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir, maxRecordBytes: 100 });
    await log.createTopics([{ name: 't', partitions: 1 }]);
    await assert.rejects(log.producer().send('t', [{ key: 'k', value: Buffer.alloc(101) }]), /exceeds 100/);
    await assert.rejects(
      log.producer().send('nope', [{ key: 'k', value: Buffer.alloc(1) }]),
      /Unknown topic "nope"/,
    );
    await assert.rejects(log.createTopics([{ name: 'bad name', partitions: 1 }]), /Invalid topic name/);
    await log.close();
  }));

test('reads older than the in-memory tail come from disk', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir, tailRecords: 4 });
    await log.createTopics([{ name: 't', partitions: 1 }]);
    for (let i = 0; i < 50; i++)
      await log.producer().send('t', [{ key: 'k', value: Buffer.from(String(i)) }]);
    const all = await log.read('t', 0, 0, 100);
    assert.deepEqual(
      all.map((r) => Number(Buffer.from(r.value).toString())),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(
      all.map((r) => r.offset),
      Array.from({ length: 50 }, (_, i) => i),
    );
    await log.close();
  }));

test('partitionsConsumedConcurrently: batches of several partitions are in the handler at once, never two of one partition', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir });
    await log.createTopics([{ name: 't', partitions: 4 }]);
    const producer = log.producer();
    for (let p = 0; p < 4; p++)
      await producer.send('t', [{ key: 'k', value: Buffer.from(String(p)), partition: p }]);
    const inside = new Set<number>();
    let most = 0;
    let overlapped = false;
    const seen: number[] = [];
    const consumer = log.consumer({ groupId: 'g', topics: ['t'], partitionsConsumedConcurrently: 3 });
    await consumer.start(async (b) => {
      if (inside.has(b.partition)) overlapped = true;
      inside.add(b.partition);
      most = Math.max(most, inside.size);
      await new Promise((r) => setTimeout(r, 50));
      seen.push(...b.records.map((r) => Number(Buffer.from(r.value).toString())));
      inside.delete(b.partition);
    });
    await producer.send('t', [{ key: 'k', value: Buffer.from('10'), partition: 0 }]);
    while (seen.length < 5) await new Promise((r) => setTimeout(r, 10));
    assert.equal(most, 3, 'three partitions at once, as configured');
    assert.equal(overlapped, false);
    assert.deepEqual(
      seen.filter((v) => v === 0 || v === 10),
      [0, 10],
      "partition 0's records in order",
    );
    await consumer.close();
    await log.close();
  }));

test('syncWithNextWrite: a plain send to such a topic takes no fsync of its own, is read at once, and the next synced write (or a close) makes it durable with it', () =>
  withDir(async (dir) => {
    // Counts fdatasync calls on every file handle (the real ones: a counter around the real method).
    const handle = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(handle) as { datasync: () => Promise<void> };
    await handle.close();
    const real = proto.datasync;
    let syncs = 0;
    proto.datasync = function (this: unknown) {
      syncs++;
      return real.call(this);
    };
    try {
      const log = await EmbeddedLog.open({ dir, fsync: { mode: 'always' }, syncWithNextWrite: ['cmd'] });
      await log.createTopics([{ name: 'cmd', partitions: 1 }, { name: 'evt', partitions: 1 }]);
      let before = syncs;
      await log.producer().send('cmd', [{ key: 'k', value: Buffer.from('c1') }]);
      assert.equal(syncs, before, 'a command: written, not synced');
      assert.deepEqual((await log.read('cmd', 0, 0, 10)).map((r) => Buffer.from(r.value).toString()), ['c1'], 'and readable at once');
      before = syncs;
      await log.producer().send('evt', [{ key: 'k', value: Buffer.from('e1') }]);
      assert.equal(syncs, before + 1, 'an event: one fsync, which covers the command written before it');
      before = syncs;
      // A transactional append to the same topic (offset commits in it) is synced as always.
      await log.append([{ topic: 'cmd', records: [{ key: 'k', value: Buffer.from('c2') }] }], [{ group: 'g', topic: 'evt', partition: 0, offset: 1 }]);
      assert.equal(syncs, before + 1);
      await log.producer().send('cmd', [{ key: 'k', value: Buffer.from('c3') }]);
      await log.close();
      const again = await EmbeddedLog.open({ dir });
      assert.deepEqual((await again.read('cmd', 0, 0, 10)).map((r) => Buffer.from(r.value).toString()), ['c1', 'c2', 'c3']);
      await again.close();
      // Without the option every send is synced.
      const plain = await EmbeddedLog.open({ dir, fsync: { mode: 'always' } });
      before = syncs;
      await plain.producer().send('cmd', [{ key: 'k', value: Buffer.from('c4') }]);
      assert.equal(syncs, before + 1);
      await plain.close();
    } finally {
      proto.datasync = real;
    }
  }));
