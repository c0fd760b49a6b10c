import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { eventLogConformance, snapshotStoreConformance } from '@parley/core/conformance';
import { isParleyError, silentLogger, type EventLog, type OutgoingRecord } from '@parley/core';
import { startKafka, type KafkaServer } from '@parley/test-infra';
import { KafkaEventLog } from './kafka-event-log.js';
import { TopicSnapshotStore, snapshotTopicSpec } from './topic-snapshot-store.js';

let server: KafkaServer | undefined;
after(async () => {
  await server?.stop();
});

eventLogConformance('Kafka', {
  async open() {
    server ??= await startKafka();
    const kafka = new Kafka({ clientId: 'parley-conformance', brokers: server.brokers, logLevel: logLevel.NOTHING });
    let log: EventLog = new KafkaEventLog({ kafka, logger: silentLogger });
    return {
      log,
      async reopen() {
        await log.close();
        log = new KafkaEventLog({ kafka, logger: silentLogger });
        return log;
      },
      async cleanup() {
        await log.close();
      },
    };
  },
});

snapshotStoreConformance('Kafka compacted topic', {
  async open() {
    server ??= await startKafka();
    const kafka = new Kafka({ clientId: 'parley-snapshot-conformance', brokers: server.brokers, logLevel: logLevel.NOTHING });
    const topic = `parley.snapshots.${randomUUID().slice(0, 8)}`;
    const logs: EventLog[] = [];
    const store = async (): Promise<TopicSnapshotStore> => {
      const log = new KafkaEventLog({ kafka, logger: silentLogger });
      logs.push(log);
      await log.createTopics([snapshotTopicSpec(topic, 2)]);
      return new TopicSnapshotStore(log, topic);
    };
    return {
      store: await store(),
      reopen: store,
      async cleanup() {
        await Promise.all(logs.map((l) => l.close()));
      },
    };
  },
});

describe('TopicSnapshotStore on Kafka', () => {
  /** A one-partition snapshots topic, a store over it, and a producer writing raw records into it. */
  async function open(): Promise<{ store: TopicSnapshotStore; write(records: OutgoingRecord[]): Promise<void>; close(): Promise<void> }> {
    server ??= await startKafka();
    const kafka = new Kafka({ clientId: 'parley-snapshot-store', brokers: server.brokers, logLevel: logLevel.NOTHING });
    const topic = `parley.snapshots.${randomUUID().slice(0, 8)}`;
    const log = new KafkaEventLog({ kafka, logger: silentLogger });
    await log.createTopics([snapshotTopicSpec(topic, 1)]);
    const producer = log.producer();
    return {
      store: new TopicSnapshotStore(log, topic),
      write: async (records) => void (await producer.send(topic, records)),
      async close() {
        await producer.close();
        await log.close();
      },
    };
  }
  const chunk = (name: string, id: string, i: number, n: number, value: string): OutgoingRecord => ({
    key: `${name}/${i}`,
    value: Buffer.from(value),
    headers: { 'parley-snapshot': id, 'parley-chunk': String(i), 'parley-chunks': String(n) },
  });
  const manifest = (name: string, id: string, n: number, bytes: number): OutgoingRecord => ({
    key: name,
    value: new Uint8Array(0),
    headers: { 'parley-snapshot': id, 'parley-chunks': String(n), 'parley-bytes': String(bytes) },
  });

  it('answers with the save before one that did not finish (its chunks written, no manifest)', async () => {
    const h = await open();
    try {
      await h.store.save('ingest.parley.events.0', Buffer.from('whole'));
      // A later save of two chunks cut short after its first: a crash between chunks.
      await h.write([chunk('ingest.parley.events.0', 'cut-short', 0, 2, 'new-')]);
      assert.equal(Buffer.from((await h.store.load('ingest.parley.events.0'))!).toString(), 'whole');
      // A manifest whose chunks are not all there is passed over the same way.
      await h.write([manifest('ingest.parley.events.0', 'cut-short', 2, 8)]);
      assert.equal(Buffer.from((await h.store.load('ingest.parley.events.0'))!).toString(), 'whole');
    } finally {
      await h.close();
    }
  });

  it("finds a name's newest save behind hundreds of records of other names (reading back from the end)", async () => {
    const h = await open();
    try {
      await h.store.save('fanout.parley.events.3', Buffer.from('old'));
      await h.store.save('fanout.parley.events.3', Buffer.from('newest'));
      const others: OutgoingRecord[] = [];
      for (let i = 0; i < 200; i++) others.push(chunk('ingest.parley.events.1', `other-${i}`, 0, 1, `v${i}`), manifest('ingest.parley.events.1', `other-${i}`, 1, `v${i}`.length));
      await h.write(others);
      assert.equal(Buffer.from((await h.store.load('fanout.parley.events.3'))!).toString(), 'newest');
      assert.equal(Buffer.from((await h.store.load('ingest.parley.events.1'))!).toString(), 'v199');
      assert.equal(await h.store.load('fanout.parley.events.0'), undefined);
    } finally {
      await h.close();
    }
  });

  it('throws corrupt when the only manifest of a name has lost its chunks', async () => {
    const h = await open();
    try {
      await h.write([manifest('ingest.parley.events.2', 'gone', 1, 3)]);
      await assert.rejects(h.store.load('ingest.parley.events.2'), (e) => isParleyError(e, 'corrupt'));
    } finally {
      await h.close();
    }
  });
});
