import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@parley/core/conformance';
import type { ParleyClient } from '@parley/sdk';
import { Cluster, clusterClient } from './cluster.js';

interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

/** A stand-in OpenTelemetry collector: accepts OTLP/HTTP JSON trace exports and keeps the spans. */
async function collector(): Promise<{ url: string; spans: Span[]; server: Server }> {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      try {
        const data = JSON.parse(body) as {
          resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans?: Array<{ spans?: Array<Omit<Span, 'service'>> }> }>;
        };
        for (const rs of data.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? []) for (const sp of ss.spans ?? []) spans.push({ service, traceId: sp.traceId, spanId: sp.spanId, parentSpanId: sp.parentSpanId ?? '', name: sp.name });
        }
      } catch {
        /* not JSON: ignore */
      }
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

let cluster: Cluster | undefined;
let otlp: Awaited<ReturnType<typeof collector>> | undefined;
const clients: ParleyClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
  otlp?.server.close();
});

it('one message is one trace across gateway, ingest, fanout, gateway and the projector; every app serves its metrics', async () => {
  otlp = await collector();
  cluster = await Cluster.start({ gateway: 1, ingest: 1, fanout: 1, query: 1 }, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, PARLEY_LOG_LEVEL: 'debug' });
  const c = cluster;
  const suffix = process.pid.toString(36);
  const [a, b] = [clusterClient(c, 0), clusterClient(c, 0)];
  clients.push(a, b);
  await a.register(`ta${suffix}`, 'correct horse battery');
  await a.login(`ta${suffix}`, 'correct horse battery');
  await b.register(`tb${suffix}`, 'correct horse battery');
  await b.login(`tb${suffix}`, 'correct horse battery');
  const received = new Promise<void>((resolve) => b.on('message', () => resolve()));
  await a.connect();
  await b.connect();
  const conv = await a.openDirect(`tb${suffix}`);
  await a.send(conv.id, 'traced');
  await received;

  const spans = otlp.spans;
  const expected = ['parley-gateway:gateway.SendMessage', 'parley-ingest:ingest.decide', 'parley-fanout:fanout.route', 'parley-gateway:gateway.deliver', 'parley-query:projector.apply'];
  await eventually(() => {
    const root = spans.find((s) => s.name === 'gateway.SendMessage');
    assert.ok(root, `no gateway.SendMessage span among ${spans.length}`);
    const trace = spans.filter((s) => s.traceId === root.traceId);
    const names = new Set(trace.map((s) => `${s.service}:${s.name}`));
    for (const e of expected) assert.ok(names.has(e), `${e} missing from trace ${root.traceId}: ${[...names].join(', ')}`);
    // Each hop is a child of the one before it.
    const byName = (n: string) => trace.find((s) => s.name === n)!;
    assert.equal(byName('ingest.decide').parentSpanId, root.spanId);
    assert.equal(byName('fanout.route').parentSpanId, byName('ingest.decide').spanId);
    assert.equal(byName('gateway.deliver').parentSpanId, byName('fanout.route').spanId);
    assert.equal(byName('projector.apply').parentSpanId, byName('ingest.decide').spanId);
  }, 30_000, 250);

  const metrics = async (app: 'gateway' | 'ingest' | 'fanout' | 'query') => (await fetch(`http://127.0.0.1:${c.instance(app, 0).env['PARLEY_METRICS_PORT']}/metrics`)).text();
  await eventually(async () => {
    const gw = await metrics('gateway');
    for (const m of ['parley_connections', 'parley_frames_in_total', 'parley_frames_out_total', 'parley_messages_delivered_total', 'parley_e2e_latency_seconds_bucket']) assert.match(gw, new RegExp(`^${m}`, 'm'), m);
    assert.match(await metrics('ingest'), /^parley_messages_accepted_total/m);
    assert.match(await metrics('fanout'), /^parley_consumer_lag\{.*group="parley-fanout"/m);
    const q = await metrics('query');
    assert.match(q, /^parley_consumer_lag\{.*group="parley-projector"/m);
    assert.match(q, /^parley_projector_lag_seconds/m);
  }, 30_000, 500);
  // Log lines written inside a span carry its trace id.
  const root = spans.find((s) => s.name === 'gateway.SendMessage')!;
  const decided = c.instance('ingest', 0).logs.filter((l) => l.includes('"msg":"command decided"') && l.includes('SendMessage'));
  assert.ok(decided.some((l) => (JSON.parse(l) as { trace_id?: string }).trace_id === root.traceId), decided.join('\n'));
});
