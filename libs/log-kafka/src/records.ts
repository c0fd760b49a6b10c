import type { KafkaMessage, Message } from 'kafkajs';
import type { LogRecord, OutgoingRecord } from '@parley/core';

/** kafkajs message -> port record (offsets and timestamps come as strings; headers as Buffers). */
export function toLogRecord(topic: string, partition: number, m: KafkaMessage): LogRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0] ?? '') : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  const value = m.value ?? Buffer.alloc(0);
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key?.toString('utf8') ?? '',
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers,
    timestamp: Number(m.timestamp),
  };
}

/** Port record -> kafkajs message, with the partition already chosen (murmur2, as the embedded log does). */
export function toMessage(r: OutgoingRecord, partition: number): Message {
  return {
    key: r.key,
    value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    partition,
    ...(r.headers ? { headers: { ...r.headers } } : {}),
  };
}
