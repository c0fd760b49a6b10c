import { Type, type Static } from '@sinclair/typebox';

/**
 * GET /healthz. `ok` (200); `starting` (503) before the node is up; `unhealthy` (503) when a consumer is
 * stuck or lagging (`problems`) — the readiness logic is @parley/core's healthBody; this is its wire shape.
 */
export const Health = Type.Object({
  status: Type.Unsafe<'ok' | 'starting' | 'unhealthy'>({ type: 'string', enum: ['ok', 'starting', 'unhealthy'] }),
  connections: Type.Optional(Type.Integer({ minimum: 0, description: 'Open WebSocket connections (single-node gateway only).' })),
  problems: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'Stuck, lagging or recovering consumers: { consumer, topic, partition, reason, detail, offset }.' })),
  quarantined: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'Quarantined records per consumer partition: { consumer, topic, partition, count, last }.' })),
  notices: Type.Optional(
    Type.Array(Type.Object({}, { additionalProperties: true }), {
      description: 'What recovery worked around, per consumer partition: { consumer, topic, partition, count, last: { detail, at } } (a snapshot that failed a check or could not be written).',
    }),
  ),
});
export type Health = Static<typeof Health>;
