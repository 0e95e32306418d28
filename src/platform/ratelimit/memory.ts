import type { StoreOutcome, WindowSpec } from './windows.ts';

interface Log {
  windowMicros: number;
  /** Admission times in microseconds, oldest first. */
  stamps: number[];
}

/** Microseconds on a monotonic clock: immune to wall-clock jumps, and only compared within this process. */
export function monotonicMicros(): number {
  return Math.floor(performance.now() * 1000);
}

/**
 * The same exact sliding-window log as the Redis script, in one process's memory. Idle logs are dropped by
 * `sweep()`, so memory holds only identities seen within their longest window.
 */
export class MemoryWindowStore {
  private readonly logs = new Map<string, Log>();

  constructor(private readonly clock: () => number = monotonicMicros) {}

  /** Number of windows currently held (for tests and sizing). */
  get size(): number {
    return this.logs.size;
  }

  /** Admits the request into every window if it fits in all of them; a denied request is not recorded. */
  check(specs: readonly WindowSpec[]): StoreOutcome {
    const now = this.clock();
    const logs = specs.map((s) => this.prunedLog(s, now));
    const allowed = specs.every((s, i) => logs[i]!.stamps.length < s.limit);
    const windows = specs.map((s, i) => {
      const stamps = logs[i]!.stamps;
      let index = 0;
      if (allowed) stamps.push(now);
      else if (stamps.length >= s.limit) index = stamps.length - s.limit;
      const at = stamps[index];
      return { count: stamps.length, resetMicros: at === undefined ? 0 : at + s.windowMicros - now };
    });
    for (const [i, s] of specs.entries()) if (logs[i]!.stamps.length === 0) this.logs.delete(s.key);
    return { allowed, windows };
  }

  /**
   * Records a request another store admitted, so that if that store fails this process already knows its
   * callers' recent traffic and keeps limiting them instead of starting from zero.
   */
  record(specs: readonly WindowSpec[]): void {
    const now = this.clock();
    for (const s of specs) this.prunedLog(s, now).stamps.push(now);
  }

  /** Drops every log whose newest entry has left its window. Returns how many were dropped. */
  sweep(): number {
    const now = this.clock();
    let dropped = 0;
    for (const [key, log] of this.logs) {
      const newest = log.stamps[log.stamps.length - 1];
      if (newest === undefined || newest <= now - log.windowMicros) {
        this.logs.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  private prunedLog(spec: WindowSpec, now: number): Log {
    let log = this.logs.get(spec.key);
    if (!log) {
      log = { windowMicros: spec.windowMicros, stamps: [] };
      this.logs.set(spec.key, log);
      return log;
    }
    // Same boundary as the Redis script: an entry exactly one window old has left it.
    const edge = now - spec.windowMicros;
    let expired = 0;
    while (expired < log.stamps.length && log.stamps[expired]! <= edge) expired++;
    if (expired > 0) log.stamps.splice(0, expired);
    return log;
  }
}
