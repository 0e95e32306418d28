import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hasRedisServerBinary, itWhen, REDIS_BINARY_MISSING, startOwnRedis } from '../../../test/support/services.ts';
import { OrbitError } from '../../platform/errors.ts';
import { createRateLimiter, type Policy, type RateLimiter } from '../../platform/ratelimit/index.ts';
import type { Principal } from '../types.ts';
import { rateLimitPlugin } from './rateLimit.ts';

const policy: Policy = {
  anonymous: [{ limit: 2, windowSeconds: 60 }],
  authenticated: [{ limit: 3, windowSeconds: 60 }],
  generation: [{ limit: 1, windowSeconds: 3600 }],
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A small app shaped like Orbit's: an earlier onRequest hook plays the auth plugin (principal from the
 * `x-test-principal` header, `kind:id`), and an error handler renders OrbitError as problem+json.
 */
async function appWith(options: { limiter?: RateLimiter; trustedProxies?: string[] } = {}): Promise<FastifyInstance> {
  const limiter = options.limiter ?? createRateLimiter({ policy });
  const app = Fastify();
  cleanups.push(async () => {
    await app.close();
    await limiter.close();
  });
  app.addHook('onRequest', async (request) => {
    const raw = request.headers['x-test-principal'];
    if (typeof raw === 'string') {
      const [kind, id] = raw.split(':') as [Principal['kind'], string];
      request.principal = { kind, id, role: 'member' };
    } else {
      request.principal = { kind: 'anonymous', id: 'anonymous', role: null };
    }
  });
  app.setErrorHandler((err, request, reply) => {
    if (!(err instanceof OrbitError)) return reply.status(500).send({ error: String(err) });
    return reply
      .status(err.status)
      .type('application/problem+json')
      .send({
        type: `https://orbit.dev/problems/${err.type}`,
        status: err.status,
        detail: err.detail,
        instance: request.url,
        ...err.extra,
      });
  });
  await app.register(rateLimitPlugin, { limiter, trustedProxies: options.trustedProxies ?? [] });
  app.get('/v1/things', async () => ({ ok: true }));
  app.get('/health/ready', { config: { rateLimit: false } }, async () => ({ status: 'ready' }));
  app.post('/v1/generate', { config: { rateLimit: 'generation' } }, async () => ({ started: true }));
  app.post('/v1/runs', async (request, reply) => {
    // Like POST /v1/runs: the tier depends on the body (the run kind).
    if ((request.body as { kind?: string } | undefined)?.kind === 'workflow')
      await request.limitTier('generation', reply);
    return { started: true };
  });
  await app.ready();
  return app;
}

const get = (app: FastifyInstance, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'GET', url: '/v1/things', headers, remoteAddress });

