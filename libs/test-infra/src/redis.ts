import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { useContainers } from './docker.js';
import { startRedisContainer } from './containers.js';
import { ensureDebianPackages, freePort, startDaemon, waitUntil, type Daemon } from './process-utils.js';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Kills and starts it again on the same port, empty (as after a crash without persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const REDIS = '/usr/bin/redis-server';

/** A throwaway Redis on a free port in a temporary directory, no persistence. Installs redis-server when missing. */
export async function startRedis(log: (line: string) => void = () => undefined): Promise<RedisServer> {
  if (useContainers()) return startRedisContainer();
  ensureDebianPackages(REDIS, ['redis-server'], log);
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let daemon: Daemon;
  const launch = async (): Promise<void> => {
    daemon = startDaemon(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no']);
    await waitUntil('Redis', daemon, async () => {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, 20_000);
  };
  await launch();
  return {
    url,
    port,
    async restart() {
      await daemon.kill();
      await launch();
    },
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
