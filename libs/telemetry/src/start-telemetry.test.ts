import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, createContextKey } from '@opentelemetry/api';
import { startTelemetry } from './start-telemetry.js';
import { inSpan, injectTrace } from './trace.js';

const upstream = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

test('without an OTLP endpoint no async context is tracked and no trace context is passed on', async () => {
  const telemetry = startTelemetry({ serviceName: 'parley-test', instanceId: 't', metricsPort: 0, otlpEndpoint: undefined });
  try {
    const key = createContextKey('parley-test');
    const seen = await context.with(context.active().setValue(key, 'set'), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return context.active().getValue(key);
    });
    assert.equal(seen, undefined, 'context.with keeps nothing: no context manager is registered');
    assert.deepEqual(await inSpan('test', upstream, () => injectTrace()), {});
    assert.deepEqual(await inSpan('test', undefined, () => injectTrace()), {});
  } finally {
    await telemetry.shutdown();
  }
});
