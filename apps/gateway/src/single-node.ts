import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { ParleyError, healthReport, type HealthReport, type Logger } from '@parley/core';
import { EmbeddedLog, FileSnapshotStore } from '@parley/log-embedded';
import { MemoryPresence } from '@parley/presence-memory';
import { Topics, topicSpecs } from '@parley/domain';
import { AttachmentSigner, TokenService } from '@parley/auth';
import { GroupRepository, OutcomeRepository, ProfileRepository, ReceiptRepository, WorkerProjectionWriter, UploadRepository, migrateToLatest, type Database, WorkerPGlite } from '@parley/store';
import { createDirectory } from './directory.js';
import { Ingest, WorkflowRunner } from '@parley/ingest';
import { Fanout } from '@parley/fanout';
import { AttachmentSweeper, CommandBus, Projector, createHttpApp, createHttpDeps } from '@parley/query';
import { describeBlobConfig, openBlobStore } from '@parley/runtime';
import { webRoot } from '@parley/web';
import type { SingleNodeConfig } from './config.js';
import { Gateway } from './gateway.js';
import { UwsServer } from './uws-server.js';
import { createHistoryReader } from './history-reader.js';
import { createAwaitProjection } from './await-projection.js';
import { gatewayLimits, transportLimits } from './limits.js';
import { parseTokenSecret } from './token-secret.js';
import { TcpServer } from './tcp-server.js';
import { DataDirLock } from './data-dir-lock.js';
import { startControlSocket, writeBackup } from './backup.js';

