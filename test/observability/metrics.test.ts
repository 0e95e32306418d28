import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/platform/observability/metrics.ts';
import { httpRequestsTotal } from '../../src/server/plugins/metrics.ts';
import { buildTestApp, captureLog, listen } from './support.ts';

const TOKEN = 'scrape-token-0123456789abcdef';

async function count(labels: Record<string, string>): Promise<number> {
  const metric = await httpRequestsTotal.get();
  return metric.values
    .filter((v) =>
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

describe('HTTP metrics and /metrics', () => {
  let app: Awaited<ReturnType<typeof buildTestApp>>;
  let base: string;

  beforeAll(async () => {
    app = await buildTestApp({ log: captureLog().stream, metricsToken: TOKEN });
    base = await listen(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('labels requests by route template, never by raw URL, and unmatched ones as not_found', async () => {
    for (const id of ['a1', 'b2', 'c3']) expect((await fetch(`${base}/v1/things/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/wp-admin/${Date.now()}`)).status).toBe(404);
    expect(await count({ method: 'GET', route: '/v1/things/:id', status_code: '200' })).toBe(3);
    expect(await count({ route: 'not_found', status_code: '404' })).toBe(1);

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).not.toMatch(/route="\/v1\/things\/(a1|b2|c3)"/);
    expect(text).not.toContain('wp-admin');
    expect(text).toMatch(
      /orbit_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/things\/:id",status_code="200"\}/,
    );
    expect(text).toMatch(
      /orbit_http_request_duration_seconds_count\{method="GET",route="\/v1\/things\/:id",status_code="200"\} 3/,
    );
  });

  it('records request and response body sizes in bytes', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(1000) });
    const res = await fetch(`${base}/v1/things/sized`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const responseBytes = Number(res.headers.get('content-length'));
    await res.text();
    const labels = { method: 'POST', route: '/v1/things/:id', status_code: '200' };
    const registryText = await registry.metrics();
    const sum = (name: string) => {
      const line = registryText
        .split('\n')
        .find((l) => l.startsWith(`${name}_sum{method="POST",route="/v1/things/:id",status_code="200"}`));
      return Number(line?.split(' ').pop());
    };
    expect(await count(labels)).toBe(1);
    expect(sum('orbit_http_request_size_bytes')).toBe(Buffer.byteLength(body));
    expect(sum('orbit_http_response_size_bytes')).toBe(responseBytes);
  });

  it('serves the registry with process metrics in the Prometheus text format to a loopback client', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'orbit_http_requests_total',
      'orbit_http_request_size_bytes',
      'orbit_http_response_size_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('does not count scrapes of /metrics but counts health probes', async () => {
    await fetch(`${base}/metrics`);
    await fetch(`${base}/health/live`);
    expect(await count({ route: '/metrics' })).toBe(0);
    expect(await count({ route: '/health/live', status_code: '200' })).toBeGreaterThanOrEqual(1);
  });

  it('refuses remote scrapers without the token, with a problem document', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json() as { type: string; detail: string; requestId: string };
    expect(problem.type).toBe('https://orbit.dev/problems/forbidden');
    expect(problem.detail).toContain('ORBIT_METRICS_TOKEN');
    expect(problem.requestId).toBe(res.headers['x-request-id']);

    const wrong = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.statusCode).toBe(403);
    const right = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('orbit_http_requests_total');
  });

  it('treats a request a local reverse proxy forwarded as remote', async () => {
    const res = await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(res.status).toBe(403);
    const withToken = await fetch(`${base}/metrics`, {
      headers: { 'x-forwarded-for': '198.51.100.7', authorization: `Bearer ${TOKEN}` },
    });
    expect(withToken.status).toBe(200);
  });

  it('is loopback-only when no token is configured', async () => {
    const noToken = await buildTestApp({ log: captureLog().stream });
    try {
      const remote = await noToken.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '203.0.113.9',
        headers: { authorization: 'Bearer anything' },
      });
      expect(remote.statusCode).toBe(403);
      expect((remote.json() as { detail: string }).detail).toContain('loopback clients only');
      const local = await noToken.inject({ method: 'GET', url: '/metrics', remoteAddress: '::ffff:127.0.0.1' });
      expect(local.statusCode).toBe(200);
    } finally {
      await noToken.close();
    }
  });
});
