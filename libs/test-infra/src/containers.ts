import pg from 'pg';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { KafkaContainer } from '@testcontainers/kafka';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import type { KafkaServer } from './kafka.js';
import type { PostgresServer } from './postgres.js';
import type { RedisServer } from './redis.js';
import { freePort } from './process-utils.js';

/*
 * The same fixtures on a Docker engine (a laptop): official images, started by testcontainers. Redis is
 * bound to a fixed host port so a restart keeps its address; Kafka's mapped port is chosen by Docker.
 */
export async function startPostgresContainer(): Promise<PostgresServer> {
  const container = await new PostgreSqlContainer('postgres:16-alpine').withUsername('postgres').withPassword('postgres').withDatabase('postgres').start();
  const base = `postgres://postgres:postgres@${container.getHost()}:${container.getPort()}`;
  return {
    url: `${base}/postgres`,
    port: container.getPort(),
    async createDatabase(name) {
      if (!/^[a-z0-9_]{1,60}$/.test(name)) throw new Error(`bad database name ${name}`);
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    stop: async () => void (await container.stop()),
  };
}

export async function startRedisContainer(): Promise<RedisServer> {
  const port = await freePort();
  let container: StartedTestContainer = await new GenericContainer('redis:7-alpine').withExposedPorts({ container: 6379, host: port }).withCommand(['redis-server', '--save', '', '--appendonly', 'no']).start();
  return {
    url: `redis://${container.getHost()}:${port}`,
    port,
    async restart() {
      await container.stop();
      container = await new GenericContainer('redis:7-alpine').withExposedPorts({ container: 6379, host: port }).withCommand(['redis-server', '--save', '', '--appendonly', 'no']).start();
    },
    stop: async () => void (await container.stop()),
  };
}

export async function startKafkaContainer(): Promise<KafkaServer> {
  const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0')
    .withKraft()
    .withEnvironment({ KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0', KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1', KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' })
    .start();
  const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
  return {
    brokers,
    restart: async () => void (await container.restart()),
    stop: async () => void (await container.stop()),
  };
}
