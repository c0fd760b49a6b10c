import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedLog } from './embedded-log.js';
import { recording, withDir as withTempDir } from './test-support.js';
import { encodeFrame } from './journal-codec.js';
import { INDEX_EVERY_RECORDS } from './partition-index.js';
import { decodeSegmentHeader, segmentFileName } from './segment.js';

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('parley-segments-', fn);

const segmentFiles = async (dir: string): Promise<string[]> =>
  (await readdir(join(dir, 'segments'))).filter((n) => n.endsWith('.seg')).sort();
const text = (v: Uint8Array): string => Buffer.from(v).toString();
const HOUR = 3600_000;

/** Sends `n` records to each of `topics` (partition p gets every third), one send per record; returns what each partition holds. */
async function fill(
  log: EmbeddedLog,
  topics: string[],
  n: number,
  tag = '',
): Promise<Map<string, string[][]>> {
  const out = new Map(topics.map((t) => [t, [[], [], []] as string[][]]));
  const producer = log.producer();
  for (let i = 0; i < n; i++) {
    for (const t of topics) {
      const value = `${t}${tag}-${i}`;
      out.get(t)![i % 3]!.push(value);
      await producer.send(t, [{ key: 'k', partition: i % 3, value: Buffer.from(value) }]);
    }
  }
  return out;
}

async function readAll(
  log: EmbeddedLog,
  topic: string,
  partition: number,
  from = 0,
  step = 1000,
): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for (let offset = from; ;) {
    const records = await log.read(topic, partition, offset, step);
    if (records.length === 0) return out;
    out.push(...records.map((r) => [r.offset, text(r.value)] as [number, string]));
    offset = records[records.length - 1]!.offset + 1;
  }
}

test('the journal rolls into segments by size; every offset reads back across segment boundaries, with and without the checkpoint', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir, segmentBytes: 8192, tailRecords: 4 });
    await log.createTopics([{ name: 't', partitions: 3 }]);
    const expected = (await fill(log, ['t'], 1500)).get('t')!;
    await log.close();
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 5, `${files.length} segments`);
    // Each header names its sequence number, its base and the partitions' counts where it starts.
    let counted = 0;
    for (const [i, name] of files.entries()) {
      const header = decodeSegmentHeader(await readFile(join(dir, 'segments', name)));
      assert.ok(typeof header === 'object', name);
      assert.equal(header.seq, i);
      assert.equal(segmentFileName(header.base), name);
      const counts = header.counts.t ?? [0, 0, 0];
      assert.ok(counts.reduce((a, b) => a + b, 0) >= counted, 'counts only grow');
      counted = counts.reduce((a, b) => a + b, 0);
    }
    for (const withCheckpoint of [true, false]) {
      if (!withCheckpoint) await rm(join(dir, 'index.checkpoint'));
      const reopened = await EmbeddedLog.open({ dir, segmentBytes: 8192, tailRecords: 4 });
      for (let p = 0; p < 3; p++) {
        assert.deepEqual(
          await readAll(reopened, 't', p, 0, 7),
          expected[p]!.map((v, i) => [i, v]),
          `partition ${p}, checkpoint ${withCheckpoint}`,
        );
        for (const from of [INDEX_EVERY_RECORDS - 1, INDEX_EVERY_RECORDS, expected[p]!.length - 1]) {
          assert.equal(text((await reopened.read('t', p, from, 1))[0]!.value), expected[p]![from]);
        }
      }
      await reopened.close();
    }
  }));

