import net from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  hasRedisServerBinary,
  itWhen,
  type OwnRedis,
  REDIS_BINARY_MISSING,
  startOwnRedis,
} from '../../../test/support/services.ts';
import { registry } from '../observability/metrics.ts';
import { createRateLimiter, type LimiterLogger, type RateLimiter } from './index.ts';

const policy = { t: [{ limit: 3, windowSeconds: 60 }] };

function recordingLogger() {
  const lines: { level: 'info' | 'warn'; msg: string; obj?: object }[] = [];
  const logger: LimiterLogger = {
    info: (msg) => lines.push({ level: 'info', msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
  };
  return { lines, logger };
}

async function metric(name: string, labels?: Record<string, string>): Promise<number> {
  const m = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const v = m.find((x) => Object.entries(labels ?? {}).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track<T extends RateLimiter | OwnRedis | Redis>(thing: T): T {
  if ('check' in thing) cleanups.push(() => thing.close());
  else if ('stop' in thing) cleanups.push(() => thing.stop());
  else cleanups.push(async () => void thing.disconnect());
  return thing;
}

describe('falling back to memory when Redis fails, and going back', () => {
  itWhen(hasRedisServerBinary, REDIS_BINARY_MISSING)(
    'Redis stopped mid-test: memory answers at once, limits hold, and Redis is used again once restarted',
    async () => {
      const redis = track(await startOwnRedis());
      const { lines, logger } = recordingLogger();
      const limiter = track(createRateLimiter({ redisUrl: redis.url, policy, logger, probeIntervalMs: 100 }));
      const fallbacksBefore = await metric('orbit_ratelimit_fallbacks_total');

      expect(await limiter.check(['t'], 'alice')).toMatchObject({ allowed: true, remaining: 2, backend: 'redis' });
      expect(await limiter.check(['t'], 'alice')).toMatchObject({ allowed: true, remaining: 1, backend: 'redis' });
      expect(limiter.status()).toEqual({ backend: 'redis', redisConfigured: true, redisHealthy: true });
      expect(await metric('orbit_ratelimit_backend', { backend: 'redis' })).toBe(1);

      await redis.stop();

      // Memory already knows alice's two requests, so she gets exactly one more, not a fresh three.
      expect(await limiter.check(['t'], 'alice')).toMatchObject({ allowed: true, remaining: 0, backend: 'memory' });
      expect(await limiter.check(['t'], 'alice')).toMatchObject({ allowed: false, backend: 'memory' });
      for (let i = 0; i < 3; i++) expect((await limiter.check(['t'], 'bob')).allowed).toBe(true);
      expect(await limiter.check(['t'], 'bob')).toMatchObject({ allowed: false, backend: 'memory' });

      const down = limiter.status();
      expect(down).toMatchObject({ backend: 'memory', redisConfigured: true, redisHealthy: false });
      expect(down.lastError).toMatch(/\S/);
      expect(await metric('orbit_ratelimit_backend', { backend: 'memory' })).toBe(1);
      expect(await metric('orbit_ratelimit_backend', { backend: 'redis' })).toBe(0);
      expect(await metric('orbit_ratelimit_fallbacks_total')).toBe(fallbacksBefore + 1);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1); // one log line per outage, not per request

      await redis.start();
      await vi.waitFor(() => expect(limiter.status().backend).toBe('redis'), { timeout: 15_000, interval: 100 });
      expect(limiter.status()).toEqual({ backend: 'redis', redisConfigured: true, redisHealthy: true });
      // The restarted Redis is empty (no persistence) and has lost the script: it is loaded again transparently.
      expect(await limiter.check(['t'], 'carol')).toMatchObject({ allowed: true, remaining: 2, backend: 'redis' });
      expect(await metric('orbit_ratelimit_backend', { backend: 'redis' })).toBe(1);
      expect(lines.filter((l) => l.level === 'info').map((l) => l.msg)).toEqual([
        'Redis answers again: rate limits are counted in Redis once more',
      ]);
    },
  );

  itWhen(hasRedisServerBinary, REDIS_BINARY_MISSING)(
    'a Redis that hangs (CLIENT PAUSE) is given up on after the command timeout and probed until it answers',
    async () => {
      const redis = track(await startOwnRedis());
      const limiter = track(
        createRateLimiter({ redisUrl: redis.url, policy, commandTimeoutMs: 100, probeIntervalMs: 100 }),
      );
      expect((await limiter.check(['t'], 'dave')).backend).toBe('redis');

      const admin = track(new Redis(redis.url));
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const hung = await limiter.check(['t'], 'dave');
      expect(hung).toMatchObject({ allowed: true, backend: 'memory' });
      expect(limiter.status()).toMatchObject({
        backend: 'memory',
        redisHealthy: false,
        lastError: 'Command timed out',
      });

      await vi.waitFor(() => expect(limiter.status().backend).toBe('redis'), { timeout: 15_000, interval: 100 });
      expect((await limiter.check(['t'], 'erin')).backend).toBe('redis');
    },
  );

  it('a Redis address that accepts connections but never answers does not stall the first requests', async () => {
    const silent = net.createServer(() => {});
    const sockets: net.Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    });
    const port = (silent.address() as net.AddressInfo).port;
    const limiter = track(
      createRateLimiter({ redisUrl: `redis://127.0.0.1:${port}`, policy, commandTimeoutMs: 100, probeIntervalMs: 100 }),
    );
    for (let i = 0; i < 3; i++)
      expect(await limiter.check(['t'], 'frank')).toMatchObject({ allowed: true, backend: 'memory' });
    expect((await limiter.check(['t'], 'frank')).allowed).toBe(false);
    const s = limiter.status();
    expect(s).toMatchObject({ backend: 'memory', redisConfigured: true, redisHealthy: false });
    expect(s.lastError).toMatch(/did not answer within 100 ms|timed out|timeout/i);
  });

  it('without REDIS_URL the status says memory and nothing is wrong', async () => {
    const limiter = track(createRateLimiter({ policy }));
    expect(limiter.status()).toEqual({ backend: 'memory', redisConfigured: false, redisHealthy: false });
    expect((await limiter.check(['t'], 'gina')).backend).toBe('memory');
  });
});
