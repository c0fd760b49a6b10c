import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthReport, silentLogger } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { EmbeddedLog, FileSnapshotStore } from '@parley/log-embedded';
import { Topics } from '@parley/domain';
import { commandCodec, eventCodec, type CommandPayload, type ParleyEvent } from '@parley/schemas';
import { DEADLETTER_TOPIC, Ingest } from './ingest.js';
import { decide, readConversationLimits } from '@parley/domain';

const alice = { userId: 'ua', username: 'alice' };

async function readEvents(log: EmbeddedLog): Promise<ParleyEvent[]> {
  const out: ParleyEvent[] = [];
  for (let p = 0; p < (await log.partitionCount(Topics.events)); p++) out.push(...(await log.read(Topics.events, p, 0, 100_000)).map((r) => eventCodec.decode(r.value)));
  return out;
}

test('ingest appends one outcome per command and keeps seqs dense across a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-ingest-'));
  const open = async () => {
    const log = await EmbeddedLog.open({ dir });
    await log.createTopics([{ name: Topics.commands, partitions: 2 }, { name: Topics.events, partitions: 2 }]);
    const ingest = new Ingest({ log, logger: silentLogger, instanceId: 't', limits: { ...readConversationLimits({}), maxMembers: 10 }, dedupeWindow: 100 });
    await ingest.start();
    return { log, ingest };
  };
  const submit = (log: EmbeddedLog, stream: string, payload: CommandPayload, i: number) =>
    log.producer().send(Topics.commands, [{ key: stream, value: commandCodec.encode({ commandId: `c${i}`, stream, issuedAt: 0, actor: alice, origin: null, payload }) }]);
  try {
    let { log, ingest } = await open();
    await submit(log, 'g.t', { type: 'CreateConversation', kind: 'group', name: 'T', members: [alice] }, 0);
    for (let i = 1; i <= 5; i++) await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: `m${i}`, kind: 'text', content: String(i) }, i);
    await eventually(async () => assert.equal((await readEvents(log)).length, 6));
    await ingest.close();
    await log.close();
    ({ log, ingest } = await open());
    await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: 'm3', kind: 'text', content: '3' }, 7);
    await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: 'm6', kind: 'text', content: '6' }, 8);
    await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: 'garbage', kind: 'text', content: 'x' }, 9);
    await log.producer().send(Topics.commands, [{ key: 'g.t', value: Buffer.from('not avro') }]);
    await eventually(async () => assert.equal((await readEvents(log)).length, 9));
    const events = await readEvents(log);
    assert.deepEqual(
      events.filter((e) => e.payload.type === 'MessageSent').map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(events.filter((e) => e.payload.type === 'CommandDuplicate').length, 1, 'm3 again is a duplicate after the restart');
    await ingest.close();
    await log.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ingest dead-letters a command it cannot decode or decide, rejects the one it can name, and decides the ones after it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-ingest-poison-'));
  const log = await EmbeddedLog.open({ dir });
  const throwing: typeof decide = (command, state, ctx) => {
    if (command.payload.type === 'SendMessage' && command.payload.clientMsgId === 'boom') throw new RangeError('the rules broke on this one');
    return decide(command, state, ctx);
  };
  const ingest = new Ingest({ log, logger: silentLogger, instanceId: 't', limits: { ...readConversationLimits({}), maxMembers: 10 }, dedupeWindow: 100, decide: throwing });
  const submit = (payload: CommandPayload, i: number) =>
    log.producer().send(Topics.commands, [{ key: 'g.t', value: commandCodec.encode({ commandId: `c${i}`, stream: 'g.t', issuedAt: 0, actor: alice, origin: { gatewayId: 'gw1', connectionId: 'gw1/1' }, payload }) }]);
  try {
    await log.createTopics([{ name: Topics.commands, partitions: 1 }, { name: Topics.events, partitions: 1 }]);
    await submit({ type: 'CreateConversation', kind: 'group', name: 'T', members: [alice] }, 0);
    await log.producer().send(Topics.commands, [{ key: 'g.t', value: Buffer.from('not avro'), headers: { 'parley-issued-at': '7' } }]); // offset 1
    await submit({ type: 'SendMessage', clientMsgId: 'boom', kind: 'text', content: 'x' }, 2);
    await submit({ type: 'SendMessage', clientMsgId: 'fine', kind: 'text', content: 'y' }, 3);
    await ingest.start();
    await eventually(async () => assert.equal((await readEvents(log)).length, 3));
    const events = await readEvents(log);
    assert.deepEqual(
      events.map((e) => [e.commandId, e.payload.type, e.seq]),
      [['c0', 'ConversationCreated', 0], ['c2', 'CommandRejected', 0], ['c3', 'MessageSent', 1]],
    );
    const rejected = events[1]!.payload as { code: string; clientMsgId: string };
    assert.deepEqual([rejected.code, rejected.clientMsgId], ['internal', 'boom'], 'the sender is told');
    assert.deepEqual(events[1]!.origin, { gatewayId: 'gw1', connectionId: 'gw1/1' });

    const dead = await log.read(DEADLETTER_TOPIC, 0, 0, 10);
    assert.deepEqual(
      dead.map((r) => [r.key, r.headers['parley-dlq-topic'], r.headers['parley-dlq-partition'], r.headers['parley-dlq-offset']]),
      [['g.t', Topics.commands, '0', '1'], ['g.t', Topics.commands, '0', '2']],
    );
    assert.match(dead[0]!.headers['parley-dlq-error'] ?? '', /^undecodable/);
    assert.equal(dead[0]!.headers['parley-issued-at'], '7', 'the original headers are kept');
    assert.equal(Buffer.from(dead[0]!.value).toString(), 'not avro', 'and the original bytes');
    assert.match(dead[1]!.headers['parley-dlq-error'] ?? '', /decide failed: the rules broke on this one/);

    const report = healthReport([ingest.health], { stuckMs: 30_000, maxLag: 1000 });
    assert.equal(report.healthy, true);
    assert.deepEqual(report.quarantined.map((q) => [q.consumer, q.partition, q.count, q.last?.offset]), [['parley-ingest', 0, 2, 2]]);
  } finally {
    await ingest.close();
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('ingest retries, and does not dead-letter, while it cannot read the events log; health reports the partition stuck meanwhile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-ingest-transient-'));
  const real = await EmbeddedLog.open({ dir });
  let down = true;
  // The events log as ingest sees it: unreadable while `down` (a broker outage).
  const log = new Proxy(real, {
    get(target, name) {
      if (name === 'endOffset' && down) return async () => Promise.reject(new Error('broker not available'));
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const ingest = new Ingest({ log, logger: silentLogger, instanceId: 't', limits: { ...readConversationLimits({}), maxMembers: 10 }, dedupeWindow: 100, lagSampleMs: 60_000 });
  try {
    await real.createTopics([{ name: Topics.commands, partitions: 1 }, { name: Topics.events, partitions: 1 }]);
    await real.producer().send(Topics.commands, [{ key: 'g.t', value: commandCodec.encode({ commandId: 'c0', stream: 'g.t', issuedAt: 0, actor: alice, origin: null, payload: { type: 'CreateConversation', kind: 'group', name: 'T', members: [alice] } }) }]);
    await ingest.start();
    await eventually(() => {
      const report = healthReport([ingest.health], { stuckMs: 1, maxLag: 1000 });
      assert.deepEqual(report.problems.map((p) => [p.consumer, p.topic, p.partition, p.reason]), [['parley-ingest', Topics.commands, 0, 'stuck']]);
      assert.match(report.problems[0]!.detail, /broker not available/);
    });
    down = false;
    await eventually(async () => assert.deepEqual((await readEvents(real)).map((e) => e.payload.type), ['ConversationCreated']));
    assert.equal(healthReport([ingest.health], { stuckMs: 1, maxLag: 1000 }).healthy, true);
    assert.equal(await real.endOffset(DEADLETTER_TOPIC, 0), 0, 'nothing dead-lettered');
  } finally {
    await ingest.close();
    await real.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('ingest snapshots its partitions (when due and on close); a restart folds only the tail and still drops duplicates', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-ingest-snap-'));
  const store = new FileSnapshotStore(join(dir, 'snapshots'));
  const open = async () => {
    const log = await EmbeddedLog.open({ dir: join(dir, 'log') });
    await log.createTopics([{ name: Topics.commands, partitions: 1 }, { name: Topics.events, partitions: 1 }]);
    const reads: number[] = [];
    const watched = Object.assign(Object.create(log) as EmbeddedLog, { read: (t: string, p: number, from: number, max: number) => (t === Topics.events && reads.push(from), log.read(t, p, from, max)) });
    const ingest = new Ingest({ log: watched, logger: silentLogger, instanceId: 't', limits: readConversationLimits({}), dedupeWindow: 100, snapshots: { store, everyEvents: 5, intervalMs: 60_000 } });
    await ingest.start();
    await ingest.recovered;
    return { log, ingest, reads };
  };
  const submit = (log: EmbeddedLog, payload: CommandPayload, i: number) =>
    log.producer().send(Topics.commands, [{ key: 'g.s', value: commandCodec.encode({ commandId: `c${i}`, stream: 'g.s', issuedAt: 0, actor: alice, origin: null, payload }) }]);
  try {
    let { log, ingest, reads } = await open();
    assert.deepEqual(reads, [], 'an empty log: nothing to fold');
    await submit(log, { type: 'CreateConversation', kind: 'group', name: 'S', members: [alice] }, 0);
    for (let i = 1; i <= 12; i++) {
      await submit(log, { type: 'SendMessage', clientMsgId: `m${i}`, kind: 'text', content: String(i) }, i);
      await eventually(async () => assert.equal((await readEvents(log)).length, i + 1));
    }
    assert.deepEqual(await readdir(join(dir, 'snapshots')), ['ingest.parley.events.0.snap'], 'written when due, before the close');
    await ingest.close();
    await log.close();

    ({ log, ingest, reads } = await open());
    assert.deepEqual(reads, [12], 'the close wrote a snapshot covering all 13 events: only its last one is read back, to check it');
    assert.deepEqual(ingest.health.report({ stuckMs: 30_000, maxLag: 100 }).problems, []);
    await submit(log, { type: 'SendMessage', clientMsgId: 'm3', kind: 'text', content: '3' }, 20);
    await submit(log, { type: 'SendMessage', clientMsgId: 'm13', kind: 'text', content: '13' }, 21);
    await eventually(async () => assert.equal((await readEvents(log)).length, 15));
    const events = (await readEvents(log)).slice(13);
    assert.deepEqual(events.map((e) => [e.payload.type, e.seq]), [['CommandDuplicate', 12], ['MessageSent', 13]]);
    await ingest.close();
    await log.close();

    // A damaged snapshot: reported in the log and in the health report's notices (ready all the same), and
    // the partition folded from the log to the same state.
    const file = join(dir, 'snapshots', 'ingest.parley.events.0.snap');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 7));
    ({ log, ingest, reads } = await open());
    assert.equal(reads[0], 0, 'folded from offset 0');
    const report = ingest.health.report({ stuckMs: 30_000, maxLag: 100 });
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.notices.map((n) => [n.consumer, n.topic, n.partition, n.count]), [['parley-ingest', Topics.events, 0, 1]]);
    assert.match(report.notices[0]!.last.detail, /snapshot ingest.parley.events.0 not used, folding the partition from the log: .*checksum/);
    await submit(log, { type: 'SendMessage', clientMsgId: 'm13', kind: 'text', content: '13' }, 22);
    await eventually(async () => assert.equal((await readEvents(log)).length, 16));
    assert.deepEqual((await readEvents(log)).slice(15).map((e) => [e.payload.type, e.seq]), [['CommandDuplicate', 13]]);
    await ingest.close();
    await log.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
