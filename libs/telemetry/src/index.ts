export { inSpan, injectTrace, startSpanFrom, traceFields, SpanKind } from './trace.js';
export { Metrics, recordConsumerLag, reportQuarantined } from './metrics.js';
