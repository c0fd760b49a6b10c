import { metrics, type Attributes, type Counter, type Gauge, type Histogram, type UpDownCounter } from '@opentelemetry/api';

/*
 * Instruments are created on first use, not at import: the metrics API has no proxy provider, so an
 * instrument made before startTelemetry registers the SDK would stay a no-op forever.
 */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
const meter = () => metrics.getMeter('parley');

const connections = lazy(() => meter().createUpDownCounter('parley_connections', { description: 'Open client connections on this gateway' }));
const framesIn = lazy(() => meter().createCounter('parley_frames_in', { description: 'Frames received from clients' }));
const framesOut = lazy(() => meter().createCounter('parley_frames_out', { description: 'Frames written to clients' }));
const messagesAccepted = lazy(() => meter().createCounter('parley_messages_accepted', { description: 'Messages sequenced and appended by ingest' }));
const messagesDelivered = lazy(() => meter().createCounter('parley_messages_delivered', { description: 'Message frames written to client connections' }));
const e2eLatency = lazy(() =>
  meter().createHistogram('parley_e2e_latency_seconds', {
    description: 'From the gateway writing a send to the log to a recipient connection getting it',
    advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
  }),
);
const quarantined = lazy(() =>
  meter().createCounter('parley_quarantined', { description: 'Records a consumer could never apply and set aside (dead-lettered) so that its partition went on' }),
);
const projectorLag = lazy(() => meter().createGauge('parley_projector_lag_seconds', { description: 'Age of the newest event the projector applied, when it applied it' }));

/** Parley's Prometheus metrics (docs/OPERATIONS.md); no-ops until startTelemetry runs. */
export const Metrics = {
  get connections(): UpDownCounter {
    return connections();
  },
  get framesIn(): Counter {
    return framesIn();
  },
  get framesOut(): Counter {
    return framesOut();
  },
  get messagesAccepted(): Counter {
    return messagesAccepted();
  },
  get messagesDelivered(): Counter {
    return messagesDelivered();
  },
  get e2eLatency(): Histogram {
    return e2eLatency();
  },
  get projectorLag(): Gauge {
    return projectorLag();
  },
  /** Exported as `parley_quarantined_total{consumer, partition}`; see recordQuarantined. */
  get quarantined(): Counter {
    return quarantined();
  },
};

/** Counts one record a consumer quarantined (`parley_quarantined_total`, labels consumer and partition). */
function recordQuarantined(consumer: string, partition: number): void {
  quarantined().add(1, { consumer, partition });
}

/**
 * Everything a consumer does when it sets one record aside (docs/ARCHITECTURE.md "When a record cannot be
 * applied"): counts it, hands it to the consumer's health (readiness lists it), and logs `message` with it.
 */
export function reportQuarantined<Q extends { readonly consumer: string; readonly partition: number }>(
  record: Q,
  health: { quarantined(record: Q): void },
  logger: { error(message: string, fields?: Record<string, unknown>): void },
  message: string,
): void {
  recordQuarantined(record.consumer, record.partition);
  health.quarantined(record);
  logger.error(message, { ...record });
}

const lags = new Map<string, { value: number; attributes: Attributes }>();
const lagGauge = lazy(() =>
  meter()
    .createObservableGauge('parley_consumer_lag', { description: 'Records between a consumer group position and the end of the partition' })
    .addCallback((result) => {
      for (const { value, attributes } of lags.values()) result.observe(value, attributes);
    }),
);

/** Records a consumer group's lag on one partition (observed at each scrape). */
export function recordConsumerLag(group: string, topic: string, partition: number, lag: number): void {
  lagGauge();
  lags.set(`${group}\u0000${topic}\u0000${partition}`, { value: Math.max(0, lag), attributes: { group, topic, partition } });
}