test('retention removes a topic from sealed segments older than its retention.ms, and the offset commits later ones superseded; the rest keeps its offsets, after a restart too', () =>
  withDir(async (dir) => {
    const { logger, lines } = recording();
    const open = (): Promise<EmbeddedLog> =>
      EmbeddedLog.open({ dir, segmentBytes: 4096, tailRecords: 4, retentionCheckMs: HOUR, logger });
    const log = await open();
    await log.createTopics([
      { name: 'commands', partitions: 3, config: { 'retention.ms': '300' } },
      { name: 'events', partitions: 3, config: { 'retention.ms': '-1' } },
    ]);
    const first = await fill(log, ['commands', 'events'], 150, 'a');
    for (let i = 1; i <= 50; i++)
      await log.append([], [{ group: 'g', topic: 'commands', partition: 0, offset: i }]);
    const second = await fill(log, ['commands', 'events'], 150, 'b');
    const old = new Map(
      [...first].map(([t, parts]) => [t, parts.map((p, i) => [...p, ...second.get(t)![i]!])]),
    );
    const sealedBefore = (await segmentFiles(dir)).length - 1;
    await log.close();
    await new Promise((r) => setTimeout(r, 400));
    // The first append now seals the last old segment (older than segment.ms); the segments sealed while
    // filling are older than retention.ms, that one and the new ones are not.
    const live = await EmbeddedLog.open({
      dir,
      segmentBytes: 4096,
      tailRecords: 4,
      retentionCheckMs: HOUR,
      logger,
      segmentMs: 300,
    });
    const recent = await fill(live, ['commands', 'events'], 30, 'new');
    const before = (
      await Promise.all((await segmentFiles(dir)).map((n) => stat(join(dir, 'segments', n))))
    ).reduce((a, s) => a + s.size, 0);
    await live.enforceRetention();
    const after = (
      await Promise.all((await segmentFiles(dir)).map((n) => stat(join(dir, 'segments', n))))
    ).reduce((a, s) => a + s.size, 0);
    const cleaned = lines.filter((l) => l.message === 'journal segment cleaned by retention');
    assert.ok(cleaned.length >= sealedBefore, `${cleaned.length} segments cleaned of ${sealedBefore}`);
    assert.ok(after < before * 0.75, `the journal shrank from ${before} to ${after} bytes`);
    assert.equal(
      cleaned.reduce((a, l) => a + Number(l.fields.commitsRemoved), 0) >= 49,
      true,
      'superseded commits removed',
    );

    const check = async (log: EmbeddedLog, when: string): Promise<void> => {
      for (let p = 0; p < 3; p++) {
        const events = [...old.get('events')![p]!, ...recent.get('events')![p]!];
        assert.deepEqual(
          await readAll(log, 'events', p, 0, 13),
          events.map((v, i) => [i, v]),
          `${when}: events ${p} whole`,
        );
        const commands = (await readAll(log, 'commands', p)).filter(([, v]) => v !== 'after');
        const newest = recent.get('commands')![p]!;
        const oldCount = old.get('commands')![p]!.length;
        assert.deepEqual(
          commands.slice(-newest.length),
          newest.map((v, i) => [oldCount + i, v]),
          `${when}: recent commands ${p} at their offsets`,
        );
        assert.ok(commands.length < oldCount, `${when}: old commands ${p} removed (${commands.length} left)`);
        assert.equal(await log.endOffset('commands', p), oldCount + newest.length + (p === 0 ? extra : 0));
      }
      assert.equal(log.committedOffset('g', 'commands', 0), 50, `${when}: the newest commit stays`);
    };
    let extra = 0;
    await check(live, 'live');
    await live.producer().send('commands', [{ key: 'k', partition: 0, value: Buffer.from('after') }]);
    extra = 1;
    await live.close();
    const reopened = await open();
    await check(reopened, 'reopened');
    await reopened.close();
    await rm(join(dir, 'index.checkpoint'));
    const replayed = await open();
    await check(replayed, 'replayed without a checkpoint');
    assert.equal(
      text((await replayed.read('commands', 0, (await replayed.endOffset('commands', 0)) - 1, 1))[0]!.value),
      'after',
    );
    await replayed.close();
  }));

test('a checkpoint written before a retention rewrite is not used after it: the journal is replayed, to the same log', () =>
  withDir(async (dir) => {
    const opts = { dir, segmentBytes: 2048, retentionCheckMs: HOUR, segmentMs: 1 };
    const log = await EmbeddedLog.open(opts);
    await log.createTopics([
      { name: 'c', partitions: 3, config: { 'retention.ms': '50' } },
      { name: 'e', partitions: 3 },
    ]);
    const data = await fill(log, ['c', 'e'], 200);
    await log.close();
    const stale = await readFile(join(dir, 'index.checkpoint'));
    const live = await EmbeddedLog.open(opts);
    await new Promise((r) => setTimeout(r, 100));
    await live.producer().send('e', [{ key: 'k', partition: 0, value: Buffer.from('x') }]);
    await live.enforceRetention();
    await live.close();
    await writeFile(join(dir, 'index.checkpoint'), stale);
    const { logger, lines } = recording();
    const reopened = await EmbeddedLog.open({ ...opts, logger });
    assert.match(String(lines.find((l) => l.level === 'warn')?.fields.reason), /rewritten/);
    for (let p = 0; p < 3; p++) {
      const expected = data.get('e')![p]!.map((v, i) => [i, v]);
      if (p === 0) expected.push([expected.length, 'x']);
      assert.deepEqual(await readAll(reopened, 'e', p, 0, 9), expected);
    }
    await reopened.close();
  }));

