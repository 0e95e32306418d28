/** Tiered, exact sliding-window rate limits: Redis when configured, memory otherwise and as Redis's fallback. */
export {
  createRateLimiter,
  type LimiterLogger,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimiterStatus,
} from './limiter.ts';
export { MemoryWindowStore } from './memory.ts';
export { defaultPolicy, type Policy, parsePolicy, type RateWindow } from './policy.ts';
export type { Backend, Decision } from './windows.ts';
