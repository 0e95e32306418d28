import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/platform/db/client.ts';
import { startTracing, type Tracing, withSpan } from '../../src/platform/observability/tracing.ts';
import { createTestDatabase, hasPostgres, itWhen, POSTGRES_MISSING } from '../support/services.ts';
import { buildTestApp, captureLog, listen, SECRETS, startRecorder } from './support.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  events?: { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

function spansIn(bodies: string[]): OtlpSpan[] {
  return bodies.flatMap((b) =>
    (JSON.parse(b) as OtlpExport).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
  );
}

function attr(span: OtlpSpan, key: string): string | number | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
}

describe('OpenTelemetry tracing to an OTLP/HTTP collector', () => {
  let collector: Awaited<ReturnType<typeof startRecorder>>;
  let tracing: Tracing;
  let database: Database;
  let dropDatabase: () => Promise<void> = async () => {};

  beforeAll(async () => {
    collector = await startRecorder();
    tracing = await startTracing({ endpoint: `${collector.url}/`, serviceName: 'orbit-test', serviceVersion: '9.9.9' });
    if (hasPostgres) {
      const created = await createTestDatabase();
      dropDatabase = created.drop;
      database = await openDatabase({ url: created.url, poolSize: 2 });
    }
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await database?.close();
    await dropDatabase();
    await collector?.close();
  });

  itWhen(hasPostgres, POSTGRES_MISSING)(
    'exports a server span per request with route and request ID, the database query and a job span nested in it, and no secrets',
    async () => {
      const app = await buildTestApp({
        log: captureLog().stream,
        routes: (a) =>
          a.get('/v1/traced/:id', async () => {
            const rows = await database.query<{ answer: number }>('SELECT $1::int AS answer', [42]);
            await withSpan('queue.job demo', { 'orbit.queue': 'runs' }, async () => {});
            return { answer: rows[0]?.answer };
          }),
      });
      const base = await listen(app);
      try {
        const res = await fetch(`${base}/v1/traced/abc?token=${SECRETS.queryToken}`, {
          headers: {
            authorization: `Bearer ${SECRETS.apiKey}`,
            'x-api-key': SECRETS.headerKey,
            'x-request-id': 'trace-req-1',
          },
        });
        expect(await res.json()).toEqual({ answer: 42 });
      } finally {
        await app.close();
      }
      await tracing.forceFlush();

      const posts = collector.posts.filter((p) => p.path === '/v1/traces');
      expect(posts.length).toBeGreaterThan(0);
      expect(posts[0]?.headers['content-type']).toContain('application/json');
      const bodies = posts.map((p) => p.body);
      for (const [name, secret] of Object.entries({ ...SECRETS, apiKey: SECRETS.apiKey })) {
        expect(bodies.join('\n'), `secret ${name} reached the collector`).not.toContain(secret);
      }

      const resource = (JSON.parse(bodies[0]!) as OtlpExport).resourceSpans[0]!.resource.attributes;
      expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'orbit-test' } });
      const spans = spansIn(bodies);
      const server = spans.find((s) => attr(s, 'orbit.request_id') === 'trace-req-1');
      expect(server, `spans: ${spans.map((s) => s.name).join(', ')}`).toBeDefined();
      expect(server!.name).toBe('GET /v1/traced/:id');
      expect(server!.kind).toBe(2); // SERVER
      expect(attr(server!, 'http.route')).toBe('/v1/traced/:id');
      expect(attr(server!, 'http.request.method')).toBe('GET');
      expect(attr(server!, 'http.response.status_code')).toBe(200);
      expect(attr(server!, 'url.path')).toBe('/v1/traced/abc');

      const query = spans.find((s) => s.parentSpanId === server!.spanId && s.name.startsWith('pg.query'));
      expect(
        query,
        `children: ${spans.filter((s) => s.parentSpanId === server!.spanId).map((s) => s.name)}`,
      ).toBeDefined();
      expect(query!.traceId).toBe(server!.traceId);
      expect(JSON.stringify(query!.attributes)).toContain('SELECT $1::int AS answer');
      expect(JSON.stringify(query!.attributes)).not.toContain('"42"');
      const job = spans.find((s) => s.name === 'queue.job demo');
      expect(job?.parentSpanId).toBe(server!.spanId);

      // fetch (undici) made a CLIENT span and propagated its context: the server span is its child.
      const client = spans.find((s) => s.kind === 3 && s.spanId === server!.parentSpanId);
      expect(client, 'client span of the fetch that made the request').toBeDefined();
    },
  );

  it('records a failing request as an error span with a scrubbed exception', async () => {
    const app = await buildTestApp({ log: captureLog().stream });
    const base = await listen(app);
    try {
      const res = await fetch(`${base}/v1/boom`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${SECRETS.apiKey}`,
          'x-request-id': 'trace-req-boom',
        },
        body: JSON.stringify({ apiKey: SECRETS.bodyApiKey }),
      });
      expect(res.status).toBe(500);
    } finally {
      await app.close();
    }
    await tracing.forceFlush();
    const bodies = collector.posts.map((p) => p.body);
    const span = spansIn(bodies).find((s) => attr(s, 'orbit.request_id') === 'trace-req-boom');
    expect(span?.name).toBe('POST /v1/boom');
    expect(attr(span!, 'http.response.status_code')).toBe(500);
    const exception = span!.events?.find((e) => e.name === 'exception');
    const message = exception?.attributes.find((a) => a.key === 'exception.message')?.value.stringValue;
    expect(message).toBe('upstream refused Bearer orbit_abcd1234_[REDACTED] and key [REDACTED]');
    expect(bodies.join('\n')).not.toContain(SECRETS.bodyApiKey);
    expect(bodies.join('\n')).not.toContain(SECRETS.apiKeySecret);
  });
});
