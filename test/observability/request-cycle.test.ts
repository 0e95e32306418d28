import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, captureLog, listen, SECRETS } from './support.ts';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function secretHeaders(): Record<string, string> {
  return {
    authorization: `Bearer ${SECRETS.apiKey}`,
    'x-api-key': SECRETS.headerKey,
    cookie: `session=${SECRETS.cookie}; theme=dark`,
    'content-type': 'application/json',
  };
}

function secretBody(): string {
  return JSON.stringify({
    name: 'thing',
    apiKey: SECRETS.bodyApiKey,
    password: SECRETS.password,
    nested: { provider: { anthropic: SECRETS.providerKey } },
  });
}

describe('a full request cycle through the production layer', () => {
  const log = captureLog();
  let app: Awaited<ReturnType<typeof buildTestApp>>;
  let base: string;

  beforeAll(async () => {
    app = await buildTestApp({ log: log.stream });
    base = await listen(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('logs no secret the request carried, even from routes that log headers, bodies and errors quoting them', async () => {
    const before = log.lines.length;
    const ok = await fetch(`${base}/v1/things/t1?token=${SECRETS.queryToken}`, {
      method: 'POST',
      headers: secretHeaders(),
      body: secretBody(),
    });
    expect(ok.status).toBe(200);
    const boom = await fetch(`${base}/v1/boom`, { method: 'POST', headers: secretHeaders(), body: secretBody() });
    expect(boom.status).toBe(500);

    const lines = log.lines.slice(before);
    const text = lines.join('');
    // The cycle really was logged: the incoming request, the route's careless line, the failure, the responses.
    expect(text).toContain('received a thing');
    expect(text).toContain('request failed');
    expect(text).toContain('upstream refused');
    expect(lines.filter((l) => l.includes('request completed'))).toHaveLength(2);
    for (const [name, secret] of Object.entries({ ...SECRETS, apiKey: SECRETS.apiKey })) {
      expect(text, `secret ${name} leaked into the log`).not.toContain(secret);
    }
    // What is left is useful: the key's public prefix and the masked fields' names.
    expect(text).toContain('orbit_abcd1234_[REDACTED]');
    const received = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'received a thing');
    expect(received.body.password).toBe('[REDACTED]');
    expect(received.body.apiKey).toBe('[REDACTED]');
    expect(received.headers.authorization).toBe('[REDACTED]');
    expect(received.headers.cookie).toBe('[REDACTED]');
    expect(received.headers['x-api-key']).toBe('[REDACTED]');
    expect(received.body.name).toBe('thing');
  });

  it('puts the request ID on every log line of a request and echoes it with a response time', async () => {
    const before = log.lines.length;
    const res = await fetch(`${base}/v1/boom`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'client-req.42:a_b-c' },
      body: '{}',
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('client-req.42:a_b-c');
    expect(res.headers.get('x-response-time')).toMatch(/^\d+\.\d{2}ms$/);
    const problem = (await res.json()) as { requestId: string };
    expect(problem.requestId).toBe('client-req.42:a_b-c');

    const lines = log.lines.slice(before).map((l) => JSON.parse(l) as { reqId?: string; level: string });
    expect(lines.length).toBeGreaterThanOrEqual(3); // incoming, failed, completed
    for (const line of lines) expect(line.reqId).toBe('client-req.42:a_b-c');
    expect(lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('replaces a malformed or oversized request ID with a new sortable one', async () => {
    const ids: string[] = [];
    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', '']) {
      const res = await fetch(`${base}/v1/things/a`, { headers: { 'x-request-id': bad } });
      const id = res.headers.get('x-request-id') ?? '';
      expect(id, `for ${JSON.stringify(bad)}`).toMatch(UUIDV7);
      ids.push(id);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const longest = 'y'.repeat(128);
    const res = await fetch(`${base}/v1/things/a`, { headers: { 'x-request-id': longest } });
    expect(res.headers.get('x-request-id')).toBe(longest);
  });

  it('puts the request ID on hijacked, streamed responses', async () => {
    const res = await fetch(`${base}/v1/stream`, { headers: { 'x-request-id': 'stream-1' } });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-request-id')).toBe('stream-1');
    expect(await res.text()).toBe('data: done\n\n');
  });

  it('sets both headers on 404s and on rejected bodies too', async () => {
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(UUIDV7);
    expect(missing.headers.get('x-response-time')).toMatch(/ms$/);
    const badJson = await fetch(`${base}/v1/things/a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad-json-1' },
      body: '{not json',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('x-request-id')).toBe('bad-json-1');
    expect(badJson.headers.get('x-response-time')).toMatch(/ms$/);
  });
});
