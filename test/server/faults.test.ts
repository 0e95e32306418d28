import { describe, expect } from 'vitest';
import { api, startTestServer } from '../support/server.ts';
import {
  hasPostgresBinaries,
  hasRedisServerBinary,
  itWhen,
  POSTGRES_BINARIES_MISSING,
  REDIS_BINARY_MISSING,
  startOwnPostgres,
  startOwnRedis,
} from '../support/services.ts';

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('faults', () => {
  itWhen(true, '')(
    'limits requests per tier with headers and a 429 problem with Retry-After; health is exempt',
    async () => {
      const t = await startTestServer({
        ORBIT_RATE_LIMITS: JSON.stringify({ authenticated: [{ limit: 5, windowSeconds: 60 }] }),
      });
      try {
        const statuses: number[] = [];
        let last: Awaited<ReturnType<typeof api>> | undefined;
        for (let i = 0; i < 7; i++) {
          last = await api(t.url, 'GET', '/v1/runs?limit=1');
          statuses.push(last.status);
          if (i === 0) {
            expect(last.headers.get('ratelimit-limit')).toBe('5');
            expect(last.headers.get('ratelimit-remaining')).toBe('4');
            expect(last.headers.get('x-ratelimit-limit')).toBe('5');
            expect(Number(last.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
          }
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
        expect(last?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(last?.json.type).toBe('https://orbit.dev/problems/rate-limited');
        for (let i = 0; i < 10; i++) expect((await api(t.url, 'GET', '/health/ready')).status).toBe(200);
      } finally {
        await t.close();
      }
    },
  );

  itWhen(hasRedisServerBinary, REDIS_BINARY_MISSING)(
    'keeps limiting from memory while Redis is down, never a 5xx, and goes back to Redis when it returns',
    async () => {
      const redis = await startOwnRedis();
      const t = await startTestServer({
        REDIS_URL: redis.url,
        ORBIT_RATE_LIMITS: JSON.stringify({ authenticated: [{ limit: 4, windowSeconds: 60 }] }),
      });
      try {
        const ready = await api(t.url, 'GET', '/health/ready');
        expect(ready.json.status).toBe('ready');
        expect((await api(t.url, 'GET', '/v1/runs?limit=1')).status).toBe(200);
        await redis.stop();
        const during: number[] = [];
        for (let i = 0; i < 8; i++) during.push((await api(t.url, 'GET', '/v1/runs?limit=1')).status);
        expect(during.every((s) => s === 200 || s === 429)).toBe(true);
        expect(during).toContain(429); // still limited: never unlimited
        const degraded = await api(t.url, 'GET', '/health/ready');
        expect(degraded.status).toBe(200);
        expect(degraded.json.status).toBe('degraded');
        expect(JSON.stringify(degraded.json)).toMatch(/Redis unreachable/);
        const metrics = await (await fetch(`${t.url}/metrics`)).text();
        expect(metrics).toMatch(/orbit_ratelimit_backend\{backend="memory"\} 1/);
        await redis.start();
        await eventually(
          () => api(t.url, 'GET', '/health/ready'),
          (r) => {
            if (process.env.DEBUG_FAULTS) console.log(JSON.stringify(r.json));
            return r.json.status === 'ready';
          },
        );
        const back = await (await fetch(`${t.url}/metrics`)).text();
        expect(back).toMatch(/orbit_ratelimit_backend\{backend="redis"\} 1/);
      } finally {
        await t.close();
        await redis.stop();
      }
    },
  );

  itWhen(hasPostgresBinaries, POSTGRES_BINARIES_MISSING)(
    'answers 503 while PostgreSQL is down, loses nothing, and recovers when it returns',
    async () => {
      const pg = await startOwnPostgres();
      const t = await startTestServer({ DATABASE_URL: pg.url });
      try {
        const r = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 1, delayMs: 0 } } });
        expect(r.status).toBe(202);
        await eventually(
          () => api(t.url, 'GET', `/v1/runs/${r.json.id}`),
          (x) => x.json.status === 'succeeded',
        );
        await pg.stop();
        const ready = await api(t.url, 'GET', '/health/ready');
        expect(ready.status).toBe(503);
        expect(ready.json.status).toBe('unavailable');
        expect(
          (ready.json.components as { name: string; status: string }[]).find((c) => c.name === 'database')?.status,
        ).toBe('down');
        const read = await api(t.url, 'GET', `/v1/runs/${r.json.id}`);
        expect(read.status).toBe(503);
        expect(read.json.type).toBe('https://orbit.dev/problems/service-unavailable');
        expect(read.headers.get('retry-after')).toBe('5');
        const write = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: {} } });
        expect(write.status).toBe(503);
        await pg.start();
        await eventually(
          () => api(t.url, 'GET', '/health/ready'),
          (x) => x.status === 200,
        );
        const again = await api(t.url, 'GET', `/v1/runs/${r.json.id}`);
        expect(again.json).toMatchObject({ status: 'succeeded', output: { steps: 1, attempt: 1 } });
        const next = await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 1, delayMs: 0 } } });
        expect(next.status).toBe(202);
        await eventually(
          () => api(t.url, 'GET', `/v1/runs/${next.json.id}`),
          (x) => x.json.status === 'succeeded',
          30_000,
        );
      } finally {
        await t.close();
        await pg.destroy();
      }
    },
  );
});
