import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startKafka, type KafkaServer } from './kafka.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { startRedis, type RedisServer } from './redis.js';
import { startVersityGw, type S3Server } from './versitygw.js';
import { freePort } from './process-utils.js';

export type AppName = 'gateway' | 'ingest' | 'fanout' | 'query';

export interface ClusterOptions {
  /** Extra node flags per instance (e.g. `--cpu-prof` for a benchmark's profile). */
  nodeArgs?: (app: AppName, index: number) => string[];
}

interface Instance {
  app: AppName;
  index: number;
  env: Record<string, string>;
  child: ChildProcess;
  logs: string[];
  port?: number;
}

// libs/test-infra/dist -> apps/<app>/dist/main.js (the apps must be built).
const main = (app: AppName) => fileURLToPath(new URL(`../../../apps/${app}/dist/main.js`, import.meta.url));

/**
 * Every app as its own process on a real Kafka broker, PostgreSQL, Redis and an S3 server for query's
 * attachments (versitygw; started here on free ports): `counts` instances of each. Instances can be killed (SIGKILL), stopped (SIGTERM) and started again
 * with the same identity and ports.
 */
export class Cluster {
  readonly instances: Instance[] = [];
  private constructor(
    readonly kafka: KafkaServer,
    readonly postgres: PostgresServer,
    readonly redis: RedisServer,
    /** Query keeps attachments in its bucket (every query instance the same, as in production). */
    readonly s3: S3Server,
    private readonly env: Record<string, string>,
    private readonly options: ClusterOptions,
  ) {}

  static async start(counts: Record<AppName, number>, extraEnv: Record<string, string> = {}, options: ClusterOptions = {}): Promise<Cluster> {
    const [kafka, postgres, redis, s3] = await Promise.all([startKafka(), startPostgres(), startRedis(), startVersityGw()]);
    const databaseUrl = await postgres.createDatabase(`parley_${randomBytes(4).toString('hex')}`);
    const env = {
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      PARLEY_TOKEN_SECRET: randomBytes(32).toString('hex'),
      PARLEY_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
      PARLEY_PARTITIONS: '4',
      PARLEY_REPLICATION_FACTOR: '1',
      PARLEY_AUTH_RATE_PER_MIN: '1000000',
      PARLEY_API_RATE_PER_MIN: '10000000',
      PARLEY_FRAMES_PER_SECOND: '100000',
      PARLEY_PRESENCE_TTL_MS: '6000',
      PARLEY_LOG_LEVEL: 'info',
      ...extraEnv,
    };
    const cluster = new Cluster(kafka, postgres, redis, s3, env, options);
    try {
      // query first: it migrates the database; every app creates the topics if they are missing.
      for (let i = 0; i < counts.query; i++) await cluster.add('query', i);
      await Promise.all([
        ...Array.from({ length: counts.ingest }, (_, i) => cluster.add('ingest', i)),
        ...Array.from({ length: counts.fanout }, (_, i) => cluster.add('fanout', i)),
        ...Array.from({ length: counts.gateway }, (_, i) => cluster.add('gateway', i)),
      ]);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private async add(app: AppName, index: number): Promise<Instance> {
    const env: Record<string, string> = {
      // Query's blob store: the cluster's bucket, unless the test's own env says otherwise.
      ...(app === 'query'
        ? {
            PARLEY_S3_BUCKET: this.s3.bucket,
            PARLEY_S3_ENDPOINT: this.s3.endpoint,
            PARLEY_S3_REGION: this.s3.region,
            PARLEY_S3_ACCESS_KEY_ID: this.s3.accessKeyId,
            PARLEY_S3_SECRET_ACCESS_KEY: this.s3.secretAccessKey,
          }
        : {}),
      ...this.env,
      PARLEY_INSTANCE_ID: `${app}-${index}`,
      PORT: String(await freePort()),
      PARLEY_INTERNAL_PORT: String(await freePort()),
      PARLEY_OPS_PORT: String(await freePort()),
      PARLEY_METRICS_PORT: String(await freePort()),
      PARLEY_ADVERTISED_HOST: '127.0.0.1',
      HOST: '127.0.0.1',
    };
    const instance: Instance = { app, index, env, child: undefined as unknown as ChildProcess, logs: [] };
    this.instances.push(instance);
    // A free port can be taken by another process between freePort() and the app's bind: new ports, again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch(instance);
        return instance;
      } catch (error) {
        if (attempt >= 3 || !/Cannot listen on|EADDRINUSE/.test(String((error as Error).message))) throw error;
        for (const key of ['PORT', 'PARLEY_INTERNAL_PORT', 'PARLEY_OPS_PORT', 'PARLEY_METRICS_PORT']) env[key] = String(await freePort());
        instance.logs.length = 0;
      }
    }
  }

