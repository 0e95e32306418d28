import type { Policy } from './policy.ts';

export type Backend = 'redis' | 'memory';

/** One window of one tier for one identity: the unit both stores count in. */
export interface WindowSpec {
  key: string;
  tier: string;
  limit: number;
  windowSeconds: number;
  windowMicros: number;
}

/**
 * What a store saw, per window in the order given. `count` includes the request when it was allowed;
 * `resetMicros` is how long until the window has room for one more request (its oldest blocking entry leaves).
 */
export interface StoreOutcome {
  allowed: boolean;
  windows: { count: number; resetMicros: number }[];
}

/** The answer for one request, reported for its most restrictive window. */
export interface Decision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the binding window has room for one more request. */
  resetSeconds: number;
  /** Present when denied: seconds to wait before a retry can succeed. */
  retryAfterSeconds?: number;
  /** Tier and length of the binding window. */
  tier: string;
  windowSeconds: number;
  backend: Backend;
}

export const KEY_PREFIX = 'orbit:rl:';

/**
 * The windows a request is counted in. All keys of one identity share a Redis Cluster hash tag, so one script can
 * touch them all atomically.
 */
export function windowsFor(policy: Policy, tiers: readonly string[], identity: string): WindowSpec[] {
  if (tiers.length === 0) throw new Error('a rate-limit check needs at least one tier');
  if (identity === '') throw new Error('a rate-limit check needs a non-empty identity');
  const specs: WindowSpec[] = [];
  for (const tier of new Set(tiers)) {
    const windows = policy[tier];
    if (!windows) {
      throw new Error(`unknown rate-limit tier "${tier}"; the policy has ${Object.keys(policy).join(', ')}`);
    }
    for (const w of windows) {
      specs.push({
        key: `${KEY_PREFIX}{${identity}}:${tier}:${w.windowSeconds}`,
        tier,
        limit: w.limit,
        windowSeconds: w.windowSeconds,
        windowMicros: w.windowSeconds * 1_000_000,
      });
    }
  }
  return specs;
}

function seconds(micros: number): number {
  return Math.max(1, Math.ceil(micros / 1_000_000));
}

/**
 * Turns a store's per-window counts into one decision. Denied: the over-limit window that frees up last binds
 * (retrying earlier cannot succeed). Allowed: the window with the fewest requests left binds.
 */
export function decide(specs: readonly WindowSpec[], outcome: StoreOutcome, backend: Backend): Decision {
  let best = -1;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const w = outcome.windows[i]!;
    if (outcome.allowed) {
      const remaining = spec.limit - w.count;
      const bestRemaining = best < 0 ? Number.POSITIVE_INFINITY : specs[best]!.limit - outcome.windows[best]!.count;
      if (
        remaining < bestRemaining ||
        (remaining === bestRemaining && w.resetMicros > outcome.windows[best]!.resetMicros)
      ) {
        best = i;
      }
    } else if (w.count >= spec.limit && (best < 0 || w.resetMicros > outcome.windows[best]!.resetMicros)) {
      best = i;
    }
  }
  if (best < 0) throw new Error('rate-limit store denied a request without any window over its limit');
  const spec = specs[best]!;
  const w = outcome.windows[best]!;
  const resetSeconds = seconds(w.resetMicros);
  return outcome.allowed
    ? {
        allowed: true,
        limit: spec.limit,
        remaining: Math.max(0, spec.limit - w.count),
        resetSeconds,
        tier: spec.tier,
        windowSeconds: spec.windowSeconds,
        backend,
      }
    : {
        allowed: false,
        limit: spec.limit,
        remaining: 0,
        resetSeconds,
        retryAfterSeconds: resetSeconds,
        tier: spec.tier,
        windowSeconds: spec.windowSeconds,
        backend,
      };
}
