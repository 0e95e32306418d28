import { Redis } from 'ioredis';
import type { StoreOutcome, WindowSpec } from './windows.ts';

/**
 * One atomic check over every window of a request, on Redis's clock (so API nodes with skewed clocks agree).
 * KEYS: one sorted set per window. ARGV[1]: a unique member; then limit and window length (µs) per key.
 * Numbers go back to Redis through string.format: Lua's default number-to-string keeps only 14 digits, too few
 * for microsecond timestamps. Returns {allowed, count1, resetMicros1, count2, resetMicros2, ...}.
 */
export const SLIDING_WINDOW_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local counts = {}
local allowed = 1
for i = 1, #KEYS do
  local limit = tonumber(ARGV[i * 2])
  local window = tonumber(ARGV[i * 2 + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%.0f', now - window))
  counts[i] = redis.call('ZCARD', KEYS[i])
  if counts[i] >= limit then allowed = 0 end
end
local out = { allowed }
for i = 1, #KEYS do
  local limit = tonumber(ARGV[i * 2])
  local window = tonumber(ARGV[i * 2 + 1])
  local index = 0
  if allowed == 1 then
    redis.call('ZADD', KEYS[i], string.format('%.0f', now), ARGV[1])
    redis.call('PEXPIRE', KEYS[i], string.format('%.0f', math.ceil(window / 1000)))
    counts[i] = counts[i] + 1
  elseif counts[i] >= limit then
    index = counts[i] - limit
  end
  local reset = 0
  local entry = redis.call('ZRANGE', KEYS[i], index, index, 'WITHSCORES')
  if entry[2] then reset = tonumber(entry[2]) + window - now end
  out[#out + 1] = counts[i]
  out[#out + 1] = reset
end
return out
`;

type ScriptedRedis = Redis & {
  orbitSlidingWindow(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
};

export interface RedisStoreEvents {
  /** Redis answered again (or for the first time). */
  onUp(): void;
  /** Redis stopped answering; `reason` says why. */
  onDown(reason: string): void;
}

export interface RedisStoreOptions {
  url: string;
  /** A command slower than this counts as a failure, so a hung Redis cannot stall requests. */
  commandTimeoutMs: number;
  /** How often a Redis marked down is pinged to see whether it answers again. */
  probeIntervalMs: number;
  events: RedisStoreEvents;
}

/**
 * The Redis side of the limiter and its health. Commands fail fast instead of queueing while disconnected (a
 * queued check replayed later would count a request twice); ioredis keeps reconnecting, and a probe notices when a
 * Redis that hung answers again.
 */
export class RedisWindowStore {
  private readonly client: ScriptedRedis;
  private up = false;
  private closing = false;
  private reason = 'connecting';
  private readonly probe: NodeJS.Timeout;
  private readonly startupTimer: NodeJS.Timeout;
  /** Settles when Redis first answers or first fails, or after the command timeout: checks wait for it once. */
  readonly startup: Promise<void>;
  private settleStartup: () => void = () => {};
  private startupSettled = false;

  constructor(private readonly options: RedisStoreOptions) {
    this.startup = new Promise((resolve) => {
      this.settleStartup = () => {
        this.startupSettled = true;
        resolve();
      };
    });
    this.startupTimer = setTimeout(() => {
      if (this.reason === 'connecting') this.reason = `Redis did not answer within ${options.commandTimeoutMs} ms`;
      this.settleStartup();
    }, options.commandTimeoutMs);
    this.startupTimer.unref();
    this.client = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: Math.max(1000, options.commandTimeoutMs),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    }) as ScriptedRedis;
    this.client.defineCommand('orbitSlidingWindow', { lua: SLIDING_WINDOW_SCRIPT });
    this.client.on('ready', () => this.markUp());
    this.client.on('error', (err: Error) => this.markDown(err.message, true));
    this.client.on('close', () => this.markDown('connection to Redis closed', false));
    this.probe = setInterval(() => void this.probeOnce(), options.probeIntervalMs);
    this.probe.unref();
  }

  get healthy(): boolean {
    return this.up;
  }

  /** Why Redis is not in use (undefined while it is). */
  get lastError(): string | undefined {
    return this.up ? undefined : this.reason;
  }

  get startingUp(): boolean {
    return !this.startupSettled;
  }

  /** Runs the script; on any failure marks Redis down and rethrows, so the caller answers from memory. */
  async check(specs: readonly WindowSpec[], member: string): Promise<StoreOutcome> {
    const args: (string | number)[] = [member];
    for (const s of specs) args.push(s.limit, s.windowMicros);
    let raw: number[];
    try {
      raw = await this.client.orbitSlidingWindow(specs.length, ...specs.map((s) => s.key), ...args);
    } catch (err) {
      this.markDown((err as Error).message, true);
      throw err;
    }
    const windows = specs.map((_, i) => ({ count: Number(raw[1 + 2 * i]), resetMicros: Number(raw[2 + 2 * i]) }));
    return { allowed: raw[0] === 1, windows };
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.probe);
    clearTimeout(this.startupTimer);
    this.settleStartup();
    this.client.disconnect();
  }

  private async probeOnce(): Promise<void> {
    if (this.up || this.closing || this.client.status !== 'ready') return;
    try {
      await this.client.ping();
      this.markUp();
    } catch (err) {
      this.reason = (err as Error).message;
    }
  }

  private markUp(): void {
    this.settleStartup();
    if (this.up || this.closing) return;
    this.up = true;
    this.options.events.onUp();
  }

  /** `specific`: an error message, which says more than a bare "closed" and so replaces it. */
  private markDown(reason: string, specific: boolean): void {
    if (this.closing) return;
    this.settleStartup();
    if (!this.up) {
      if (specific || this.reason === 'connecting') this.reason = reason;
      return;
    }
    this.up = false;
    this.reason = reason;
    this.options.events.onDown(reason);
  }
}
