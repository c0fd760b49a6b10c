import { after } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { eventLogConformance, snapshotStoreConformance } from '@parley/core/conformance';
import { silentLogger, type EventLog } from '@parley/core';
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