export interface SingleNode {
  readonly port: number;
  /** The raw TCP port; undefined when PARLEY_TCP_PORT is off. */
  readonly tcpPort: number | undefined;
  /** Graceful stop: stop accepting, drain clients, commit consumers, close the log, the blob store and the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Every app in one process on the embedded adapters: the durable on-disk log, PGlite and in-memory
 * presence. The same app classes run as separate processes on Kafka, Postgres and Redis in distributed mode.
 */
export async function startSingleNode(config: SingleNodeConfig, logger: Logger): Promise<SingleNode> {
  // One process per data directory, before anything opens the log or the database (data-dir-lock.ts).
  const lock = await DataDirLock.acquire(config.dataDir, {
    logger: logger.child({ component: 'data-dir-lock' }),
    onLost: () => {
      logger.error('another process took over the data directory; exiting');
      process.exit(70);
    },
  });
  try {
    return await startOnLockedDataDir(config, logger, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startOnLockedDataDir(config: SingleNodeConfig, logger: Logger, lock: DataDirLock): Promise<SingleNode> {
  let ready = false;
  let health: () => HealthReport = () => healthReport([], config.healthBounds);
  let gateway: Gateway | undefined;
  let upstream: { host: string; port: number } | undefined;
  const server = new UwsServer({
    host: config.host,
    port: config.port,
    logger: logger.child({ component: 'gateway' }),
    gateway: () => gateway,
    httpUpstream: () => upstream,
    ...transportLimits(config.maxContentBytes, config.heartbeat),
    ready: () => ready,
    // Assigned once the consumers exist; /healthz says 'starting' until then.
    health: () => health(),
  });
  await server.start();
  // Like the WebSocket, bound early: a TCP client that connects while starting gets `close` 1013.
  const tcp = await TcpServer.fromConfig(config, () => gateway, logger);
  try {
    await tcp?.start();
  } catch (error) {
    server.stopListening();
    throw error;
  }

  await mkdir(config.dataDir, { recursive: true });
  const step = (msg: string, fields?: Record<string, unknown>) => logger.info(msg, fields);
  step('opening the event log', { dir: join(config.dataDir, 'log') });
  // A command is acknowledged only by its event, whose write is synced: commands take no fsync of their own.
  const log = await EmbeddedLog.open({ dir: join(config.dataDir, 'log'), fsync: config.fsync, logger: logger.child({ component: 'log' }), syncWithNextWrite: [Topics.commands] });
  await log.createTopics(topicSpecs(config.partitions));
  const partitions = await log.partitionCount(Topics.events);
  step('opening the database', { dir: join(config.dataDir, 'pg') });
  // PGlite runs in a worker thread, so projections and history reads do not block acks and deliveries;
  // the dialect only calls query() (and close() on destroy), which WorkerPGlite provides.
  const pglite = await WorkerPGlite.open(join(config.dataDir, 'pg'), (error) => {
    // Nothing can be projected or read without it: stop, so that a supervisor restarts Parley (the log
    // keeps everything acknowledged; the projections catch up from it at start).
    logger.error('the database worker stopped; exiting', { error });
    process.exit(70);
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite as unknown as PGlite) });
  const applied = await migrateToLatest(db as Kysely<unknown>);
  if (applied.length) step('database migrated', { migrations: applied });
  // PGlite has no autovacuum. Without statistics the planner reads a common search word's whole posting
  // list, and every search reads the GIN index's pending list until something merges it (docs/BENCHMARKS.md
  // 9). So: right after start and every PARLEY_ANALYZE_INTERVAL_MS, fresh statistics (ANALYZE samples a bounded
  // number of rows) and the pending list merged. Not a whole-database VACUUM at start: it reads every table
  // and took seconds on millions of messages (docs/BENCHMARKS.md 12); the tables the projector updates on
  // every message (conversation heads, read marks, offsets) are vacuumed with each pass instead.
  const maintain = async (): Promise<void> => {
    const started = Date.now();
    await sql`vacuum conversations, members, projector_offsets`.execute(db);
    await sql`analyze`.execute(db);
    await sql`select gin_clean_pending_list('message_search_tsv')`.execute(db);
    logger.debug('database analyzed', { ms: Date.now() - started });
  };
  const analyzer = setInterval(() => void maintain().catch((error: unknown) => logger.warn('analyzing the database failed', { error })), config.analyzeIntervalMs);
  analyzer.unref();

  step('opening the blob store', describeBlobConfig(config.blobs));
  const blobs = await openBlobStore(config.blobs);

  const writer = new WorkerProjectionWriter(db, pglite);
  const presence = new MemoryPresence({ ttlMs: 30_000 });
  const secret = await tokenSecret(config);
  const tokens = new TokenService({ secret, ttlSeconds: config.tokenTtlSeconds });
  const attachments = new AttachmentSigner(secret);
  const uploadRows = new UploadRepository(db);
  const store = createHttpDeps(db, tokens, logger.child({ component: 'query' }), { ...config, tokenSecret: secret }, blobs.store);
  const { conversations, messages, authenticate } = store;
  const sweeper = new AttachmentSweeper({ uploads: store.uploads, blobs: blobs.store, logger: logger.child({ component: 'attachment-sweeper' }), limits: config.uploads });

  const projector = new Projector({ log, writer, logger: logger.child({ component: 'projector' }), batchIntervalMs: config.projectorBatchMs, allPartitionsAtOnce: true });
  // Beside the log: ingest's decider state and fanout's routing state per partition, so a restart folds only the tail.
  const snapshotStore = new FileSnapshotStore(join(config.dataDir, 'log', 'snapshots'));
  const snapshots = config.snapshots.everyEvents > 0 ? { store: snapshotStore, ...config.snapshots } : undefined;
  const ingest = new Ingest({
    log,
    logger: logger.child({ component: 'ingest' }),
    instanceId: 'single-node',
    limits: config.groupLimits,
    dedupeWindow: config.dedupeWindow,
    dedupeWindowMs: config.dedupeWindowMs,
    snapshots,
    paging: config.paging,
  });
  const workflows = new WorkflowRunner({ log, logger: logger.child({ component: 'workflows' }), instanceId: 'single-node' });
  const gatewayId = `gw-${randomBytes(4).toString('hex')}`;
  const fanout = new Fanout({
    log,
    presence,
    logger: logger.child({ component: 'fanout' }),
    snapshots,
    paging: config.paging,
    deliver: async (id, batch) => {
      if (id !== gatewayId || !gateway) throw new ParleyError('unavailable', `No gateway ${id} in this process`);
      await gateway.deliver(batch);
    },
  });
  const commands = new CommandBus({
    log,
    outcomes: new OutcomeRepository(db),
    timeoutMs: 10_000,
    onProjected: (listener) => projector.on('applied', listener),
  });

  health = () => healthReport([projector.health, ingest.health, workflows.health, fanout.health], config.healthBounds);
  step('catching up the projections and consumers');
  await projector.start();
  await ingest.start();
  await workflows.start();
  await fanout.start();
  // Ready only once every partition's decider state is rebuilt: a command sent then is decided at once.
  await ingest.recovered;

  const http = createHttpApp({
    ...store,
    commands,
    staticDir: webRoot,
    readBarrier: (maxWaitMs) => projector.caughtUp(maxWaitMs),
    ready: () => ready,
    health: () => health(),
  });
  const httpServer: Server = createServer(http);
  // A whole request, body included, must arrive within this: an upload chunk (PARLEY_UPLOAD_CHUNK_BYTES, 4 MiB)
  // over a slow link too (about 35 KB/s at the default).
  httpServer.requestTimeout = 120_000;
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  upstream = { host: '127.0.0.1', port: (httpServer.address() as AddressInfo).port };

  gateway = new Gateway({
    gatewayId,
    log,
    presence,
    authenticate,
    attachments,
    attachmentHeld: (upload, userId, blob) => uploadRows.holds(upload, userId, blob),
    logger: logger.child({ component: 'gateway' }),
    heartbeatMs: 10_000,
    clientHeartbeat: config.heartbeat,
    limits: gatewayLimits(config),
    history: createHistoryReader(conversations, messages, new GroupRepository(db)),
    directory: createDirectory(new ProfileRepository(db), new ReceiptRepository(db), conversations),
    receiptFlushMs: config.receiptFlushMs,
    awaitProjection: createAwaitProjection(log, writer, partitions),
  });
  gateway.start();
  sweeper.start();
  // The first maintenance pass runs a while after ready: on 10 M messages it held the database worker for
  // seconds, and with it every login and history read of the clients reconnecting after a restart (the
  // statistics of the previous run are still there; a new database has little to analyze).
  const firstPass = setTimeout(() => void maintain().catch((error: unknown) => logger.warn('analyzing the database failed', { error })), Math.min(30_000, config.analyzeIntervalMs));
  firstPass.unref();
  // Online backups (npm run backup -- create <dest>) ask for one on <dataDir>/control.sock.
  let backingUp: Promise<unknown> = Promise.resolve();
  const control = await startControlSocket(
    config.dataDir,
    (dest, progress) => {
      const run = writeBackup(
        {
          mode: 'online',
          blobsDir: config.blobs.kind === 'local' ? config.blobs.dir : undefined,
          tokenFile: join(config.dataDir, 'token.key'),
          snapshotsDir: join(config.dataDir, 'log', 'snapshots'),
          notes: config.blobs.kind === 'local' ? [] : ['attachments are kept in S3 and are not in this backup: back the bucket up (docs/OPERATIONS.md "Backups")'],
          // Holding kysely's only connection: no transaction of the main thread's is half done in the copy.
          copyDatabase: (to, onLocked) => db.connection().execute(() => pglite.copyTo(to, onLocked)),
          holdLog: () => log.holdForBackup(),
        },
        dest,
        progress,
      );
      backingUp = run.catch(() => undefined);
      return run;
    },
    logger.child({ component: 'backup' }),
  );
  ready = true;
  logger.info('Parley is ready', {
    url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${server.port}`,
    ...(tcp ? { tcp: `${tcp.tls ? 'tls' : 'tcp'}://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${tcp.port}` } : {}),
    dataDir: config.dataDir,
  });

  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    tcpPort: tcp?.port,
    close: () =>
      (closing ??= (async () => {
        ready = false;
        control?.close();
        await backingUp;
        server.stopListening();
        tcp?.stopListening();
        await gateway?.drain(); // every client, WebSocket and TCP, is told 1001
        await tcp?.close();
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeAllConnections();
        await sweeper.close(); // waits for a pass in progress, which needs the blob store and the database
        await workflows.close();
        await ingest.close();
        await fanout.close();
        await projector.close();
        await commands.close();
        await presence.close();
        await log.close();
        await blobs.close();
        clearInterval(analyzer);
        clearTimeout(firstPass);
        await db.destroy();
        await lock.release();
        logger.info('Parley stopped');
      })()),
  };
}

/** The token key: from config, or a random one kept (0600) in the data directory so restarts keep sessions. */
async function tokenSecret(config: SingleNodeConfig): Promise<Uint8Array> {
  if (config.tokenSecret) {
    return parseTokenSecret(config.tokenSecret);
  }
  const file = join(config.dataDir, 'token.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const secret = randomBytes(32);
    await writeFile(file, secret.toString('hex'), { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