test('a missing segment in the middle, or a damaged sealed segment, refuses to open with an error saying what to restore; a segment torn while being started is removed', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir, segmentBytes: 2048 });
    await log.createTopics([{ name: 't', partitions: 3 }]);
    const expected = (await fill(log, ['t'], 200)).get('t')!;
    await log.close();
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 4);
    const copy = async (name: string): Promise<string> => {
      const to = join(dir, name);
      await mkdir(join(to, 'segments'), { recursive: true });
      await copyFile(join(dir, 'topics.json'), join(to, 'topics.json'));
      for (const f of files) await copyFile(join(dir, 'segments', f), join(to, 'segments', f));
      return to;
    };
    const missing = await copy('missing');
    await rm(join(missing, 'segments', files[2]!));
    await assert.rejects(
      EmbeddedLog.open({ dir: missing }),
      (e: Error & { code?: string }) =>
        e.code === 'corrupt' && /segment 2 is missing.*restore it from a backup/.test(e.message),
    );

    const damaged = await copy('damaged');
    const bytes = await readFile(join(damaged, 'segments', files[1]!));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0xff, bytes.length - 3);
    await writeFile(join(damaged, 'segments', files[1]!), bytes);
    await assert.rejects(
      EmbeddedLog.open({ dir: damaged }),
      (e: Error & { code?: string }) =>
        e.code === 'corrupt' && /damaged.*restore the log directory from a backup/.test(e.message),
    );

    const torn = await copy('torn');
    const lastBase = Number(files[files.length - 1]!.slice(0, 20)) + 100_000;
    await writeFile(join(torn, 'segments', segmentFileName(lastBase)), Buffer.from('PLSG\u0001'));
    const { logger, lines } = recording();
    const reopened = await EmbeddedLog.open({ dir: torn, logger });
    assert.ok(lines.some((l) => l.level === 'warn' && /being started/.test(l.message)));
    for (let p = 0; p < 3; p++)
      assert.deepEqual(
        (await readAll(reopened, 't', p)).map(([, v]) => v),
        expected[p],
      );
    await reopened.close();
  }));

test('a journal.log from before segments is read as segment 0, new records go to segments/, and retention rewrites it into segments/', () =>
  withDir(async (dir) => {
    // The layout of a data directory written by an earlier release: topics.json of bare partition counts, one journal.log.
    await writeFile(join(dir, 'topics.json'), JSON.stringify({ commands: 1, events: 1 }));
    const frames: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const at = Date.now();
      frames.push(
        encodeFrame(
          [
            {
              topic: 'commands',
              partition: 0,
              timestamp: at,
              key: 'k',
              headers: {},
              value: Buffer.from(`c${i}`),
            },
            {
              topic: 'events',
              partition: 0,
              timestamp: at,
              key: 'k',
              headers: {},
              value: Buffer.from(`e${i}`),
            },
          ],
          [{ group: 'ingest', topic: 'commands', partition: 0, offset: i + 1 }],
          [],
        ),
      );
    }
    await writeFile(join(dir, 'journal.log'), Buffer.concat(frames));
    const opts = { dir, segmentBytes: 64, retentionCheckMs: HOUR };
    const log = await EmbeddedLog.open(opts);
    assert.deepEqual(
      (await log.read('events', 0, 0, 100)).map((r) => text(r.value)),
      Array.from({ length: 20 }, (_, i) => `e${i}`),
    );
    await log.createTopics([
      { name: 'commands', partitions: 1, config: { 'retention.ms': '50' } },
      { name: 'events', partitions: 1, config: { 'retention.ms': '-1' } },
    ]);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'topics.json'), 'utf8')).commands, {
      partitions: 1,
      config: { 'retention.ms': '50' },
    });
    await log.producer().send('commands', [{ key: 'k', value: Buffer.from('c20') }]);
    await log.producer().send('events', [{ key: 'k', value: Buffer.from('e20') }]);
    assert.ok((await segmentFiles(dir)).length >= 1, 'new records went to segments/');
    await new Promise((r) => setTimeout(r, 100));
    await log.enforceRetention();
    await assert.rejects(stat(join(dir, 'journal.log')), /ENOENT/);
    assert.equal((await segmentFiles(dir))[0], segmentFileName(0));
    assert.deepEqual(
      (await log.read('events', 0, 0, 100)).map((r) => [r.offset, text(r.value)]),
      Array.from({ length: 21 }, (_, i) => [i, `e${i}`]),
    );
    assert.deepEqual(
      (await log.read('commands', 0, 0, 100)).map((r) => [r.offset, text(r.value)]),
      [[20, 'c20']],
    );
    assert.equal(log.committedOffset('ingest', 'commands', 0), 20);
    await log.close();
    await rm(join(dir, 'index.checkpoint'));
    const reopened = await EmbeddedLog.open(opts);
    assert.deepEqual(
      (await reopened.read('events', 0, 0, 100)).map((r) => r.offset),
      Array.from({ length: 21 }, (_, i) => i),
    );
    assert.deepEqual(
      (await reopened.read('commands', 0, 0, 100)).map((r) => r.offset),
      [20],
    );
    assert.equal(reopened.committedOffset('ingest', 'commands', 0), 20);
    await reopened.close();
  }));

test('a topic config that is not -1 or a positive number of milliseconds is refused', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir });
    await assert.rejects(
      log.createTopics([{ name: 't', partitions: 1, config: { 'retention.ms': 'a week' } }]),
      /retention.ms must be -1 or a positive whole number/,
    );
    await assert.rejects(
      log.createTopics([{ name: 't', partitions: 1, config: { 'segment.ms': '0' } }]),
      /segment.ms/,
    );
    await log.close();
  }));
