import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureError,
  type ErrorTracking,
  startErrorTracking,
} from '../../src/platform/observability/errorTracking.ts';
import { buildTestApp, captureLog, listen, SECRETS, startRecorder } from './support.ts';

interface SentryEvent {
  event_id: string;
  tags?: Record<string, string>;
  environment?: string;
  release?: string;
  request?: { method?: string; url?: string; headers?: Record<string, string> };
  exception?: { values: { type: string; value: string }[] };
}

/** A Sentry envelope: a header line, then (item header, item payload) line pairs. */
function eventsIn(envelope: string): SentryEvent[] {
  const lines = envelope.split('\n').filter(Boolean);
  const events: SentryEvent[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const item = JSON.parse(lines[i]!) as { type: string };
    if (item.type === 'event') events.push(JSON.parse(lines[i + 1]!) as SentryEvent);
  }
  return events;
}

describe('error tracking with Sentry against a local ingest endpoint', () => {
  let ingest: Awaited<ReturnType<typeof startRecorder>>;
  let tracking: ErrorTracking;

  beforeAll(async () => {
    ingest = await startRecorder();
    const dsn = `http://publickey@${ingest.url.replace('http://', '')}/1`;
    tracking = await startErrorTracking({ dsn, environment: 'test', release: 'orbit@9.9.9' });
  });
  afterAll(async () => {
    await tracking?.shutdown();
    await ingest?.close();
  });

  it('is off, and captureError a no-op, without a DSN', async () => {
    const off = await startErrorTracking({ dsn: undefined, environment: 'test', release: 'x' });
    expect(off.enabled).toBe(false);
    expect(await off.flush()).toBe(true);
  });

  it('receives an unhandled route error with the request ID and without the credentials the request carried', async () => {
    const app = await buildTestApp({
      log: captureLog().stream,
      // What the server's error handler does for 5xx errors.
      onServerError: (err, request) =>
        captureError(err, {
          requestId: request.id,
          route: request.routeOptions.url,
          method: request.method,
          url: request.url,
          headers: request.headers,
          statusCode: 500,
        }),
    });
    const base = await listen(app);
    try {
      const res = await fetch(`${base}/v1/boom?api_key=${SECRETS.queryToken}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${SECRETS.apiKey}`,
          'x-api-key': SECRETS.headerKey,
          cookie: `session=${SECRETS.cookie}`,
          'content-type': 'application/json',
          'x-request-id': 'sentry-req-7',
        },
        body: JSON.stringify({ apiKey: SECRETS.bodyApiKey, password: SECRETS.password }),
      });
      expect(res.status).toBe(500);
    } finally {
      await app.close();
    }
    expect(await tracking.flush(10_000)).toBe(true);

    const post = await ingest.waitFor((p) => p.path.startsWith('/api/1/envelope/'));
    const events = eventsIn(post.body);
    const event = events.find((e) => e.tags?.request_id === 'sentry-req-7');
    expect(event, `events: ${JSON.stringify(events.map((e) => e.tags))}`).toBeDefined();
    expect(event!.tags).toMatchObject({ route: '/v1/boom', 'http.method': 'POST', 'http.status_code': '500' });
    expect(event!.environment).toBe('test');
    expect(event!.release).toBe('orbit@9.9.9');
    // The exact header value and body field the request carried are masked, whatever their shape.
    expect(event!.exception?.values[0]?.value).toBe('upstream refused [REDACTED] and key [REDACTED]');
    expect(event!.request?.headers?.authorization).toBe('[REDACTED]');
    expect(event!.request?.headers?.['x-request-id']).toBe('sentry-req-7');

    const everything = ingest.posts.map((p) => p.body).join('\n');
    for (const [name, secret] of Object.entries({ ...SECRETS, apiKey: SECRETS.apiKey })) {
      expect(everything, `secret ${name} reached Sentry`).not.toContain(secret);
    }
  });

  it('scrubs secrets from errors captured outside any request', async () => {
    const before = ingest.posts.length;
    const id = captureError(new Error('connect to postgres://orbit:pa55word-xyz@db:5432/orbit failed'), {
      runId: 'run-1',
    });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await tracking.flush(10_000)).toBe(true);
    const post = await ingest.waitFor((p) => ingest.posts.indexOf(p) >= before && p.body.includes('run-1'));
    const event = eventsIn(post.body).find((e) => e.tags?.run_id === 'run-1');
    expect(event?.exception?.values[0]?.value).toBe('connect to postgres://orbit:[REDACTED]@db:5432/orbit failed');
    expect(post.body).not.toContain('pa55word-xyz');
  });
});
