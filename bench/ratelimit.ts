/**
 * The rate-limit check alone, in memory and in Redis, against a Redis PING round trip measured in the same run
 * (the floor for anything that asks Redis).
 *
 *   npx tsx bench/ratelimit.ts                               # memory only
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/ratelimit.ts   # memory and Redis
 *
 * Latency: CHECKS sequential checks per round (one in flight), p50/p99 per round, median over ROUNDS rounds.
 * Throughput: the same number of checks with CONCURRENCY in flight. Prints a Markdown table.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import { createRateLimiter, defaultPolicy, type RateLimiter } from '../src/platform/ratelimit/index.ts';
import { median } from './stats.ts';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARMUP = 200;
const redisUrl = process.env.REDIS_URL;
const run = randomBytes(4).toString('hex');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

interface Scenario {
  name: string;
  /** The i-th check of a round: its tiers and identity. */
  check(round: number, i: number): { tiers: string[]; identity: string };
  /** Prepares a round (e.g. fills an identity up to its limit). */
  prepare?(limiter: RateLimiter, round: number): Promise<void>;
  expectAllowed: boolean;
}

// Identities rotate so every check of an "allowed" scenario is admitted under the default policy:
// 40 per identity stays under authenticated's 100/min, 10 per identity meets generation's 10/min.
const scenarios: Scenario[] = [
  {
    name: 'allowed: authenticated (2 windows)',
    check: (round, i) => ({
      tiers: ['authenticated'],
      identity: `bench-${run}-a-${round}-${i % Math.ceil(CHECKS / 40)}`,
    }),
    expectAllowed: true,
  },
  {
    name: 'allowed: authenticated + generation (4 windows)',
    check: (round, i) => ({
      tiers: ['authenticated', 'generation'],
      identity: `bench-${run}-g-${round}-${i % Math.ceil(CHECKS / 10)}`,
    }),
    expectAllowed: true,
  },
  {
    name: 'denied: anonymous at its limit',
    check: (round) => ({ tiers: ['anonymous'], identity: `bench-${run}-d-${round}` }),
    async prepare(limiter, round) {
      for (let i = 0; i < 20; i++) await limiter.check(['anonymous'], `bench-${run}-d-${round}`);
    },
    expectAllowed: false,
  },
];

async function latencyRound(limiter: RateLimiter, s: Scenario, round: number): Promise<{ p50: number; p99: number }> {
  await s.prepare?.(limiter, round);
  const times: number[] = [];
  for (let i = 0; i < CHECKS; i++) {
    const { tiers, identity } = s.check(round, i);
    const t = performance.now();
    const d = await limiter.check(tiers, identity);
    times.push(performance.now() - t);
    if (d.allowed !== s.expectAllowed) throw new Error(`${s.name}: check ${i} was ${d.allowed ? 'allowed' : 'denied'}`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function throughputRound(limiter: RateLimiter, s: Scenario, round: number): Promise<number> {
  await s.prepare?.(limiter, round);
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CHECKS) {
        const { tiers, identity } = s.check(round, next++);
        await limiter.check(tiers, identity);
      }
    }),
  );
  return CHECKS / ((performance.now() - t) / 1000);
}

interface Row {
  backend: string;
  scenario: string;
  p50: number;
  p99: number;
  perSecond?: number;
}

async function measure(backend: 'memory' | 'redis', limiter: RateLimiter): Promise<Row[]> {
  const rows: Row[] = [];
  // Warm-up: JIT, the connection, and loading the script into Redis.
  for (let i = 0; i < WARMUP; i++) await limiter.check(['authenticated'], `bench-${run}-warm-${i % 10}`);
  for (const [k, s] of scenarios.entries()) {
    const p50s: number[] = [];
    const p99s: number[] = [];
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const lat = await latencyRound(limiter, s, r * 2);
      p50s.push(lat.p50);
      p99s.push(lat.p99);
      rates.push(await throughputRound(limiter, s, r * 2 + 1));
    }
    if (limiter.status().backend !== backend) throw new Error(`the ${backend} limiter fell back during scenario ${k}`);
    rows.push({ backend, scenario: s.name, p50: median(p50s), p99: median(p99s), perSecond: median(rates) });
  }
  return rows;
}

async function pingBaseline(url: string): Promise<Row> {
  const redis = new Redis(url);
  for (let i = 0; i < WARMUP; i++) await redis.ping();
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const times: number[] = [];
    for (let i = 0; i < CHECKS; i++) {
      const t = performance.now();
      await redis.ping();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    p50s.push(percentile(times, 50));
    p99s.push(percentile(times, 99));
  }
  redis.disconnect();
  return {
    backend: 'redis',
    scenario: 'baseline: PING round trip (not a check)',
    p50: median(p50s),
    p99: median(p99s),
  };
}

/** Removes this run's keys (they would expire within the hour anyway). */
async function cleanUp(url: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `orbit:rl:{bench-${run}-*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

const rows: Row[] = [];
const memory = createRateLimiter({ policy: defaultPolicy });
rows.push(...(await measure('memory', memory)));
await memory.close();
if (redisUrl) {
  const redis = createRateLimiter({ policy: defaultPolicy, redisUrl });
  await redis.check(['authenticated'], `bench-${run}-connect`);
  if (redis.status().backend !== 'redis')
    throw new Error(`Redis at REDIS_URL is not usable: ${redis.status().lastError}`);
  rows.push(await pingBaseline(redisUrl));
  rows.push(...(await measure('redis', redis)));
  await redis.close();
  await cleanUp(redisUrl);
} else {
  console.error('REDIS_URL is not set: measuring the memory backend only.');
}

const ms = (x: number) => x.toFixed(3);
console.log(
  `Rate-limit check, ${CHECKS} checks per round, median of ${ROUNDS} rounds; Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}${redisUrl ? ', Redis on loopback' : ''}.\n`,
);
console.log(`| backend | scenario | p50 per check (ms) | p99 per check (ms) | checks/s (${CONCURRENCY} in flight) |`);
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.backend} | ${r.scenario} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.perSecond === undefined ? '–' : Math.round(r.perSecond).toLocaleString('en-US')} |`,
  );
}
