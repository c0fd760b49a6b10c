import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLog } from '@parley/core';
import { EmbeddedLog, FileSnapshotStore } from '@parley/log-embedded';
import { PartitionStates, StatePageLost, Topics, type StreamState } from '@parley/domain';
import { closeSync } from 'node:fs';
import { eventCodec, type ParleyEvent } from '@parley/schemas';

// PartitionStates with snapshots, on the real embedded log and snapshot files: a snapshot makes recovery
// read only the log's tail, and any snapshot that fails a check is reported and ignored, never trusted.

const a = { userId: 'ua', username: 'a' };
const options = { dedupeWindow: 100, recentMessages: 50 };
let n = 0;
const ev = (stream: string, seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e${++n}`, stream, seq, ts: n, commandId: `c${n}`, actor: a, origin: null, payload });
const message = (stream: string, seq: number): ParleyEvent => ev(stream, seq, { type: 'MessageSent', id: `m${n}`, senderId: 'ua', senderName: 'a', clientMsgId: `k${n}`, kind: 'text', content: String(seq) });

async function append(log: EventLog, events: readonly ParleyEvent[]): Promise<void> {
  await log.producer().send(Topics.events, events.map((e) => ({ key: e.stream, partition: 0, value: eventCodec.encode(e) })));
}

const plain = (s: StreamState): string => JSON.stringify(s.data(), (_k, v: unknown) => (v instanceof Map ? ['Map', ...v] : v instanceof Set ? ['Set', ...v] : v));

/** The log with every read's starting offset recorded (the real log underneath). */
function counting(log: EventLog): { log: EventLog; reads: number[] } {
  const reads: number[] = [];
  return { reads, log: Object.assign(Object.create(log) as EventLog, { read: (t: string, p: number, from: number, max: number) => (reads.push(from), log.read(t, p, from, max)) }) };
}

async function withLog(fn: (log: EmbeddedLog, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-snapshots-'));
  const log = await EmbeddedLog.open({ dir: join(dir, 'log') });
  try {
    await log.createTopics([{ name: Topics.events, partitions: 1 }]);
    await append(log, [ev('g.a', 0, { type: 'ConversationCreated', kind: 'group', name: 'A', createdBy: 'ua', members: [a] }), ...Array.from({ length: 200 }, (_, i) => message('g.a', i + 1))]);
    await fn(log, dir);
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('a partition starts from its snapshot and folds only the tail; without snapshots it folds everything, to the same state', async () => {
  await withLog(async (log, dir) => {
    const store = new FileSnapshotStore(join(dir, 'snapshots'));
    const first = new PartitionStates(log, options, undefined, { store, owner: 'ingest' });
    await first.catchUp(0);
    assert.equal(await first.snapshot(0), true);
    assert.equal(await first.snapshot(0), false, 'nothing new: nothing written');
    await append(log, Array.from({ length: 30 }, (_, i) => message('g.a', 201 + i)));

    const problems: string[] = [];
    const { log: watched, reads } = counting(log);
    const restored = new PartitionStates(watched, options, undefined, { store, owner: 'ingest', onProblem: (_p, why) => problems.push(why) });
    const state = await restored.catchUp(0);
    assert.deepEqual(problems, []);
    assert.deepEqual(reads, [200, 201], 'one read of the last event the snapshot folded, then the tail from 201');
    assert.equal(state.conversations.get('g.a')!.lastSeq, 230);

    const full = new PartitionStates(log, options);
    assert.equal(plain(state), plain(await full.catchUp(0)));

    await rm(join(dir, 'snapshots'), { recursive: true });
    const again = counting(log);
    const rebuilt = await new PartitionStates(again.log, options, undefined, { store, owner: 'ingest' }).catchUp(0);
    assert.deepEqual(again.reads, [0], 'no snapshot: folded from offset 0');
    assert.equal(plain(rebuilt), plain(state));
  });
});

test('with paging, a restored partition keeps its conversations out of memory until named, and snapshots and folds the same', async () => {
  await withLog(async (log, dir) => {
    await append(log, [ev('g.b', 0, { type: 'ConversationCreated', kind: 'group', name: 'B', createdBy: 'ua', members: [a] }), message('g.b', 1)]);
    const store = new FileSnapshotStore(join(dir, 'snapshots'));
    const paging = { dir: join(dir, 'pages'), idleMs: 600_000 };
    const first = new PartitionStates(log, options, undefined, { store, owner: 'ingest' }, paging);
    await first.catchUp(0);
    assert.equal(first.get(0)!.conversations.inMemory, 2, 'folded from the log: in memory until idle');
    assert.equal(await first.snapshot(0), true);

    const restored = new PartitionStates(log, options, undefined, { store, owner: 'ingest' }, paging);
    const state = await restored.catchUp(0);
    assert.deepEqual([state.conversations.size, state.conversations.inMemory], [2, 0], 'both conversations went to the page file');
    await append(log, [message('g.b', 2)]);
    await restored.catchUp(0);
    assert.deepEqual([state.conversations.inMemory, state.conversations.get('g.b')!.lastSeq], [1, 2], 'the tail named g.b only');
    assert.equal(plain(state), plain(await new PartitionStates(log, options).catchUp(0)));
    // A snapshot of the half-paged state restores to the same state again.
    assert.equal(await restored.snapshot(0), true);
    const third = await new PartitionStates(log, options, undefined, { store, owner: 'ingest' }).catchUp(0);
    assert.equal(plain(third), plain(state));
    assert.equal(third.conversations.get('g.a')!.sent.size, 100, 'the dedupe window came through the page file whole');
    restored.reset(0);
  });
});

test('a page that cannot be read back fails loudly, never silently: the partition state is dropped and rebuilt to the same state', async () => {
  await withLog(async (log, dir) => {
    const states = new PartitionStates(log, options, () => assert.fail('nothing is unreadable'), undefined, { dir: join(dir, 'pages'), idleMs: 600_000 });
    const state = await states.catchUp(0);
    assert.equal(state.conversations.pageOut(Date.now() + 1), 1);
    // The page file's descriptor closed underneath it: every read of it fails (EBADF).
    closeSync((state.conversations as unknown as { pages: { fd: number } }).pages.fd);
    assert.throws(() => state.conversations.get('g.a'), (e: unknown) => e instanceof StatePageLost && /g\.a cannot be read back/.test(e.message));
    assert.equal(states.get(0), undefined, 'the incomplete state is dropped at its next use');
    const rebuilt = await states.catchUp(0);
    assert.notEqual(rebuilt, state);
    assert.equal(rebuilt.conversations.get('g.a')!.lastSeq, 200);
    assert.equal(plain(rebuilt), plain(await new PartitionStates(log, options).catchUp(0)));
    states.reset(0);
  });
});

test('a full disk while writing a snapshot is reported, leaves the previous snapshot whole, and the next rebuild folds the longer tail to the same state', async () => {
  await withLog(async (log, dir) => {
    const store = new FileSnapshotStore(join(dir, 'snapshots'));
    const problems: string[] = [];
    const states = new PartitionStates(log, options, undefined, { store, owner: 'fanout', onProblem: (_p, why) => problems.push(why) });
    await states.catchUp(0);
    assert.equal(await states.snapshot(0), true);
    const file = join(dir, 'snapshots', 'fanout.parley.events.0.snap');
    const before = await readFile(file);
    await append(log, Array.from({ length: 20 }, (_, i) => message('g.a', 201 + i)));
    await states.catchUp(0);
    // The snapshot is written to <file>.tmp first: make that /dev/full, whose every write fails with ENOSPC.
    await symlink('/dev/full', `${file}.tmp`);
    assert.equal(await states.snapshot(0), false);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /snapshot fanout.parley.events.0 not written: .*ENOSPC/);
    assert.deepEqual(await readFile(file), before, 'the previous snapshot is untouched');
    const { log: watched, reads } = counting(log);
    const restored = await new PartitionStates(watched, options, undefined, { store, owner: 'fanout' }).catchUp(0);
    assert.deepEqual(reads, [200, 201], 'from the previous snapshot, the 20 events after it');
    assert.equal(plain(restored), plain(await new PartitionStates(log, options).catchUp(0)));
    assert.equal(await states.snapshot(0), true, 'space again: the next snapshot is written');
  });
});

test('a corrupt snapshot, or one of another log, is reported and the partition is folded from offset 0', async () => {
  await withLog(async (log, dir) => {
    const store = new FileSnapshotStore(join(dir, 'snapshots'));
    const states = new PartitionStates(log, options, undefined, { store, owner: 'fanout' });
    await states.catchUp(0);
    await states.snapshot(0);
    const file = join(dir, 'snapshots', 'fanout.parley.events.0.snap');
    const good = await readFile(file);
    const truth = plain(await new PartitionStates(log, options).catchUp(0));

    const cases: Array<[string, Buffer, RegExp]> = [
      ['corrupt', Buffer.concat([good.subarray(0, 100), Buffer.from([good[100]! ^ 1]), good.subarray(101)]), /checksum/],
      ['truncated', good.subarray(0, good.length >> 1), /checksum/],
    ];
    // A snapshot of another log: same shape, but its last event is not this log's.
    const otherDir = await mkdtemp(join(tmpdir(), 'parley-snapshots-other-'));
    const other = await EmbeddedLog.open({ dir: otherDir });
    try {
      await other.createTopics([{ name: Topics.events, partitions: 1 }]);
      await append(other, [ev('g.b', 0, { type: 'ConversationCreated', kind: 'group', name: 'B', createdBy: 'ua', members: [a] }), ...Array.from({ length: 10 }, (_, i) => message('g.b', i + 1))]);
      const foreign = new PartitionStates(other, options, undefined, { store: new FileSnapshotStore(otherDir), owner: 'fanout' });
      await foreign.catchUp(0);
      await foreign.snapshot(0);
      cases.push(['of another log', await readFile(join(otherDir, 'fanout.parley.events.0.snap')), /does not hold its last event/]);
    } finally {
      await other.close();
      await rm(otherDir, { recursive: true, force: true });
    }

    for (const [what, bytes, why] of cases) {
      await writeFile(file, bytes);
      const problems: string[] = [];
      const { log: watched, reads } = counting(log);
      const state = await new PartitionStates(watched, options, undefined, { store, owner: 'fanout', onProblem: (_p, problem) => problems.push(problem) }).catchUp(0);
      assert.equal(problems.length, 1, what);
      assert.match(problems[0]!, why, what);
      assert.equal(reads.at(-1), 0, `${what}: folded from offset 0`);
      assert.equal(plain(state), truth, what);
    }
  });
});

test('a state its owner wrote to (ingest) is snapshotted up to its own last event, found in the log; never when the log lacks it', async () => {
  await withLog(async (log, dir) => {
    const store = new FileSnapshotStore(join(dir, 'snapshots'));
    const states = new PartitionStates(log, options, undefined, { store, owner: 'ingest' });
    const state = await states.catchUp(0);
    const mine = message('g.a', 201);
    state.apply(mine);
    states.appliedOwn(0, eventCodec.encode(mine));
    await append(log, [mine]);
    assert.equal(await states.snapshot(0, { atEnd: true }), true);

    // Another event after ours (not yet readable to us as ours, or another writer's): the snapshot stops at ours.
    const mine2 = message('g.a', 202);
    state.apply(mine2);
    states.appliedOwn(0, eventCodec.encode(mine2));
    await append(log, [mine2, message('g.a', 203)]);
    assert.equal(await states.snapshot(0, { atEnd: true }), true);
    const problems: string[] = [];
    const { log: watched, reads } = counting(log);
    const restored = new PartitionStates(watched, options, undefined, { store, owner: 'ingest', onProblem: (_p, why) => problems.push(why) });
    assert.equal((await restored.catchUp(0)).conversations.get('g.a')!.lastSeq, 203, 'from the snapshot at 202, then the event after it');
    assert.deepEqual([problems, reads], [[], [202, 203]]);

    const unwritten = message('g.a', 999);
    state.apply(unwritten);
    states.appliedOwn(0, eventCodec.encode(unwritten));
    const said: string[] = [];
    const mute = new PartitionStates(log, options, undefined, { store, owner: 'ingest', onSkipped: (_p, why) => said.push(why) });
    const own = await mute.catchUp(0);
    own.apply(unwritten);
    mute.appliedOwn(0, eventCodec.encode(unwritten));
    assert.equal(await mute.snapshot(0, { atEnd: true }), false, 'its last event is not in the log: no snapshot');
    assert.match(said[0] ?? '', /not taken: .* not among the newest readable events/);
  });
});

test('a rebuild reports its progress (a consumer heartbeats on it) after the snapshot is loaded and after each read of the log it folded', async () => {
  await withLog(async (log, dir) => {
    const store = new FileSnapshotStore(join(dir, 'snapshots'));
    const first = new PartitionStates(log, options, undefined, { store, owner: 'fanout' });
    await first.catchUp(0);
    assert.equal(await first.snapshot(0), true);
    await append(log, Array.from({ length: 30 }, (_, i) => message('g.a', 201 + i)));
    const { log: watched, reads } = counting(log);
    const steps: Array<{ reads: number; at: string }> = [];
    const restored = new PartitionStates(watched, options, undefined, { store, owner: 'fanout' });
    const progress = async (): Promise<void> => void steps.push({ reads: reads.length, at: restored.rebuilt(0)?.fromSnapshot === undefined ? 'none' : 'snapshot' });
    await restored.catchUp(0, undefined, progress);
    // The snapshot's check reads its last event (1 read), then the tail is folded in one read (2).
    assert.deepEqual(steps, [{ reads: 1, at: 'snapshot' }, { reads: 2, at: 'snapshot' }]);
    await restored.catchUp(0, undefined, progress);
    assert.equal(steps.length, 2, 'nothing to fold: no progress to report');
  });
});
