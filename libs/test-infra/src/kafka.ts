import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { useContainers } from './docker.js';
import { startKafkaContainer } from './containers.js';
import { ensureDebianPackages, freePort, startDaemon, waitUntil, type Daemon } from './process-utils.js';

export const KAFKA_VERSION = '3.9.1';
const SLF4J_VERSION = '1.7.36';

export interface KafkaServer {
  /** host:port of the single broker. */
  readonly brokers: string[];
  /** Kills the broker and starts it again on the same data and ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Where the broker's jars are kept between runs on one machine. */
function jarDir(): string {
  const cache = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(cache, 'parley', `kafka-${KAFKA_VERSION}`, 'libs');
}

/**
 * Downloads Apache Kafka's broker jars and their runtime dependencies from Maven Central (with Maven,
 * into a per-machine cache), once. Installs a JRE and Maven from Debian when they are missing.
 */
export function ensureKafkaJars(log: (line: string) => void): string {
  const libs = jarDir();
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) return libs;
  ensureDebianPackages('/usr/bin/java', ['openjdk-17-jre-headless'], log);
  ensureDebianPackages('/usr/bin/mvn', ['maven'], log);
  log(`downloading Apache Kafka ${KAFKA_VERSION} jars from Maven Central (once per machine)...`);
  const work = mkdtempSync(join(tmpdir(), 'parley-kafka-fetch-'));
  writeFileSync(
    join(work, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>dev.parley</groupId><artifactId>kafka-fetch</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${SLF4J_VERSION}</version></dependency>
</dependencies></project>`,
  );
  const staging = join(work, 'libs');
  const r = spawnSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'], {
    cwd: work,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`Maven could not fetch the Kafka jars (exit ${r.status}); check access to Maven Central`);
  mkdirSync(join(libs, '..'), { recursive: true });
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  rmSync(work, { recursive: true, force: true });
  return libs;
}

/**
 * A single-broker Apache Kafka in KRaft mode (broker and controller in one JVM) on free ports in a
 * temporary directory, tuned for tests: replication factor 1, no initial rebalance delay, few internal
 * partitions.
 */
export async function startKafka(log: (line: string) => void = () => undefined): Promise<KafkaServer> {
  if (useContainers()) return startKafkaContainer();
  const libs = ensureKafkaJars(log);
  const dir = mkdtempSync(join(tmpdir(), 'parley-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=4',
      'group.initial.rebalance.delay.ms=0',
      // Lets a test (or the takeover benchmark) set PARLEY_KAFKA_SESSION_TIMEOUT_MS under Kafka's default minimum of 6 s.
      'group.min.session.timeout.ms=1000',
      'num.network.threads=2',
      'num.io.threads=2',
      'log.segment.bytes=67108864',
      // Retention is checked every second (Kafka's default: five minutes), so the conformance suite can see it act.
      'log.retention.check.interval.ms=1000',
    ].join('\n'),
  );
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(log4j, 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
  const classpath = `${libs}/*`;
  // Base64url may start with '-', which the tool's argument parser takes for an option (as Kafka's own
  // Uuid.randomUuid avoids): draw again until it does not.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const format = spawnSync('java', ['-cp', classpath, `-Dlog4j.configuration=file:${log4j}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`kafka-storage format failed:\n${format.stdout}\n${format.stderr}`);
  const brokers = [`127.0.0.1:${port}`];
  let daemon: Daemon;
  const launch = async (): Promise<void> => {
    daemon = startDaemon('java', ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${log4j}`, '-cp', classpath, 'kafka.Kafka', properties]);
    const admin = new Kafka({ clientId: 'parley-test-infra', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try {
      await waitUntil('Kafka', daemon, async () => {
        await admin.connect();
        await admin.listTopics();
        return true;
      }, 90_000);
    } finally {
      await admin.disconnect();
    }
  };
  await launch();
  return {
    brokers,
    async restart() {
      await daemon.kill();
      await launch();
    },
    async stop() {
      await daemon.stop(15_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
