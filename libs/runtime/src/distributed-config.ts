import { hostname } from 'node:os';
import { ParleyError, readEnum, readInt, readOptionalString, readString, type Env, type LogLevel } from '@parley/core';

/** Settings every distributed app reads (docs/OPERATIONS.md lists them). Each app's config.ts adds its own. */
export interface CommonConfig {
  readonly logLevel: LogLevel;
  /** Stable per instance: Kafka's transactional.id for ingest, the name in a gateway's id. */
  readonly instanceId: string;
  readonly kafkaBrokers: readonly string[];
  /** Consumer groups' session timeout (PARLEY_KAFKA_SESSION_TIMEOUT_MS): how soon a dead member's partitions move. */
  readonly kafkaSessionTimeoutMs: number;
  /** Partitions of the commands and events topics when this app has to create them. */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Port of the /healthz endpoint (ingest and fanout, which serve nothing else). */
  readonly opsPort: number;
  /** Port of the Prometheus /metrics endpoint (0: none). */
  readonly metricsPort: number;
  /** OTLP/HTTP collector for traces; none: traces are not exported. */
  readonly otlpEndpoint: string | undefined;
}

export function readCommonConfig(env: Env): CommonConfig {
  const brokers = readString(env, 'KAFKA_BROKERS').split(',').map((b) => b.trim()).filter(Boolean);
  for (const b of brokers) if (!/^[A-Za-z0-9_.-]+:\d+$/.test(b)) throw new ParleyError('config', `Invalid configuration: KAFKA_BROKERS entry "${b}" must be host:port`);
  return {
    logLevel: readEnum(env, 'PARLEY_LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    instanceId: readString(env, 'PARLEY_INSTANCE_ID', hostname()).replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64),
    kafkaBrokers: brokers,
    kafkaSessionTimeoutMs: readInt(env, 'PARLEY_KAFKA_SESSION_TIMEOUT_MS', 10_000, { min: 1000, max: 300_000 }),
    partitions: readInt(env, 'PARLEY_PARTITIONS', 12, { min: 1, max: 1024 }),
    replicationFactor: readInt(env, 'PARLEY_REPLICATION_FACTOR', -1, { min: -1, max: 16 }),
    opsPort: readInt(env, 'PARLEY_OPS_PORT', 9465, { min: 0, max: 65535 }),
    metricsPort: readInt(env, 'PARLEY_METRICS_PORT', 9464, { min: 0, max: 65535 }),
    otlpEndpoint: readOptionalString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
  };
}

/** The token key shared by every app that signs or checks tokens: 64+ hex digits. */
export function readTokenSecret(env: Env): Uint8Array {
  const raw = readString(env, 'PARLEY_TOKEN_SECRET');
  const bytes = /^[0-9a-fA-F]+$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (bytes.length < 32) throw new ParleyError('config', 'Invalid configuration: PARLEY_TOKEN_SECRET must hold at least 32 bytes (64 hex digits)');
  return bytes;
}

/** The shared secret fanout presents to gateways' internal delivery endpoint. */
export function readInternalToken(env: Env): string {
  const token = readString(env, 'PARLEY_INTERNAL_TOKEN');
  if (token.length < 24) throw new ParleyError('config', 'Invalid configuration: PARLEY_INTERNAL_TOKEN must be at least 24 characters');
  return token;
}
