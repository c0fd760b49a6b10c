import { NodeSDK } from '@opentelemetry/sdk-node';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/** A context manager that keeps no context (what @opentelemetry/api does before one is registered). */
class NoContext implements ContextManager {
  active(): Context {
    return ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(_context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return fn.call(thisArg, ...args);
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

export interface TelemetryOptions {
  /** parley-gateway, parley-ingest, ... */
  readonly serviceName: string;
  readonly instanceId: string;
  /** Port of the Prometheus scrape endpoint (GET /metrics); 0 for none. */
  readonly metricsPort: number;
  /** OTLP/HTTP base URL of a collector (e.g. http://otel-collector:4318); traces are not exported without one. */
  readonly otlpEndpoint: string | undefined;
}

/**
 * Starts OpenTelemetry for one app process: W3C trace context propagation, spans exported over OTLP/HTTP,
 * metrics served to Prometheus. Libraries only use @opentelemetry/api, which is a no-op until this runs
 * (single-node mode and unit tests run without it). Call it first in main.ts; `shutdown` flushes spans.
 *
 * Without an OTLP endpoint no span is recorded, so no context manager is registered either: the default
 * one (AsyncLocalStorage) hooks every promise the process makes, and at saturation that and `context.with`
 * took about a tenth of fanout's CPU and 5% of the gateway's (docs/BENCHMARKS.md 11). Such an app then
 * keeps no trace context and passes none on, as the single node; with an endpoint every app traces.
 */
export function startTelemetry(options: TelemetryOptions): { shutdown(): Promise<void> } {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.instance.id': options.instanceId }),
    autoDetectResources: false,
    metricReaders: options.metricsPort > 0 ? [new PrometheusExporter({ port: options.metricsPort, endpoint: '/metrics' })] : [],
    spanProcessors: options.otlpEndpoint
      ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 500 })]
      : [],
    instrumentations: [],
    ...(options.otlpEndpoint ? {} : { contextManager: new NoContext() }),
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
