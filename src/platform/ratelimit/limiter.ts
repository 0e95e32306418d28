import { randomBytes } from 'node:crypto';
import { MemoryWindowStore } from './memory.ts';
import { decisionsTotal, fallbacksTotal, showBackend } from './metrics.ts';
import { assertValidPolicy, type Policy } from './policy.ts';
import { RedisWindowStore } from './redis.ts';
import { type Backend, type Decision, decide, type StoreOutcome, windowsFor } from './windows.ts';

export interface RateLimiterStatus {
  backend: Backend;
  redisConfigured: boolean;
  redisHealthy: boolean;
  /** Why Redis is not in use, while it is configured but down. */
  lastError?: string;
}

export interface RateLimiter {
  readonly policy: Policy;
  /** Counts one request of `identity` against every window of every tier; a denied request consumes nothing. */
  check(tiers: readonly string[], identity: string): Promise<Decision>;
  status(): RateLimiterStatus;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** Unset: counters live in this process only. */
  redisUrl?: string | undefined;
  policy: Policy;
  /** A pino logger fits. */
  logger?: LimiterLogger | undefined;
  /** A Redis command slower than this is a failure answered from memory. Default 250 ms. */
  commandTimeoutMs?: number;
  /** How often a Redis marked down is pinged. Default 1 s. */
  probeIntervalMs?: number;
  /** How often idle in-memory windows are dropped. Default 60 s. */
  sweepIntervalMs?: number;
}

/** The two log calls the limiter makes: one when Redis fails, one when it returns. */
export interface LimiterLogger {
  info(msg: string): void;
  warn(obj: object, msg: string): void;
}

const silent: LimiterLogger = { info: () => {}, warn: () => {} };

/**
 * Exact sliding-window limits: in Redis when configured (shared by every API node), else in memory. When Redis
 * fails, that very check and all later ones are answered from memory (never an error, never unlimited) until Redis
 * answers again.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  assertValidPolicy(options.policy);
  const policy = options.policy;
  const logger = options.logger ?? silent;
  const memory = new MemoryWindowStore();
  const sweep = setInterval(() => memory.sweep(), options.sweepIntervalMs ?? 60_000);
  sweep.unref();
  // Sorted-set members must be unique across API nodes; a random node prefix and a counter make them so.
  const node = randomBytes(6).toString('base64url');
  let sequence = 0;
  let everUp = false;

  const redis = options.redisUrl
    ? new RedisWindowStore({
        url: options.redisUrl,
        commandTimeoutMs: options.commandTimeoutMs ?? 250,
        probeIntervalMs: options.probeIntervalMs ?? 1000,
        events: {
          onUp() {
            showBackend('redis');
            if (everUp) logger.info('Redis answers again: rate limits are counted in Redis once more');
            everUp = true;
          },
          onDown(reason) {
            showBackend('memory');
            fallbacksTotal.inc();
            logger.warn(
              { reason },
              'Redis failed: rate limits are counted in this process’s memory until it answers again',
            );
          },
        },
      })
    : undefined;
  showBackend('memory');

  return {
    policy,
    async check(tiers, identity) {
      const specs = windowsFor(policy, tiers, identity);
      let outcome: StoreOutcome | undefined;
      let backend: Backend = 'memory';
      if (redis) {
        if (!redis.healthy && redis.startingUp) await redis.startup;
        if (redis.healthy) {
          try {
            outcome = await redis.check(specs, `${node}:${sequence++}`);
            backend = 'redis';
            if (outcome.allowed) memory.record(specs);
          } catch {
            outcome = undefined; // already marked down and logged by the store
          }
        }
      }
      outcome ??= memory.check(specs);
      const decision = decide(specs, outcome, backend);
      decisionsTotal.inc({ tier: decision.tier, outcome: decision.allowed ? 'allowed' : 'denied' });
      return decision;
    },
    status() {
      if (!redis) return { backend: 'memory', redisConfigured: false, redisHealthy: false };
      const lastError = redis.lastError;
      return {
        backend: redis.healthy ? 'redis' : 'memory',
        redisConfigured: true,
        redisHealthy: redis.healthy,
        ...(lastError === undefined ? {} : { lastError }),
      };
    },
    async close() {
      clearInterval(sweep);
      await redis?.close();
    },
  };
}
