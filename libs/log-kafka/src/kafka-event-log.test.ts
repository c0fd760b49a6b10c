import { after } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { eventLogConformance } from '@parley/core/conformance';
import { silentLogger, type EventLog } from '@parley/core';
import { startKafka, type KafkaServer } from '@parley/test-infra';
import { KafkaEventLog } from './kafka-event-log.js';

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
