import type { Redis } from 'ioredis';
import type { Presence, PresenceEntry, PresenceListener, PresenceSignal } from '@parley/core';

export interface RedisPresenceOptions {
  /** A connected ioredis client, created and closed by the caller (main.ts). */
  readonly redis: Redis;
  /** A gateway that has not heartbeated for this long is dead; its connections expire. */
  readonly ttlMs: number;
  /** Key prefix, so several deployments (or tests) can share one Redis. */
  readonly prefix?: string;
}

/*
 * Keys (prefix P):
 *   P:gateways       ZSET gatewayId -> last heartbeat (Redis server time, ms): the leases
 *   P:u:<userId>     HASH "<gatewayId>\x1f<connectionId>" -> "1": where a user is connected
 *   P:g:<gatewayId>  SET  "<userId>\x1f<connectionId>": what a gateway holds, to expire it in one sweep
 *   P:changes        pub/sub channel of {"userId","online"} when a user goes online or offline
 *   P:seen           HASH userId -> when the user last went offline (Redis server time, ms)
 *   P:signals        pub/sub channel of ephemeral signals (typing), JSON
 * Every change is one Lua script, so concurrent gateways and sweepers never see half an update.
 */
const SEP = '\u001f';

const CONNECT = `
local now = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), ARGV[1])
local before = redis.call('HLEN', KEYS[2])
redis.call('HSET', KEYS[2], ARGV[1] .. ARGV[4] .. ARGV[2], '1')
redis.call('SADD', KEYS[3], ARGV[3] .. ARGV[4] .. ARGV[2])
if before == 0 then redis.call('PUBLISH', KEYS[4], cjson.encode({userId = ARGV[3], online = true})) end
return before`;

const DISCONNECT = `
local removed = redis.call('HDEL', KEYS[2], ARGV[1] .. ARGV[4] .. ARGV[2])
redis.call('SREM', KEYS[3], ARGV[3] .. ARGV[4] .. ARGV[2])
if removed == 1 and redis.call('HLEN', KEYS[2]) == 0 then
  local now = redis.call('TIME')
  redis.call('HSET', KEYS[5], ARGV[3], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
  redis.call('PUBLISH', KEYS[4], cjson.encode({userId = ARGV[3], online = false}))
end
return removed`;

const HEARTBEAT = `
local now = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), ARGV[1])
return redis.call('EXISTS', KEYS[2])`;

/* Expires every gateway whose lease ran out: removes its connections, reports users who went offline. */
const SWEEP = `
local now = redis.call('TIME')
local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[1])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
for _, gw in ipairs(dead) do
  redis.call('ZREM', KEYS[1], gw)
  local gkey = ARGV[2] .. ':g:' .. gw
  for _, member in ipairs(redis.call('SMEMBERS', gkey)) do
    local sep = string.find(member, ARGV[3], 1, true)
    local user = string.sub(member, 1, sep - 1)
    local conn = string.sub(member, sep + 1)
    local ukey = ARGV[2] .. ':u:' .. user
    if redis.call('HDEL', ukey, gw .. ARGV[3] .. conn) == 1 and redis.call('HLEN', ukey) == 0 then
      redis.call('HSET', ARGV[2] .. ':seen', user, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
      redis.call('PUBLISH', KEYS[2], cjson.encode({userId = user, online = false}))
    end
  end
  redis.call('DEL', gkey)
end
return #dead`;

/** Presence on Redis: shared by every gateway and fanout instance; passes the same conformance suite as the in-memory one. */
export class RedisPresence implements Presence {
  private readonly prefix: string;
  private readonly listeners = new Set<PresenceListener>();
  private readonly signalListeners = new Set<(signal: PresenceSignal) => void>();
  private readonly subscriber: Redis;
  private readonly subscribed: Promise<void>;
  private readonly sweeper: NodeJS.Timeout;
  /** What this instance registered, to put back after Redis lost it (a restart without persistence). */
  private readonly local = new Map<string, Map<string, PresenceEntry>>();
  private closed = false;

