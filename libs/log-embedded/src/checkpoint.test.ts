import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedLog } from './embedded-log.js';
import { recording, withDir as withTempDir } from './test-support.js';
import { INDEX_EVERY_RECORDS } from './partition-index.js';

const SEG0 = '00000000000000000000.seg';

/** Bytes of a segment's header (its frames' positions start after them). */
async function headerBytes(path: string): Promise<number> {
  const bytes = await readFile(path);
  return 13 + bytes.readUInt32LE(9);
}

const replayedFrom = (lines: ReturnType<typeof recording>['lines']): unknown =>
  lines.find((l) => l.message === 'journal replayed')?.fields.fromByte;

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('parley-checkpoint-', fn);

/** Fills topic t (3 partitions, unevenly: partition 2 rarely, with a long gap) and returns what each holds. */
async function fill(log: EmbeddedLog, records: number): Promise<string[][]> {
  await log.createTopics([
    { name: 't', partitions: 3 },
    { name: 'big', partitions: 1 },
  ]);
  const expected: string[][] = [[], [], []];
  const producer = log.producer();
  for (let i = 0; i < records; i += 10) {
    const batch = Array.from({ length: 10 }, (_, j) => {
      const partition = (i + j) % 97 === 0 ? 2 : (i + j) % 2;
      const value = `r${i + j}`;
      expected[partition]!.push(value);
      return { key: 'k', partition, value: Buffer.from(value) };
    });
    await producer.send('t', batch);
    // A stretch of large records of another topic: partition 2's next record lies past the gap bound.
    if (i === 500)
      await producer.send(
        'big',
        Array.from({ length: 5 }, () => ({ key: 'k', value: Buffer.alloc(100_000) })),
      );
  }
  return expected;
}

async function readAll(log: EmbeddedLog, partition: number, from: number, step: number): Promise<string[]> {
  const out: string[] = [];
  for (let offset = from; ;) {
    const records = await log.read('t', partition, offset, step);
    if (records.length === 0) return out;
    assert.deepEqual(
      records.map((r) => r.offset),
      records.map((_, i) => offset + i),
    );
    out.push(...records.map((r) => Buffer.from(r.value).toString()));
    offset += records.length;
  }
}

test('a clean close leaves a checkpoint: the next open replays nothing and reads every offset through the sparse index', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir, tailRecords: 8 });
    const expected = await fill(log, 3000);
    await log.close();
    const { logger, lines } = recording();
    const reopened = await EmbeddedLog.open({ dir, tailRecords: 8, logger });
    assert.equal(
      replayedFrom(lines),
      (await stat(join(dir, 'segments', SEG0))).size - (await headerBytes(join(dir, 'segments', SEG0))),
      'the replay started at the end of the journal',
    );
    for (let p = 0; p < 3; p++) {
      assert.equal(await reopened.endOffset('t', p), expected[p]!.length);
      assert.deepEqual(await readAll(reopened, p, 0, 100), expected[p], `partition ${p} in steps of 100`);
      for (const from of [
        0,
        1,
        INDEX_EVERY_RECORDS - 1,
        INDEX_EVERY_RECORDS,
        INDEX_EVERY_RECORDS + 1,
        expected[p]!.length - 1,
      ]) {
        if (from < 0 || from >= expected[p]!.length) continue;
        const [record] = await reopened.read('t', p, from, 1);
        assert.equal(
          Buffer.from(record!.value).toString(),
          expected[p]![from],
          `partition ${p} offset ${from}`,
        );
      }
    }
    await reopened.producer().send('t', [{ key: 'k', partition: 2, value: Buffer.from('after') }]);
    assert.deepEqual(
      (await reopened.read('t', 2, expected[2]!.length - 1, 5)).map((r) => Buffer.from(r.value).toString()),
      [expected[2]!.at(-1), 'after'],
    );
    await reopened.close();
  }));

test('after a crash the open replays only the frames after the last checkpoint, and loses nothing', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir });
    await fill(log, 200);
    await log.close();
    const live = await EmbeddedLog.open({ dir });
    await live.producer().send('t', [{ key: 'k', partition: 0, value: Buffer.from('since') }]);
    await live.append([], [{ group: 'g', topic: 't', partition: 0, offset: 7 }]);
    // The image a crash leaves: the durable journal and the older checkpoint, the process gone.
    const crash = join(dir, 'crash');
    await rm(crash, { recursive: true, force: true });
    await mkdir(crash);
    await mkdir(join(crash, 'segments'));
    for (const f of [join('segments', SEG0), 'topics.json', 'index.checkpoint'])
      await copyFile(join(dir, f), join(crash, f));
    await live.close();
    const { logger, lines } = recording();
    const reopened = await EmbeddedLog.open({ dir: crash, logger });
    const from = replayedFrom(lines) as number;
    assert.ok(
      from > 0 &&
        from <
          (await stat(join(crash, 'segments', SEG0))).size -
            (await headerBytes(join(crash, 'segments', SEG0))),
      `replayed from byte ${from}`,
    );
    const end = await reopened.endOffset('t', 0);
    assert.equal(Buffer.from((await reopened.read('t', 0, end - 1, 1))[0]!.value).toString(), 'since');
    assert.equal(reopened.committedOffset('g', 't', 0), 7);
    await reopened.close();
  }));

test('a corrupt checkpoint, or one of another journal, is reported and the whole journal replayed, to the same log', () =>
  withDir(async (dir) => {
    const log = await EmbeddedLog.open({ dir, tailRecords: 8 });
    const expected = await fill(log, 500);
    await log.append([], [{ group: 'g', topic: 't', partition: 1, offset: 3 }]);
    await log.close();
    const good = await readFile(join(dir, 'index.checkpoint'));

    const other = join(dir, 'other');
    const small = await EmbeddedLog.open({ dir: other });
    await fill(small, 20);
    await small.close();

    const cases: Array<[string, Buffer, RegExp]> = [
      [
        'corrupt',
        Buffer.concat([good.subarray(0, 40), Buffer.from([good[40]! ^ 1]), good.subarray(41)]),
        /checksum/,
      ],
      ['truncated', good.subarray(0, 20), /checksum|magic/],
      ['of another journal', await readFile(join(other, 'index.checkpoint')), /another journal/],
    ];
    for (const [what, bytes, why] of cases) {
      await writeFile(join(dir, 'index.checkpoint'), bytes);
      const { logger, lines } = recording();
      const reopened = await EmbeddedLog.open({ dir, tailRecords: 8, logger });
      const warning = lines.find((l) => l.level === 'warn');
      assert.match(String(warning?.fields.reason), why, what);
      assert.equal(replayedFrom(lines), 0, `${what}: replayed from the first byte`);
      for (let p = 0; p < 3; p++)
        assert.deepEqual(await readAll(reopened, p, 0, 1000), expected[p], `${what}: partition ${p}`);
      assert.equal(reopened.committedOffset('g', 't', 1), 3, what);
      await reopened.close();
    }
  }));
