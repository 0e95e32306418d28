import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlock } from '../../src/cli/sse.ts';
import { ApiKeyStore, issueToken } from '../../src/platform/auth/index.ts';
import { loadSecrets } from '../../src/platform/secrets.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';

const ID_404 = '0190aaaa-0000-7000-8000-000000000000';

/** Reads an SSE stream until `stop` says so or it ends; returns the messages. */
async function readEvents(url: string, headers: Record<string, string>, stop: (n: number) => boolean) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const messages: { id: number; type: string; data: { seq: number; type: string } }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const m = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (m) messages.push({ id: Number(m.id), type: m.event ?? '', data: JSON.parse(m.data) });
        if (stop(messages.length)) {
          controller.abort();
          return messages;
        }
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return messages;
}

async function waitForRun(base: string, id: string, key?: string) {
  for (let i = 0; i < 400; i++) {
    const r = await api(base, 'GET', `/v1/runs/${id}`, { key });
    if (['succeeded', 'failed', 'cancelled'].includes(String(r.json.status))) return r.json;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`run ${id} did not finish`);
}

describe('HTTP API on a loopback server without keys (npm start defaults)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('starts a run with 202 + Location, follows it to success, serves its artifacts', async () => {
    const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 3, delayMs: 20 } } });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/v1/runs/${r.json.id}`);
    expect(r.json).toMatchObject({ kind: 'demo', status: 'queued', input: { steps: 3, delayMs: 20, failAttempts: 0 } });
    const done = await waitForRun(t.url, String(r.json.id));
    expect(done).toMatchObject({ status: 'succeeded', output: { steps: 3, attempt: 1 } });
    const list = await api(t.url, 'GET', `/v1/runs/${r.json.id}/artifacts`);
    expect((list.json.artifacts as { name: string }[]).map((a) => a.name)).toEqual(['summary.json', 'summary.md']);
    const md = await api(t.url, 'GET', `/v1/runs/${r.json.id}/artifacts/summary.md`);
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(md.text).toContain('3 steps');
  });

  it('returns the same run for a retried POST with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'retry-me-1' };
    const a = await api(t.url, 'POST', '/v1/runs', {
      body: { kind: 'demo', input: { steps: 1, delayMs: 0 } },
      headers,
    });
    const b = await api(t.url, 'POST', '/v1/runs', {
      body: { kind: 'demo', input: { steps: 1, delayMs: 0 } },
      headers,
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(200);
    expect(b.json.id).toBe(a.json.id);
  });

  it('lists runs with filters and cursor pagination', async () => {
    for (let i = 0; i < 3; i++)
      await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 1, delayMs: 0 } } });
    const p1 = await api(t.url, 'GET', '/v1/runs?kind=demo&limit=2');
    expect(p1.status).toBe(200);
    expect((p1.json.runs as unknown[]).length).toBe(2);
    const p2 = await api(t.url, 'GET', `/v1/runs?kind=demo&limit=2&cursor=${p1.json.nextCursor}`);
    const ids1 = (p1.json.runs as { id: string }[]).map((r) => r.id);
    const ids2 = (p2.json.runs as { id: string }[]).map((r) => r.id);
    expect(ids2.some((id) => ids1.includes(id))).toBe(false);
    expect(ids1[1]! > ids2[0]!).toBe(true);
    const bad = await api(t.url, 'GET', '/v1/runs?status=sleeping');
    expect(bad.status).toBe(400);
  });

  it('streams events over SSE and, after a reconnect with Last-Event-ID, delivers every event exactly once', async () => {
    const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 8, delayMs: 60 } } });
    const url = `${t.url}/v1/runs/${r.json.id}/events`;
    const first = await readEvents(url, {}, (n) => n >= 4);
    const last = first.at(-1)!.id;
    const rest = await readEvents(url, { 'last-event-id': String(last) }, () => false);
    const all = [...first, ...rest].map((m) => m.id);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(rest.at(-1)?.type).toBe('run.succeeded');
    expect(first.every((m) => m.data.seq === m.id)).toBe(true);
    // A finished run's stream replays and ends; ?after= works like Last-Event-ID.
    const replay = await readEvents(`${url}?after=${all.length - 2}`, {}, () => false);
    expect(replay.map((m) => m.id)).toEqual([all.length - 1, all.length]);
  });

  it('cancels a running run and refuses to cancel it again', async () => {
    const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 100, delayMs: 100 } } });
    for (let i = 0; i < 100; i++) {
      const s = await api(t.url, 'GET', `/v1/runs/${r.json.id}`);
      if (s.json.status === 'running') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const c = await api(t.url, 'POST', `/v1/runs/${r.json.id}/cancel`);
    expect(c.status).toBe(202);
    expect((await waitForRun(t.url, String(r.json.id))).status).toBe('cancelled');
    const again = await api(t.url, 'POST', `/v1/runs/${r.json.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.json.type).toBe('https://orbit.dev/problems/run-finished');
  });

  describe('answers each client mistake with problem+json and the right 4xx', () => {
    it('malformed JSON → 400', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', {
        rawBody: '{"kind": "demo",',
        headers: { 'content-type': 'application/json' },
      });
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.json).toMatchObject({ type: 'https://orbit.dev/problems/malformed-json', status: 400 });
      expect(r.json.requestId).toBe(r.headers.get('x-request-id'));
    });

    it('oversized body → 413', async () => {
      const big = JSON.stringify({ kind: 'demo', input: { pad: 'x'.repeat(2 * 1024 * 1024) } });
      const r = await api(t.url, 'POST', '/v1/runs', { rawBody: big, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(413);
      expect(r.json.type).toBe('https://orbit.dev/problems/body-too-large');
    });

    it('unknown field → 400 with its JSON pointer', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: {}, colour: 'red' } });
      expect(r.status).toBe(400);
      expect(r.json.errors).toContainEqual({ pointer: '/body/colour', message: 'is not a known field; remove it' });
    });

    it('wrong type inside the input → 400 with pointers under /input', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 'ten' } } });
      expect(r.status).toBe(400);
      expect((r.json.errors as { pointer: string }[]).map((e) => e.pointer)).toContain('/input/steps');
    });

    it('wrong type in the body itself (no silent coercion) → 400', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 42, input: {} } });
      expect(r.status).toBe(400);
      expect(r.json.errors).toContainEqual(expect.objectContaining({ pointer: '/body/kind' }));
    });

    it('missing field → 400 naming it', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', { body: { input: {} } });
      expect(r.status).toBe(400);
      expect(r.json.errors).toContainEqual({ pointer: '/body/kind', message: 'is required' });
    });

    it('unknown run kind → 400 listing the known kinds', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'teleport', input: {} } });
      expect(r.status).toBe(400);
      expect(String(r.json.detail)).toContain('demo');
    });

    it('wrong content type → 415', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', {
        rawBody: 'kind=demo',
        headers: { 'content-type': 'text/plain' },
      });
      expect(r.status).toBe(415);
      const form = await api(t.url, 'POST', '/v1/runs', {
        rawBody: 'kind=demo',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(415);
    });

    it('unknown route → 404; unknown run → 404; malformed run id → 404', async () => {
      expect((await api(t.url, 'GET', '/v1/nothing-here')).status).toBe(404);
      const r = await api(t.url, 'GET', `/v1/runs/${ID_404}`);
      expect(r.status).toBe(404);
      expect(r.json.type).toBe('https://orbit.dev/problems/run-not-found');
      expect((await api(t.url, 'GET', '/v1/runs/not-an-id')).status).toBe(404);
    });

    it('path traversal in artifact names → 400 or 404, never a file', async () => {
      const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 1, delayMs: 0 } } });
      await waitForRun(t.url, String(r.json.id));
      for (const name of ['..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', '.env', '..']) {
        const a = await api(t.url, 'GET', `/v1/runs/${r.json.id}/artifacts/${name}`);
        expect([400, 404], name).toContain(a.status);
        expect(a.text).not.toContain('root:');
      }
    });
  });

  it('sets a sortable request id, accepts a well-formed one, and reports response time', async () => {
    const a = await api(t.url, 'GET', '/health');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-response-time')).toMatch(/ms$/);
    const b = await api(t.url, 'GET', '/health', { headers: { 'x-request-id': 'client-abc.123' } });
    expect(b.headers.get('x-request-id')).toBe('client-abc.123');
    const c = await api(t.url, 'GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(c.headers.get('x-request-id')).not.toContain('bad');
  });

  it('reports health, liveness and readiness', async () => {
    expect((await api(t.url, 'GET', '/health')).json).toEqual({ status: 'ok' });
    expect((await api(t.url, 'GET', '/health/live')).status).toBe(200);
    const ready = await api(t.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json.status).toBe('ready');
    expect((ready.json.components as { name: string }[]).map((c) => c.name)).toEqual([
      'database',
      'queue',
      'rate-limit-store',
    ]);
    const detailed = await api(t.url, 'GET', '/health/detailed');
    expect(detailed.status).toBe(200);
    expect(String((detailed.json.components as { version?: string }[])[0]?.version)).toContain('PostgreSQL');
  });

  it('publishes a valid OpenAPI 3.1 document and an API reference page', async () => {
    const doc = await api(t.url, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc.json) as never);
    const paths = Object.keys(doc.json.paths as object);
    for (const p of ['/v1/runs', '/v1/runs/{id}', '/v1/runs/{id}/events', '/v1/keys', '/health/ready'])
      expect(paths).toContain(p);
    const page = await fetch(`${t.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });

  it('serves Prometheus metrics to loopback clients', async () => {
    await api(t.url, 'GET', `/v1/runs/${ID_404}`);
    const run = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 1, delayMs: 0 } } });
    await waitForRun(t.url, String(run.json.id));
    const m = await fetch(`${t.url}/metrics`);
    expect(m.status).toBe(200);
    const text = await m.text();
    expect(text).toMatch(/orbit_http_requests_total\{[^}]*route="\/v1\/runs\/:id"[^}]*\} \d+/);
    expect(text).toContain('orbit_runs_finished_total');
    expect(text).toContain('orbit_http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toMatch(/orbit_queue_depth\{queue="orbit-runs"\} \d+/);
    expect(text).toMatch(/orbit_ratelimit_decisions_total\{tier="authenticated",outcome="allowed"\} \d+/);
    expect(text).toMatch(/orbit_runs_finished_total\{kind="demo",status="succeeded"\} \d+/);
    expect(text).not.toContain(ID_404);
  });
});

describe('HTTP API with keys required', () => {
  let t: TestServer;
  let admin: string;
  let member: string;
  let viewer: string;
  beforeAll(async () => {
    t = await startTestServer({ ORBIT_REQUIRE_AUTH: 'true' });
    const keys = new ApiKeyStore(t.server.platform.database);
    admin = (await keys.create({ name: 'admin', role: 'admin' })).secret;
    member = (await keys.create({ name: 'member', role: 'member' })).secret;
    viewer = (await keys.create({ name: 'viewer', role: 'viewer' })).secret;
  });
  afterAll(() => t.close());

  it('lets a member start a run and a viewer read it, and refuses a viewer to start one (403)', async () => {
    const r = await api(t.url, 'POST', '/v1/runs', {
      body: { kind: 'demo', input: { steps: 1, delayMs: 0 } },
      key: member,
    });
    expect(r.status).toBe(202);
    expect(r.json.owner).not.toBe('local');
    expect((await api(t.url, 'GET', `/v1/runs/${r.json.id}`, { key: viewer })).status).toBe(200);
    const denied = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: {} }, key: viewer });
    expect(denied.status).toBe(403);
    expect(denied.json.type).toBe('https://orbit.dev/problems/forbidden');
  });

  it('answers missing and invalid credentials with 401', async () => {
    const none = await api(t.url, 'GET', '/v1/runs');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await api(t.url, 'GET', '/v1/runs', { key: 'orbit_nope_nopenopenopenopenopenopenopenope' })).status).toBe(
      401,
    );
    // Health stays open for load balancers.
    expect((await api(t.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('lets only admins manage keys; a revoked key stops working', async () => {
    expect((await api(t.url, 'GET', '/v1/keys', { key: member })).status).toBe(403);
    const created = await api(t.url, 'POST', '/v1/keys', { body: { name: 'temp', role: 'viewer' }, key: admin });
    expect(created.status).toBe(201);
    const secret = String(created.json.secret);
    expect((await api(t.url, 'GET', '/v1/runs', { key: secret })).status).toBe(200);
    const listed = await api(t.url, 'GET', '/v1/keys', { key: admin });
    expect(listed.text).not.toContain(secret);
    expect((await api(t.url, 'DELETE', `/v1/keys/${created.json.id}`, { key: admin })).status).toBe(204);
    const after = await api(t.url, 'GET', '/v1/runs', { key: secret });
    expect(after.status).toBe(401);
    expect(String(after.json.detail)).toMatch(/revoked/i);
  });

  it('exchanges a key for a short-lived token and rejects an expired one', async () => {
    const tok = await api(t.url, 'POST', '/v1/auth/token', { key: viewer });
    expect(tok.status).toBe(200);
    expect((await api(t.url, 'GET', '/v1/runs', { key: String(tok.json.token) })).status).toBe(200);
    const secrets = loadSecrets(t.server.platform.config);
    const keys = await new ApiKeyStore(t.server.platform.database).list();
    const viewerKey = keys.find((k) => k.name === 'viewer')!;
    const expired = await issueToken(secrets.jwtSecret, { keyId: viewerKey.id, role: 'viewer', ttlSeconds: -60 });
    const r = await api(t.url, 'GET', '/v1/runs', { key: expired });
    expect(r.status).toBe(401);
    expect(String(r.json.detail)).toMatch(/expired/i);
  });

  it('never writes a secret to the log over a full request cycle', async () => {
    await api(t.url, 'POST', '/v1/runs', {
      body: { kind: 'demo', input: { steps: 1, delayMs: 0 } },
      key: member,
      headers: { cookie: `session=${member}`, 'x-api-key': member },
    });
    await api(t.url, 'GET', '/v1/runs?limit=1', { key: admin });
    await api(t.url, 'GET', '/v1/runs', { key: `${admin}x` });
    const log = t.logs.join('\n');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [admin, member, viewer]) {
      expect(log).not.toContain(secret);
      expect(log).not.toContain(secret.split('_').at(-1));
    }
    expect(t.logs.filter((l) => l.includes('"url":"/v1/runs')).every((l) => l.includes('"reqId"'))).toBe(true);
  });
});
