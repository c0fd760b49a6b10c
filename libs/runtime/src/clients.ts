import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Logger } from '@parley/core';

/** A kafkajs client whose own logs go to our JSON logger (warnings and errors only). */
export function createKafkaClient(clientId: string, brokers: readonly string[], logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: KafkaLogLevel.WARN,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...fields } = log;
        if (level <= KafkaLogLevel.ERROR) logger.error(`kafka: ${message}`, fields);
        else logger.warn(`kafka: ${message}`, fields);
      },
  });
}

export function createPostgres<DB>(url: string, maxConnections: number): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: maxConnections }) }) });
}

export function createRedisClient(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 3, enableOfflineQueue: true });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn('redis unreachable; retrying', { error: error.message });
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis reachable again');
    down = false;
  });
  return redis;
}
