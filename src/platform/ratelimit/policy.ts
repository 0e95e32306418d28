import { ConfigError } from '../config.ts';

/** At most `limit` requests in any `windowSeconds`-long stretch of time (a sliding window, not a fixed bucket). */
export interface RateWindow {
  limit: number;
  windowSeconds: number;
}

/** Tier name → every window that applies to it; a request must fit in all windows of all its tiers. */
export type Policy = Readonly<Record<string, readonly RateWindow[]>>;

/** The tiers Orbit promises by default. Routes add `generation` or `validation` on top of the caller's base tier. */
export const defaultPolicy: Policy = {
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
};

export const MAX_LIMIT = 100_000;
export const MAX_WINDOW_SECONDS = 86_400;
const MAX_WINDOWS_PER_TIER = 8;
/** Tier names end up in Redis keys and metric labels, so keep them plain. */
const TIER_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

const EXAMPLE = '{"anonymous":[{"limit":10,"windowSeconds":60}]}';

/** What is wrong with one tier's definition, or undefined when it is valid. */
export function tierProblem(tier: string, value: unknown): string | undefined {
  if (!TIER_NAME.test(tier)) {
    return `tier name "${tier}" must be lower-case letters, digits, "-" or "_", starting with a letter (at most 40 characters)`;
  }
  if (!Array.isArray(value)) return `tier "${tier}" must be an array of {"limit","windowSeconds"} objects`;
  if (value.length === 0) {
    return `tier "${tier}" has no windows; a tier cannot be unlimited, give it at least one {"limit","windowSeconds"}`;
  }
  if (value.length > MAX_WINDOWS_PER_TIER) {
    return `tier "${tier}" has ${value.length} windows, at most ${MAX_WINDOWS_PER_TIER} are allowed`;
  }
  const seen = new Set<number>();
  for (const [i, w] of value.entries()) {
    const at = `tier "${tier}" window ${i}`;
    if (typeof w !== 'object' || w === null || Array.isArray(w)) return `${at} must be an object`;
    const extra = Object.keys(w).filter((k) => k !== 'limit' && k !== 'windowSeconds');
    if (extra.length) return `${at} has unknown field(s) ${extra.map((k) => `"${k}"`).join(', ')}`;
    const { limit, windowSeconds } = w as Record<string, unknown>;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_LIMIT) {
      return `${at}: "limit" must be a whole number from 1 to ${MAX_LIMIT} (got ${JSON.stringify(limit)})`;
    }
    if (
      !Number.isInteger(windowSeconds) ||
      (windowSeconds as number) < 1 ||
      (windowSeconds as number) > MAX_WINDOW_SECONDS
    ) {
      return `${at}: "windowSeconds" must be a whole number from 1 to ${MAX_WINDOW_SECONDS} (got ${JSON.stringify(windowSeconds)})`;
    }
    if (seen.has(windowSeconds as number)) return `${at} repeats windowSeconds ${windowSeconds}`;
    seen.add(windowSeconds as number);
  }
  return undefined;
}

/** Throws a plain Error naming the first invalid tier of a policy built in code. */
export function assertValidPolicy(policy: Policy): void {
  const tiers = Object.entries(policy);
  if (tiers.length === 0) throw new Error('rate-limit policy has no tiers');
  for (const [tier, windows] of tiers) {
    const problem = tierProblem(tier, windows);
    if (problem) throw new Error(`invalid rate-limit policy: ${problem}`);
  }
}

/**
 * The default policy with ORBIT_RATE_LIMITS (already parsed as a JSON object) laid over it: a tier named in the
 * override replaces that tier's windows entirely; new tiers are added. Throws a ConfigError naming what is wrong.
 */
export function parsePolicy(override?: Record<string, unknown>): Policy {
  const merged: Record<string, readonly RateWindow[]> = { ...defaultPolicy };
  for (const [tier, value] of Object.entries(override ?? {})) {
    const problem = tierProblem(tier, value);
    if (problem) throw new ConfigError('ORBIT_RATE_LIMITS', problem, EXAMPLE);
    merged[tier] = (value as RateWindow[]).map(({ limit, windowSeconds }) => ({ limit, windowSeconds }));
  }
  return merged;
}
