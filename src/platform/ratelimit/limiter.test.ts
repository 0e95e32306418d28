import { afterAll, describe, expect, it } from 'vitest';
import { hasRedis, itWhen, REDIS_MISSING, redisUrl } from '../../../test/support/services.ts';
import { newId } from '../ids.ts';
import { createRateLimiter, MemoryWindowStore, type Policy, type RateLimiter } from './index.ts';
import { windowsFor } from './windows.ts';

const policy: Policy = {
  short: [{ limit: 3, windowSeconds: 2 }],
  minute: [{ limit: 2, windowSeconds: 1 }],
  hour: [{ limit: 3, windowSeconds: 4 }],
  gate: [{ limit: 2, windowSeconds: 1 }],
  wide: [{ limit: 5, windowSeconds: 30 }],
  double: [
    { limit: 5, windowSeconds: 10 },
    { limit: 2, windowSeconds: 20 },
  ],
  ten: [{ limit: 10, windowSeconds: 60 }],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh identity per test, so tests sharing the Redis server never see each other's counts. */
const someone = () => `test-${newId()}`;

const limiters: RateLimiter[] = [];
afterAll(async () => {
  await Promise.all(limiters.map((l) => l.close()));
});

function limiterOn(backend: 'memory' | 'redis'): RateLimiter {
  const l = createRateLimiter({ policy, redisUrl: backend === 'redis' ? redisUrl : undefined });
  limiters.push(l);
  return l;
}

const backends = [
  { backend: 'memory' as const, test: it },
  { backend: 'redis' as const, test: itWhen(hasRedis, REDIS_MISSING) },
];

describe.concurrent.each(backends)('sliding-window limits on $backend', ({ backend, test }) => {
  test('counts down, denies the request over the limit, and slides rather than resetting in fixed buckets', async () => {
    const limiter = limiterOn(backend);
    const id = someone();
    const first = await limiter.check(['short'], id);
    expect(first).toMatchObject({ allowed: true, limit: 3, remaining: 2, tier: 'short', windowSeconds: 2, backend });
    expect(first.resetSeconds).toBe(2);
    expect((await limiter.check(['short'], id)).remaining).toBe(1);
    await sleep(1000);
    expect(await limiter.check(['short'], id)).toMatchObject({ allowed: true, remaining: 0 });
    const denied = await limiter.check(['short'], id);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, limit: 3, tier: 'short' });
    // The two oldest requests leave the window about 1 s from now.
    expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(denied.retryAfterSeconds).toBeLessThanOrEqual(2);
    await sleep(1100);
    // The first two left the window; the third (1 s younger) has not, so exactly two fit — a fixed 2-s bucket
    // starting with the first request would have room for three.
    expect((await limiter.check(['short'], id)).allowed).toBe(true);
    expect((await limiter.check(['short'], id)).allowed).toBe(true);
    expect((await limiter.check(['short'], id)).allowed).toBe(false);
  });

  test('across tiers the tighter window binds, and the longer one binds once the short one has slid', async () => {
    const limiter = limiterOn(backend);
    const id = someone();
    expect(await limiter.check(['minute', 'hour'], id)).toMatchObject({ allowed: true, remaining: 1, tier: 'minute' });
    expect(await limiter.check(['minute', 'hour'], id)).toMatchObject({ allowed: true, remaining: 0, tier: 'minute' });
    expect(await limiter.check(['minute', 'hour'], id)).toMatchObject({ allowed: false, tier: 'minute', limit: 2 });
    await sleep(1100);
    expect(await limiter.check(['minute', 'hour'], id)).toMatchObject({ allowed: true, remaining: 0, tier: 'hour' });
    const denied = await limiter.check(['minute', 'hour'], id);
    expect(denied).toMatchObject({ allowed: false, tier: 'hour', limit: 3, windowSeconds: 4 });
    // The oldest request entered about 1.1 s ago; the 4-s window frees it in about 3 s.
    expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(2);
    expect(denied.retryAfterSeconds).toBeLessThanOrEqual(3);
  });

  test('within one tier every window counts; the tighter one is reported', async () => {
    const limiter = limiterOn(backend);
    const id = someone();
    expect(await limiter.check(['double'], id)).toMatchObject({ allowed: true, remaining: 1, windowSeconds: 20 });
    expect(await limiter.check(['double'], id)).toMatchObject({ allowed: true, remaining: 0, windowSeconds: 20 });
    const denied = await limiter.check(['double'], id);
    expect(denied).toMatchObject({ allowed: false, limit: 2, windowSeconds: 20 });
    expect(denied.retryAfterSeconds).toBeGreaterThan(10);
  });

  test('a denied request consumes nothing in any window', async () => {
    const limiter = limiterOn(backend);
    const id = someone();
    for (let i = 0; i < 2; i++) expect((await limiter.check(['gate', 'wide'], id)).allowed).toBe(true);
    // Five denials by `gate`: had they been counted in `wide` (limit 5) it would now be full.
    for (let i = 0; i < 5; i++) expect(await limiter.check(['gate', 'wide'], id)).toMatchObject({ allowed: false });
    await sleep(1100);
    expect((await limiter.check(['gate', 'wide'], id)).allowed).toBe(true);
    const fourth = await limiter.check(['gate', 'wide'], id);
    expect(fourth.allowed).toBe(true);
    expect(fourth.tier).toBe('gate');
    expect((await limiter.check(['wide'], id)).remaining).toBe(0);
  });

  test('identities and tiers are counted apart; a tier named twice counts once', async () => {
    const limiter = limiterOn(backend);
    const [a, b] = [someone(), someone()];
    expect((await limiter.check(['ten', 'ten'], a)).remaining).toBe(9);
    expect((await limiter.check(['ten'], a)).remaining).toBe(8);
    expect((await limiter.check(['ten'], b)).remaining).toBe(9);
    expect((await limiter.check(['wide'], a)).remaining).toBe(4);
  });

  test('exactly the limit is admitted out of 100 concurrent checks', async () => {
    const limiter = limiterOn(backend);
    const id = someone();
    const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.check(['ten'], id)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.every((d) => d.backend === backend)).toBe(true);
    expect(
      decisions
        .filter((d) => d.allowed)
        .map((d) => d.remaining)
        .sort((x, y) => x - y),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('a check names what is wrong with its tiers or identity', async () => {
    const limiter = limiterOn(backend);
    await expect(limiter.check(['nope'], 'x')).rejects.toThrow('unknown rate-limit tier "nope"; the policy has short');
    await expect(limiter.check([], 'x')).rejects.toThrow('at least one tier');
    await expect(limiter.check(['ten'], '')).rejects.toThrow('non-empty identity');
  });
});

describe('memory store housekeeping', () => {
  it('drops a window once its newest entry has left it, and keeps busy ones', () => {
    let now = 0;
    const store = new MemoryWindowStore(() => now);
    const idle = windowsFor(policy, ['short'], 'idle');
    const busy = windowsFor(policy, ['wide'], 'busy');
    store.check(idle);
    store.check(busy);
    expect(store.size).toBe(2);
    now = 2_000_000; // exactly one 2-s window later: the idle entry has left
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(1);
    now = 30_000_001;
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(0);
  });

  it('uses the same window edge as Redis: an entry exactly one window old no longer counts', () => {
    let now = 5;
    const store = new MemoryWindowStore(() => now);
    const specs = windowsFor(policy, ['minute'], 'edge');
    expect(store.check(specs).allowed).toBe(true);
    expect(store.check(specs).allowed).toBe(true);
    now = 5 + 999_999;
    expect(store.check(specs)).toEqual({ allowed: false, windows: [{ count: 2, resetMicros: 1 }] });
    now = 5 + 1_000_000;
    expect(store.check(specs).allowed).toBe(true);
  });

  it('recorded requests (admitted by Redis) count when memory has to answer', () => {
    const store = new MemoryWindowStore(() => 1);
    const specs = windowsFor(policy, ['minute'], 'mirror');
    store.record(specs);
    store.record(specs);
    expect(store.check(specs).allowed).toBe(false);
  });
});
