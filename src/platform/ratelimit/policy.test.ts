import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { createRateLimiter, defaultPolicy, parsePolicy } from './index.ts';

describe('rate-limit policy', () => {
  it('has the promised default tiers', () => {
    expect(defaultPolicy).toEqual({
      anonymous: [{ limit: 20, windowSeconds: 60 }],
      authenticated: [
        { limit: 100, windowSeconds: 60 },
        { limit: 1000, windowSeconds: 3600 },
      ],
      generation: [
        { limit: 10, windowSeconds: 60 },
        { limit: 50, windowSeconds: 3600 },
      ],
      validation: [{ limit: 50, windowSeconds: 60 }],
    });
    expect(parsePolicy(undefined)).toEqual(defaultPolicy);
  });

  it('lays ORBIT_RATE_LIMITS over the defaults: a named tier is replaced whole, a new tier is added', () => {
    const policy = parsePolicy({
      authenticated: [{ limit: 200, windowSeconds: 60 }],
      'ci-bots': [{ limit: 5, windowSeconds: 10 }],
    });
    expect(policy.authenticated).toEqual([{ limit: 200, windowSeconds: 60 }]);
    expect(policy['ci-bots']).toEqual([{ limit: 5, windowSeconds: 10 }]);
    expect(policy.anonymous).toEqual(defaultPolicy.anonymous);
  });

  it.each([
    [{ anonymous: { limit: 1, windowSeconds: 60 } }, 'tier "anonymous" must be an array'],
    [{ anonymous: [] }, 'tier "anonymous" has no windows; a tier cannot be unlimited'],
    [{ anonymous: [{ limit: 0, windowSeconds: 60 }] }, 'tier "anonymous" window 0: "limit" must be a whole number'],
    [{ anonymous: [{ limit: 1.5, windowSeconds: 60 }] }, '"limit" must be a whole number from 1 to 100000 (got 1.5)'],
    [
      { anonymous: [{ limit: 5, windowSeconds: '60' }] },
      '"windowSeconds" must be a whole number from 1 to 86400 (got "60")',
    ],
    [{ anonymous: [{ limit: 5 }] }, '"windowSeconds" must be a whole number'],
    [{ anonymous: [{ limit: 5, windowSeconds: 60, burst: 2 }] }, 'window 0 has unknown field(s) "burst"'],
    [
      {
        anonymous: [
          { limit: 5, windowSeconds: 60 },
          { limit: 9, windowSeconds: 60 },
        ],
      },
      'window 1 repeats windowSeconds 60',
    ],
    [{ 'Bad Tier': [{ limit: 5, windowSeconds: 60 }] }, 'tier name "Bad Tier" must be lower-case'],
    [{ anonymous: [null] }, 'tier "anonymous" window 0 must be an object'],
  ])('rejects %j with a message naming the variable and the problem', (override, message) => {
    let error: unknown;
    try {
      parsePolicy(override as Record<string, unknown>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('ORBIT_RATE_LIMITS');
    expect((error as Error).message).toContain(message);
  });

  it('refuses to build a limiter from an invalid policy written in code', () => {
    expect(() => createRateLimiter({ policy: {} })).toThrow('rate-limit policy has no tiers');
    expect(() => createRateLimiter({ policy: { x: [{ limit: -1, windowSeconds: 1 }] } })).toThrow(
      'tier "x" window 0: "limit" must be a whole number',
    );
  });
});
