import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { partitionForKey } from '../murmur2.js';
import type { EventLog, LogBatch, LogConsumer, LogRecord } from '../ports/event-log.js';
import { eventually } from './eventually.js';

/**
 * What every EventLog adapter must do, written once and run against each (embedded now, Kafka next).
 * `open` gives a log over fresh storage; `reopen` closes it and opens the same storage again, as a
 * restarted process would.
 */
export interface EventLogHarness {
  open(): Promise<{ log: EventLog; reopen(): Promise<EventLog>; cleanup(): Promise<void> }>;
}

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const dec = (r: LogRecord): string => Buffer.from(r.value).toString('utf8');

export function eventLogConformance(adapter: string, harness: EventLogHarness): void {
  describe(`EventLog conformance: ${adapter}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    const fresh = async () => {
      const h = await harness.open();
      cleanups.push(h.cleanup);
      const topic = `t-${randomUUID().slice(0, 8)}`;
      return { ...h, topic, group: `g-${randomUUID().slice(0, 8)}` };
    };
    const collect = (consumer: LogConsumer, into: LogRecord[], fail?: { times: number }) =>
      consumer.start(async (batch: LogBatch) => {
        if (fail && fail.times > 0) {
          fail.times--;
          throw new Error('injected failure');
        }
        into.push(...batch.records);
      });

    it('creates topics idempotently, keeping the first partition count', async () => {
      const { log, topic } = await fresh();
      await log.createTopics([{ name: topic, partitions: 3 }]);
      await log.createTopics([{ name: topic, partitions: 5 }]);
      assert.equal(await log.partitionCount(topic), 3);
    });

    it('places records by murmur2(key), offsets from 0 in order per partition', async () => {
      const { log, topic } = await fresh();
      await log.createTopics([{ name: topic, partitions: 4 }]);
      const producer = log.producer();
      const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
      const positions = await producer.send(topic, keys.flatMap((k) => [0, 1, 2].map((i) => ({ key: k, value: enc(`${k}-${i}`) }))));
      for (const [i, pos] of positions.entries()) assert.equal(pos.partition, partitionForKey(keys[Math.floor(i / 3)]!, 4));
      for (let p = 0; p < 4; p++) {
        const records = await log.read(topic, p, 0, 1000);
        assert.equal(records.length, await log.endOffset(topic, p));
        for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset);
        for (const k of keys.filter((key) => partitionForKey(key, 4) === p)) {
          assert.deepEqual(records.filter((r) => r.key === k).map(dec), [`${k}-0`, `${k}-1`, `${k}-2`]);
        }
      }
      const explicit = await producer.send(topic, [{ key: 'alice', value: enc('x'), partition: 3, headers: { trace: 't1' } }]);
      assert.equal(explicit[0]!.partition, 3);
      const [last] = await log.read(topic, 3, explicit[0]!.offset, 1);
      assert.deepEqual(last?.headers, { trace: 't1' });
      await producer.close();
    });

    it('concurrent sends on one producer each get the positions of their own records, in call order per key', async () => {
      const { log, topic } = await fresh();
      await log.createTopics([{ name: topic, partitions: 4 }]);
      const producer = log.producer();
      const keys = ['alice', 'bob', 'carol', 'dave', 'erin'];
      // 300 sends in flight at once, of 1 to 3 records each.
      const sends = Array.from({ length: 300 }, (_, i) =>
        Array.from({ length: 1 + (i % 3) }, (__, j) => ({ key: keys[i % keys.length]!, value: enc(`${i}.${j}`) })),
      );
      const results = await Promise.all(sends.map((records) => producer.send(topic, records)));
      const stored = await Promise.all([0, 1, 2, 3].map((p) => log.read(topic, p, 0, 10_000)));
      const at = new Map(stored.flat().map((r) => [`${r.partition}/${r.offset}`, dec(r)]));
      const seen = new Set<string>();
      for (const [i, positions] of results.entries()) {
        assert.equal(positions.length, sends[i]!.length);
        for (const [j, pos] of positions.entries()) {
          assert.equal(pos.partition, partitionForKey(sends[i]![j]!.key, 4));
          assert.equal(at.get(`${pos.partition}/${pos.offset}`), `${i}.${j}`);
          seen.add(`${pos.partition}/${pos.offset}`);
        }
      }
      assert.equal(seen.size, sends.reduce((n, s) => n + s.length, 0));
      for (const k of keys) {
        const values = stored[partitionForKey(k, 4)]!.filter((r) => r.key === k).map(dec);
        const expected = sends.flat().filter((r) => r.key === k).map((r) => Buffer.from(r.value).toString('utf8'));
        assert.deepEqual(values, expected);
      }
      await producer.close();
    });

    it('a consumer group receives everything once, in order per partition, and resumes after its committed offsets', async () => {
      const { log, topic, group } = await fresh();
      await log.createTopics([{ name: topic, partitions: 3 }]);
      const producer = log.producer();
      await producer.send(topic, Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 7}`, value: enc(String(i)) })));
      const seen: LogRecord[] = [];
      const c1 = log.consumer({ groupId: group, topics: [topic] });
      await collect(c1, seen);
      await eventually(() => assert.equal(seen.length, 30));
      await c1.close();
      await producer.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 7}`, value: enc(String(30 + i)) })));
      const again: LogRecord[] = [];
      const c2 = log.consumer({ groupId: group, topics: [topic] });
      await collect(c2, again);
      await eventually(() => assert.equal(again.length, 10));
      assert.deepEqual(again.map(dec).sort(), Array.from({ length: 10 }, (_, i) => String(30 + i)).sort());
      for (let k = 0; k < 7; k++) {
        const values = [...seen, ...again].filter((r) => r.key === `k${k}`).map((r) => Number(dec(r)));
        assert.deepEqual(values, [...values].sort((a, b) => a - b));
      }
      await c2.close();
    });

    it('two members of a group split the partitions; a new group replays from offset 0', async () => {
      const { log, topic, group } = await fresh();
      await log.createTopics([{ name: topic, partitions: 4 }]);
      await log.producer().send(topic, Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: enc(String(i)) })));
      const a: LogRecord[] = [];
      const b: LogRecord[] = [];
      const ca = log.consumer({ groupId: group, topics: [topic] });
      const cb = log.consumer({ groupId: group, topics: [topic] });
      await collect(ca, a);
      await collect(cb, b);
      await eventually(() => {
        assert.equal(ca.assignment().length + cb.assignment().length, 4);
        assert.ok(ca.assignment().length > 0 && cb.assignment().length > 0);
      });
      await eventually(() => assert.equal(new Set([...a, ...b].map(dec)).size, 40));
      await ca.close();
      await cb.close();
      const replay: LogRecord[] = [];
      const cr = log.consumer({ groupId: `${group}-replay`, topics: [topic] });
      await collect(cr, replay);
      await eventually(() => assert.equal(replay.length, 40));
      await cr.close();
    });

    it("startFrom 'latest' skips history; startOffset overrides the committed offset", async () => {
      const { log, topic, group } = await fresh();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      const producer = log.producer();
      await producer.send(topic, [0, 1, 2, 3].map((i) => ({ key: 'k', value: enc(String(i)) })));
      const latest: LogRecord[] = [];
      const cl = log.consumer({ groupId: group, topics: [topic], startFrom: 'latest' });
      await collect(cl, latest);
      // When 'latest' is resolved against a concurrent write is a race on Kafka too: keep writing until one
      // arrives, then check that nothing from before the consumer started did.
      let n = 4;
      await eventually(async () => {
        if (latest.length === 0) await producer.send(topic, [{ key: 'k', value: enc(String(n++)) }]);
        assert.ok(latest.length > 0);
      }, 30_000, 250);
      assert.ok(latest.every((r) => Number(dec(r)) >= 4), `got ${latest.map(dec).join()}`);
      await cl.close();
      const from2: LogRecord[] = [];
      const co = log.consumer({ groupId: `${group}-o`, topics: [topic], startOffset: async () => 2 });
      await collect(co, from2);
      await eventually(() => assert.deepEqual(from2.map(dec), Array.from({ length: n - 2 }, (_, i) => String(i + 2))));
      await co.close();
    });

    it('onAssign gets the partitions before any of their batches, and again when they move between members', async () => {
      const { log, topic, group } = await fresh();
      await log.createTopics([{ name: topic, partitions: 2 }]);
      await log.producer().send(topic, [{ key: 'a', value: enc('1') }, { key: 'b', value: enc('2') }, { key: 'c', value: enc('3') }]);
      const events: string[] = [];
      const member = (name: string) =>
        log.consumer({
          groupId: group,
          topics: [topic],
          onAssign: async (parts) => {
            for (const p of parts) events.push(`${name}:assign:${p.partition}`);
          },
        });
      const a = member('a');
      await a.start(async (batch) => {
        events.push(`a:batch:${batch.partition}`);
      });
      await eventually(() => assert.equal(events.filter((e) => e.startsWith('a:batch')).length >= 1, true));
      for (const p of [0, 1]) {
        const firstBatch = events.indexOf(`a:batch:${p}`);
        if (firstBatch >= 0) assert.ok(events.indexOf(`a:assign:${p}`) < firstBatch, `assign before batch of ${p}: ${events.join()}`);
      }
      assert.deepEqual(events.filter((e) => e.includes(':assign:')).sort(), ['a:assign:0', 'a:assign:1']);
      const b = member('b');
      await b.start(async () => undefined);
      await eventually(() => assert.equal(events.filter((e) => e.startsWith('b:assign')).length, 1));
      await b.close();
      await eventually(() => assert.equal(events.filter((e) => e.startsWith('a:assign')).length, 3), 30_000);
      await a.close();
    });

    it('a failing handler gets the same batch again; nothing is skipped', async () => {
      const { log, topic, group } = await fresh();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      await log.producer().send(topic, [0, 1, 2].map((i) => ({ key: 'k', value: enc(String(i)) })));
      const seen: LogRecord[] = [];
      const consumer = log.consumer({ groupId: group, topics: [topic] });
      await collect(consumer, seen, { times: 2 });
      await eventually(() => assert.deepEqual(seen.map(dec), ['0', '1', '2']));
      await consumer.close();
    });

    it('consume-transform-produce commits outputs and input offsets together, exactly once across restarts', async () => {
      const { log, topic, group } = await fresh();
      const out = `${topic}-out`;
      await log.createTopics([{ name: topic, partitions: 2 }, { name: out, partitions: 2 }]);
      await log.producer().send(topic, Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 5}`, value: enc(String(i)) })));
      const transform = (c: LogConsumer) =>
        c.start(async (batch) => ({
          produce: [{ topic: out, records: batch.records.map((r) => ({ key: r.key, value: enc(`${dec(r)}!`), partition: batch.partition })) }],
        }));
      const c1 = log.consumer({ groupId: group, topics: [topic], transactionalId: `${group}-tx` });
      await transform(c1);
      const total = async () => {
        let n = 0;
        for (let p = 0; p < 2; p++) n += (await log.read(out, p, 0, 1000)).length;
        return n;
      };
      await eventually(async () => assert.equal(await total(), 20));
      await c1.close();
      const c2 = log.consumer({ groupId: group, topics: [topic], transactionalId: `${group}-tx` });
      await transform(c2);
      await log.producer().send(topic, [{ key: 'k0', value: enc('20') }]);
      await eventually(async () => assert.equal(await total(), 21));
      await c2.close();
      const outputs: string[] = [];
      for (let p = 0; p < 2; p++) outputs.push(...(await log.read(out, p, 0, 1000)).map(dec));
      assert.deepEqual(outputs.sort(), Array.from({ length: 21 }, (_, i) => `${i}!`).sort());
      // A reader that keeps batch.nextOffset reaches the end offset, markers included.
      const next = new Map<number, number>();
      const reader = log.consumer({ groupId: `${group}-reader`, topics: [out] });
      await reader.start(async (batch) => {
        next.set(batch.partition, Math.max(next.get(batch.partition) ?? 0, batch.nextOffset));
      });
      await eventually(async () => {
        for (let p = 0; p < 2; p++) assert.equal(next.get(p) ?? 0, await log.endOffset(out, p), `partition ${p}`);
      }, 30_000);
      await reader.close();
    });

    it('records and committed offsets survive a restart', async () => {
      const h = await fresh();
      await h.log.createTopics([{ name: h.topic, partitions: 2 }]);
      await h.log.producer().send(h.topic, Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: enc(String(i)) })));
      const first: LogRecord[] = [];
      const c1 = h.log.consumer({ groupId: h.group, topics: [h.topic] });
      await collect(c1, first);
      await eventually(() => assert.equal(first.length, 10));
      await c1.close();
      const log = await h.reopen();
      assert.equal(await log.partitionCount(h.topic), 2);
      let stored = 0;
      for (let p = 0; p < 2; p++) stored += (await log.read(h.topic, p, 0, 100)).length;
      assert.equal(stored, 10);
      await log.producer().send(h.topic, [{ key: 'k1', value: enc('10') }]);
      const second: LogRecord[] = [];
      const c2 = log.consumer({ groupId: h.group, topics: [h.topic] });
      await collect(c2, second);
      await eventually(() => assert.deepEqual(second.map(dec), ['10']));
      await c2.close();
    });

    it("retention.ms: a sealed segment's records older than it leave the log, offsets stay, a reader from below starts at the oldest kept, and a topic without it keeps all", async () => {
      const h = await fresh();
      const { topic, group } = h;
      const kept = `${topic}-kept`;
      await h.log.createTopics([
        { name: topic, partitions: 1, config: { 'retention.ms': '1000', 'segment.ms': '100' } },
        { name: kept, partitions: 1, config: { 'retention.ms': '-1', 'segment.ms': '100' } },
      ]);
      const values = ['a', 'b', 'c', 'd', 'e'];
      // Whatever is left is a run of the newest records at their own offsets (Kafka may also remove the
      // newest once they pass retention: it deletes an expired active segment too).
      const left = (records: LogRecord[], oldest: number): void => {
        for (const r of records) {
          assert.ok(r.offset >= oldest, `offset ${r.offset} should be gone`);
          assert.equal(dec(r), values[r.offset], `offset ${r.offset} keeps its record`);
        }
      };
      const producer = h.log.producer();
      for (const t of [topic, kept]) await producer.send(t, ['a', 'b', 'c'].map((v) => ({ key: 'k', value: enc(v) })));
      await new Promise((r) => setTimeout(r, 1500));
      // The next append seals the segment holding a, b and c (older than segment.ms): retention removes it.
      for (const t of [topic, kept]) await producer.send(t, [{ key: 'k', value: enc('d') }]);
      await eventually(async () => left(await h.log.read(topic, 0, 0, 10), 3), 60_000, 200);
      assert.equal(await h.log.endOffset(topic, 0), 4);
      assert.deepEqual((await h.log.read(kept, 0, 0, 10)).map(dec), ['a', 'b', 'c', 'd']);
      const seen: LogRecord[] = [];
      const consumer = h.log.consumer({ groupId: group, topics: [topic] });
      await collect(consumer, seen);
      await producer.send(topic, [{ key: 'k', value: enc('e') }]);
      await eventually(() => assert.equal(seen.at(-1)?.offset, 4));
      left(seen, 3);
      await consumer.close();
      const log = await h.reopen();
      left(await log.read(topic, 0, 0, 10), 3);
      assert.equal(await log.endOffset(topic, 0), 5, 'after a restart');
      assert.deepEqual((await log.read(kept, 0, 1, 10)).map((r) => r.offset), [1, 2, 3]);
    });
  });
}