  private async launch(instance: Instance): Promise<void> {
    const child = spawn(process.execPath, ['--enable-source-maps', ...(this.options.nodeArgs?.(instance.app, instance.index) ?? []), main(instance.app)], { env: { ...process.env, ...instance.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    instance.child = child;
    child.stderr?.on('data', (d: Buffer) => instance.logs.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${instance.app}-${instance.index} not ready in 90 s:\n${instance.logs.slice(-30).join('\n')}`)), 90_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${instance.app}-${instance.index} exited with ${code}:\n${instance.logs.slice(-30).join('\n')}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        instance.logs.push(line);
        if (instance.logs.length > 2000) instance.logs.splice(0, 1000);
        if (line.includes(`"msg":"${instance.app} ready"`)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    instance.port = Number(instance.env['PORT']);
  }

  urls(app: AppName): string[] {
    return this.instances.filter((i) => i.app === app).map((i) => `http://127.0.0.1:${i.env['PORT']}`);
  }

  instance(app: AppName, index: number): Instance {
    const found = this.instances.find((i) => i.app === app && i.index === index);
    if (!found) throw new Error(`no ${app}-${index}`);
    return found;
  }

  /** The OS process id of a running instance. */
  pid(app: AppName, index: number): number {
    const pid = this.instance(app, index).child.pid;
    if (pid === undefined) throw new Error(`${app}-${index} has no process`);
    return pid;
  }

  /** SIGKILL: a crash, no goodbye. */
  async kill(app: AppName, index: number): Promise<void> {
    const i = this.instance(app, index);
    if (i.child.exitCode !== null || i.child.signalCode !== null) return;
    const exited = new Promise((r) => i.child.once('exit', r));
    i.child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  async terminate(app: AppName, index: number): Promise<number | null> {
    const i = this.instance(app, index);
    if (i.child.exitCode !== null) return i.child.exitCode;
    const exited = new Promise<number | null>((r) => i.child.once('exit', (code) => r(code)));
    i.child.kill('SIGTERM');
    return exited;
  }

  /** Starts a stopped or killed instance again with the same id and ports. */
  async restart(app: AppName, index: number): Promise<void> {
    const i = this.instance(app, index);
    i.child.removeAllListeners('exit');
    await this.launch(i);
  }

  /** Writes every instance's log lines to a directory (for a failed test's post-mortem); returns it. */
  dumpLogs(): string {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-logs-'));
    for (const i of this.instances) writeFileSync(join(dir, `${i.app}-${i.index}.log`), i.logs.join('\n'));
    return dir;
  }

  /** Stops every instance (SIGKILL, or SIGTERM with `graceful`, e.g. so a CPU profile gets written), then the servers. */
  async stop(graceful = false): Promise<void> {
    await Promise.all(this.instances.map(async (i) => {
      if (i.child.exitCode === null && i.child.signalCode === null) {
        const exited = new Promise((r) => i.child.once('exit', r));
        i.child.kill(graceful ? 'SIGTERM' : 'SIGKILL');
        await exited;
      }
    }));
    await Promise.all([this.kafka.stop(), this.postgres.stop(), this.redis.stop(), this.s3.stop()]);
  }
}
