import { context, propagation, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('parley');

/**
 * Runs `fn` in a span that continues the trace carried by `headers` (W3C traceparent, as written by
 * `injectTrace`), so one message's trace spans gateway -> ingest -> fanout -> gateway and the projector.
 */
export async function inSpan<T>(name: string, headers: Readonly<Record<string, string>> | undefined, fn: (span: Span) => Promise<T> | T, kind: SpanKind = SpanKind.CONSUMER): Promise<T> {
  const parent = headers ? propagation.extract(context.active(), headers) : context.active();
  return tracer.startActiveSpan(name, { kind }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Starts (and returns, for the caller to end) a span continuing the trace carried by `headers`. */
export function startSpanFrom(name: string, headers: Readonly<Record<string, string>>): Span {
  return tracer.startSpan(name, { kind: SpanKind.CONSUMER }, propagation.extract(context.active(), headers));
}

/** The active trace context as Kafka/HTTP headers (empty when no span is active or telemetry is off). */
export function injectTrace(headers: Record<string, string> = {}): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}

/** trace_id / span_id of the active span, for JSON log lines. */
export function traceFields(): Record<string, unknown> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

export { SpanKind };