describe('rate-limit plugin over HTTP', () => {
  it('sets the RateLimit and legacy X-RateLimit headers, then answers 429 problem+json with Retry-After', async () => {
    const app = await appWith();
    const first = await get(app);
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({
      'ratelimit-limit': '2',
      'ratelimit-remaining': '1',
      'ratelimit-reset': '60',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': '60',
    });
    expect((await get(app)).headers['ratelimit-remaining']).toBe('0');

    const denied = await get(app);
    expect(denied.statusCode).toBe(429);
    expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(denied.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(denied.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '0' });
    const problem = denied.json();
    expect(problem).toMatchObject({
      type: 'https://orbit.dev/problems/rate-limited',
      status: 429,
      retryAfter,
    });
    expect(problem.detail).toBe(
      `Too many requests: the "anonymous" tier allows 2 per minute. Retry in ${retryAfter} seconds.`,
    );
  });

  it('leaves exempt routes alone: no counting, no headers', async () => {
    const app = await appWith();
    for (let i = 0; i < 5; i++) {
      const r = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['ratelimit-limit']).toBeUndefined();
    }
    expect((await get(app)).headers['ratelimit-remaining']).toBe('1');
  });

  it('counts each API key on its own authenticated budget, shared with tokens minted from it', async () => {
    const app = await appWith();
    const keyA = { 'x-test-principal': 'api_key:key-a' };
    expect((await get(app, keyA)).headers['ratelimit-limit']).toBe('3');
    expect((await get(app, keyA)).headers['ratelimit-remaining']).toBe('1');
    // A bearer token whose subject is key-a draws on the same budget.
    expect((await get(app, { 'x-test-principal': 'jwt:key-a' })).headers['ratelimit-remaining']).toBe('0');
    expect((await get(app, keyA)).statusCode).toBe(429);
    // Another key and an anonymous caller from the same address are unaffected.
    expect((await get(app, { 'x-test-principal': 'api_key:key-b' })).headers['ratelimit-remaining']).toBe('2');
    expect((await get(app)).headers['ratelimit-remaining']).toBe('1');
  });

  it('limits loopback callers without a key (local principals) like authenticated ones', async () => {
    const app = await appWith();
    const local = { 'x-test-principal': 'local:local' };
    expect((await get(app, local)).headers['ratelimit-limit']).toBe('3');
    await get(app, local);
    await get(app, local);
    expect((await get(app, local)).statusCode).toBe(429);
  });

  it('adds a route tier on top of the base tier; its denial costs nothing from the base tier', async () => {
    const app = await appWith();
    const key = { 'x-test-principal': 'api_key:gen' };
    const started = await app.inject({ method: 'POST', url: '/v1/generate', headers: key });
    expect(started.statusCode).toBe(200);
    expect(started.headers).toMatchObject({ 'ratelimit-limit': '1', 'ratelimit-remaining': '0' });
    const denied = await app.inject({ method: 'POST', url: '/v1/generate', headers: key });
    expect(denied.statusCode).toBe(429);
    expect(denied.json().detail).toMatch(
      /^Too many requests: the "generation" tier allows 1 per hour\. Retry in \d+ seconds\.$/,
    );
    // authenticated (3): one spent on the started generation, none on the denied one.
    expect((await get(app, key)).headers['ratelimit-remaining']).toBe('1');
    expect((await get(app, key)).headers['ratelimit-remaining']).toBe('0');
    expect((await get(app, key)).statusCode).toBe(429);
  });

  it('checks a tier chosen by the handler (limitTier) once, on top of the base tier', async () => {
    const app = await appWith();
    const headers = { 'x-test-principal': 'api_key:k1' };
    const start = (kind: string) => app.inject({ method: 'POST', url: '/v1/runs', headers, payload: { kind } });
    expect((await start('workflow')).statusCode).toBe(200);
    const denied = await start('workflow');
    expect(denied.statusCode).toBe(429);
    expect(denied.json().detail).toContain('"generation" tier allows 1 per hour');
    // Other kinds only pay the base tier: 2 of its 3 are used by now.
    expect((await start('demo')).statusCode).toBe(200);
    expect((await start('demo')).statusCode).toBe(429);
  });

  it('ignores X-Forwarded-For from an untrusted peer: the peer address is the identity', async () => {
    const app = await appWith({ trustedProxies: ['192.168.0.0/16'] });
    const statuses = [];
    for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      statuses.push((await get(app, { 'x-forwarded-for': forwarded }, '10.0.0.5')).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('honours X-Forwarded-For from a trusted proxy (CIDR), but not addresses a client forged before it', async () => {
    const app = await appWith({ trustedProxies: ['192.168.0.0/16'] });
    const via = (xff: string) => get(app, { 'x-forwarded-for': xff }, '192.168.1.1');
    expect((await via('203.0.113.1')).headers['ratelimit-remaining']).toBe('1');
    expect((await via('203.0.113.2')).headers['ratelimit-remaining']).toBe('1');
    // The client prepended a fake address; the proxy appended the real one, which is what counts.
    expect((await via('198.51.100.9, 203.0.113.1')).headers['ratelimit-remaining']).toBe('0');
    expect((await via('198.51.100.10, 203.0.113.1')).statusCode).toBe(429);
  });

  it('refuses at start-up a route asking for a tier the policy lacks, and a malformed trusted proxy', async () => {
    const limiter = createRateLimiter({ policy });
    cleanups.push(() => limiter.close());
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(rateLimitPlugin, { limiter, trustedProxies: [] });
    expect(() => app.get('/x', { config: { rateLimit: 'generaton' } }, async () => ({}))).toThrow(
      'route GET /x asks for rate-limit tier "generaton", which the policy does not have (anonymous, authenticated, generation)',
    );

    const other = Fastify();
    cleanups.push(() => other.close());
    await expect(other.register(rateLimitPlugin, { limiter, trustedProxies: ['10.0.0.0/40'] })).rejects.toThrow(
      'ORBIT_TRUSTED_PROXIES: "10.0.0.0/40" is not an IP address or CIDR range',
    );
  });

  itWhen(hasRedisServerBinary, REDIS_BINARY_MISSING)(
    'with Redis stopped and restarted mid-test: never a 5xx, limits still enforced',
    async () => {
      const redis = await startOwnRedis();
      cleanups.push(() => redis.stop());
      const limiter = createRateLimiter({ redisUrl: redis.url, policy, probeIntervalMs: 100 });
      const app = await appWith({ limiter });
      const key = { 'x-test-principal': 'api_key:steady' };
      expect((await get(app, key)).statusCode).toBe(200);
      await redis.stop();
      const during = [];
      for (let i = 0; i < 4; i++) during.push((await get(app, key)).statusCode);
      expect(during).toEqual([200, 200, 429, 429]);
      await redis.start();
      for (let i = 0; i < 100 && limiter.status().backend !== 'redis'; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(limiter.status().backend).toBe('redis');
      const other = { 'x-test-principal': 'api_key:after' };
      const after = [];
      for (let i = 0; i < 4; i++) after.push((await get(app, other)).statusCode);
      expect(after).toEqual([200, 200, 200, 429]);
    },
  );
});
