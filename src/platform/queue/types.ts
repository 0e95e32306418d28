export interface Job<T> {
  id: string;
  name: string;
  data: T;
  /** How many times this job ran before this attempt (0 on the first attempt). */
  retryCount?: number;
  /**
   * Aborted when the job outlives its expiry (`expireInSeconds`) or the queue stops before the handler returned.
   * Long handlers should pass it on to whatever they wait for.
   */
  signal?: AbortSignal;
}

export interface SendOptions {
  startAfterSeconds?: number;
  /** At most one unfinished (waiting, retrying or active) job per key and queue; a second send returns null. */
  singletonKey?: string;
  /** Retries after the first attempt (pg-boss default 2, so 3 attempts in all). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** How long one attempt may run before it counts as failed (default 15 minutes). */
  expireInSeconds?: number;
}

export interface WorkOptions {
  /** Most jobs this worker's handler runs at once. */
  concurrency: number;
  /** How often an idle worker looks for jobs that were not announced to it (delayed, retried, sent elsewhere). */
  pollIntervalSeconds?: number;
}

export interface JobQueue {
  start(): Promise<void>;
  /** Stops fetching; waits for in-flight handlers up to timeoutMs, then returns. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Creates the queue on first use. Returns the job id, or null when a singletonKey job already exists. */
  send<T extends object>(queue: string, data: T, options?: SendOptions): Promise<string | null>;
  work<T extends object>(queue: string, options: WorkOptions, handler: (job: Job<T>) => Promise<void>): Promise<void>;
  /** Cron-style recurring job that sends `data` to queue `name`. */
  schedule(name: string, cron: string, data?: object, options?: { tz?: string }): Promise<void>;
  unschedule(name: string): Promise<void>;
  /** Jobs waiting (created + retry) in a queue. */
  depth(queue: string): Promise<number>;
}

export interface JobQueueOptions {
  /** PostgreSQL schema that holds pg-boss's tables (default `pgboss`). */
  schema?: string;
  /** Default for `work()` when its options give none (default 0.5 s). */
  pollIntervalSeconds?: number;
  /** How often one instance checks the schedules (pg-boss: 1..45, default 30). */
  cronMonitorIntervalSeconds?: number;
  /** How often scheduled sends are turned into jobs (pg-boss: 1..45, default 5). */
  cronWorkerIntervalSeconds?: number;
  /** Expiry of timed-out active jobs, archiving of finished ones (default 120 s). */
  maintenanceIntervalSeconds?: number;
  /** Infrastructure errors (a failed fetch, a lost connection); not handler failures, which fail their job. */
  onError?: (error: Error) => void;
}
