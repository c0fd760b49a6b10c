import { NodeSDK } from '@opentelemetry/sdk-node';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';

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
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
