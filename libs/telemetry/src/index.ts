export { inSpan, injectTrace, startSpanFrom, traceFields, SpanKind } from './trace.js';
export { Metrics, recordConsumerLag, recordQuarantined } from './metrics.js';