  constructor(private readonly options: RedisPresenceOptions) {
    this.prefix = options.prefix ?? 'parley:presence';
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), Math.max(10, Math.floor(options.ttlMs / 4)));
    this.sweeper.unref();
    this.subscriber = options.redis.duplicate();
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, message: string) => {
      let value: unknown;
      try {
        value = JSON.parse(message);
      } catch {
        return;
      }
      if (typeof value !== 'object' || value === null) return;
      if (channel === `${this.prefix}:signals`) {
        if (typeof (value as { kind?: unknown }).kind !== 'string') return;
        for (const l of this.signalListeners) l(value as PresenceSignal);
        return;
      }
      for (const l of this.listeners) l(value as { userId: string; online: boolean });
    });
    this.subscribed = this.subscriber.subscribe(`${this.prefix}:changes`, `${this.prefix}:signals`).then(() => undefined);
  }

  private keys(entry: PresenceEntry): string[] {
    return [`${this.prefix}:gateways`, `${this.prefix}:u:${entry.userId}`, `${this.prefix}:g:${entry.gatewayId}`, `${this.prefix}:changes`, `${this.prefix}:seen`];
  }

  async connect(entry: PresenceEntry): Promise<void> {
    let mine = this.local.get(entry.gatewayId);
    if (!mine) this.local.set(entry.gatewayId, (mine = new Map()));
    mine.set(`${entry.userId}${SEP}${entry.connectionId}`, entry);
    await this.options.redis.eval(CONNECT, 5, ...this.keys(entry), entry.gatewayId, entry.connectionId, entry.userId, SEP);
  }

  async disconnect(entry: PresenceEntry): Promise<void> {
    this.local.get(entry.gatewayId)?.delete(`${entry.userId}${SEP}${entry.connectionId}`);
    await this.options.redis.eval(DISCONNECT, 5, ...this.keys(entry), entry.gatewayId, entry.connectionId, entry.userId, SEP);
  }

  async heartbeat(gatewayId: string): Promise<void> {
    const exists = (await this.options.redis.eval(HEARTBEAT, 2, `${this.prefix}:gateways`, `${this.prefix}:g:${gatewayId}`, gatewayId)) as number;
    const mine = this.local.get(gatewayId);
    if (exists === 0 && mine && mine.size > 0) {
      // Redis forgot this gateway's connections (restarted empty): register them again.
      for (const entry of mine.values()) await this.options.redis.eval(CONNECT, 5, ...this.keys(entry), entry.gatewayId, entry.connectionId, entry.userId, SEP);
    }
  }

  async locate(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (userIds.length === 0) return found;
    const pipeline = this.options.redis.pipeline();
    for (const userId of userIds) pipeline.hkeys(`${this.prefix}:u:${userId}`);
    const results = (await pipeline.exec()) ?? [];
    const byUser = new Map<string, Set<string>>();
    const gateways = new Set<string>();
    results.forEach(([error, fields], i) => {
      if (error) throw error;
      const set = new Set((fields as string[]).map((f) => f.slice(0, f.indexOf(SEP))));
      if (set.size > 0) byUser.set(userIds[i]!, set);
      for (const g of set) gateways.add(g);
    });
    if (gateways.size === 0) return found;
    const list = [...gateways];
    const [[, time], [, scores]] = (await this.options.redis.multi().time().zmscore(`${this.prefix}:gateways`, ...list).exec()) as [[null, [string, string]], [null, Array<string | null>]];
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const alive = new Set(list.filter((_, i) => scores[i] !== null && now - Number(scores[i]) <= this.options.ttlMs));
    for (const [userId, set] of byUser) {
      const live = [...set].filter((g) => alive.has(g));
      if (live.length > 0) found.set(userId, live);
    }
    return found;
  }

  async lastSeen(userIds: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (userIds.length === 0) return found;
    const values = await this.options.redis.hmget(`${this.prefix}:seen`, ...userIds);
    values.forEach((v, i) => {
      if (v !== null) found.set(userIds[i]!, Number(v));
    });
    return found;
  }

  async publish(signal: PresenceSignal): Promise<void> {
    await this.options.redis.publish(`${this.prefix}:signals`, JSON.stringify(signal));
  }

  onSignal(listener: (signal: PresenceSignal) => void): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }

  onChange(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the change subscription is live: changes before it are not reported. */
  ready(): Promise<void> {
    return this.subscribed;
  }

  /** Expires dead gateways now (also runs every ttl/4). */
  async sweep(): Promise<number> {
    if (this.closed) return 0;
    return (await this.options.redis.eval(SWEEP, 2, `${this.prefix}:gateways`, `${this.prefix}:changes`, String(this.options.ttlMs), this.prefix, SEP)) as number;
  }

  /** Stops the sweeper and the subscription; the caller closes its client. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.listeners.clear();
    this.signalListeners.clear();
    this.subscriber.disconnect();
  }
}
