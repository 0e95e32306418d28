import cronParser from 'cron-parser';
import PgBoss from 'pg-boss';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { pgBossDb } from './sql-adapter.ts';
import type { Job, JobQueue, JobQueueOptions, SendOptions, WorkOptions } from './types.ts';
import { asError, QueueWorker } from './worker.ts';

/** Polling floor of our own fetch loop; pg-boss's own `work()` refuses anything under 0.5 s. */
const MIN_POLL_SECONDS = 0.1;
const DEFAULT_POLL_SECONDS = 0.5;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** An interval string pg-boss passes through to `now() + $5::interval`. */
const IMMEDIATELY = '-1 millisecond';
const QUEUE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,49}$/;

type State = 'new' | 'starting' | 'started' | 'stopped';

/**
 * `JobQueue` on pg-boss 10 (the last major that runs on Node 20), through our `Database` handle so the same code
 * serves PostgreSQL and PGlite. See docs/decisions/0002-job-queue.md for what was measured.
 */
export function createJobQueue(database: Database, options: JobQueueOptions = {}): JobQueue {
  return new PgBossJobQueue(database, options);
}

class PgBossJobQueue implements JobQueue {
  private readonly boss: PgBoss;
  private readonly schema: string;
  private readonly defaultPollSeconds: number;
  private readonly onError: (error: Error) => void;
  private readonly workers = new Map<string, Set<QueueWorker>>();
  private readonly knownQueues = new Map<string, Promise<void>>();
  private readonly notifyChannel: string;
  private unlisten: (() => Promise<void>) | undefined;
  private state: State = 'new';

  constructor(
    private readonly database: Database,
    options: JobQueueOptions,
  ) {
    this.schema = options.schema ?? 'pgboss';
    if (!SCHEMA_NAME.test(this.schema)) {
      throw invalid('/schema', `schema "${this.schema}" must be 1-50 lower-case letters, digits or underscores`);
    }
    this.defaultPollSeconds = checkPoll('/pollIntervalSeconds', options.pollIntervalSeconds ?? DEFAULT_POLL_SECONDS);
    this.onError = options.onError ?? ((error) => console.error(`[job queue] ${error.message}`));
    this.notifyChannel = `${this.schema}_job_sent`;
    this.boss = new PgBoss({
      db: pgBossDb(this.database),
      schema: this.schema,
      cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds ?? 30,
      cronWorkerIntervalSeconds: options.cronWorkerIntervalSeconds ?? 5,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 120,
    });
    // pg-boss emits its background failures (maintenance, cron) as 'error'; unheard, they would crash the process.
    this.boss.on('error', (err: unknown) => this.onError(asError(err)));
  }

  async start(): Promise<void> {
    if (this.state === 'started') return;
    if (this.state !== 'new') throw new Error(`JobQueue cannot start: it is ${this.state} (create a new one)`);
    this.state = 'starting';
    await this.boss.start();
    await this.ensureSingletonIndex();
    if (this.database.kind === 'postgres') {
      // Other processes announce sends with NOTIFY; PGlite has one process, where send() wakes workers directly.
      this.unlisten = await this.database.listen(this.notifyChannel, (queue) => this.wakeLocal(queue));
    }
    this.state = 'started';
  }

  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'stopped' || this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const all = [...this.workers.values()].flatMap((set) => [...set]);
    this.workers.clear();
    await Promise.all(all.map((w) => w.stop(timeoutMs)));
    await this.unlisten?.();
    this.unlisten = undefined;
    await this.boss.stop({ graceful: true, wait: true, close: false });
  }

  async send<T extends object>(queue: string, data: T, options: SendOptions = {}): Promise<string | null> {
    this.requireStarted('send');
    checkQueueName(queue);
    if (data === null || typeof data !== 'object') throw invalid('/data', 'job data must be an object');
    const sendOptions = toPgBossSendOptions(options);
    await this.ensureQueue(queue);
    const id = await this.boss.send(queue, data, sendOptions);
    if (id && !(options.startAfterSeconds && options.startAfterSeconds > 0)) {
      this.wakeLocal(queue);
      if (this.database.kind === 'postgres') {
        await this.database.query('SELECT pg_notify($1, $2)', [this.notifyChannel, queue]);
      }
    }
    return id;
  }

  async work<T extends object>(
    queue: string,
    options: WorkOptions,
    handler: (job: Job<T>) => Promise<void>,
  ): Promise<void> {
    this.requireStarted('work');
    checkQueueName(queue);
    if (!Number.isInteger(options?.concurrency) || options.concurrency < 1) {
      throw invalid('/concurrency', `concurrency must be a whole number of at least 1, got ${options?.concurrency}`);
    }
    if (typeof handler !== 'function') throw invalid('/handler', 'handler must be a function');
    const pollSeconds = checkPoll('/pollIntervalSeconds', options.pollIntervalSeconds ?? this.defaultPollSeconds);
    await this.ensureQueue(queue);
    const worker = new QueueWorker({
      boss: this.boss,
      queue,
      concurrency: options.concurrency,
      pollIntervalMs: pollSeconds * 1000,
      handler: handler as (job: Job<unknown>) => Promise<void>,
      onError: this.onError,
    });
    let set = this.workers.get(queue);
    if (!set) {
      set = new Set();
      this.workers.set(queue, set);
    }
    set.add(worker);
    worker.start();
  }

  async schedule(name: string, cron: string, data: object = {}, options: { tz?: string } = {}): Promise<void> {
    this.requireStarted('schedule');
    checkQueueName(name);
    const tz = options.tz ?? 'UTC';
    checkTimeZone(tz);
    try {
      // prev() as well: pg-boss's timekeeper calls it, and one schedule that throws there stops every schedule.
      cronParser.parseExpression(cron, { tz }).prev();
    } catch (err) {
      throw invalid('/cron', `"${cron}" is not a valid cron expression: ${asError(err).message}`);
    }
    await this.ensureQueue(name);
    await this.boss.schedule(name, cron, data, { tz });
  }

  async unschedule(name: string): Promise<void> {
    this.requireStarted('unschedule');
    checkQueueName(name);
    await this.boss.unschedule(name);
  }

  async depth(queue: string): Promise<number> {
    this.requireStarted('depth');
    checkQueueName(queue);
    return this.boss.getQueueSize(queue);
  }

  private wakeLocal(queue: string): void {
    for (const worker of this.workers.get(queue) ?? []) worker.wake();
  }

  private requireStarted(operation: string): void {
    if (this.state !== 'started') {
      throw new Error(`JobQueue.${operation}() needs a started queue (it is ${this.state}): call start() first`);
    }
  }

  /**
   * pg-boss 10 needs a queue (its own table partition) before jobs or schedules can refer to it. Its
   * `create_queue()` run twice at once for one name deadlocks on PostgreSQL (measured: two workers starting
   * together), so creation is serialised: in this process by sharing the promise, across processes by an advisory
   * lock held for the implicit transaction of one multi-statement script. The name is safe to inline: it passed
   * QUEUE_NAME, which admits no quote.
   */
  private ensureQueue(queue: string): Promise<void> {
    let creating = this.knownQueues.get(queue);
    if (!creating) {
      const s = this.schema;
      creating = this.database.exec(
        `SELECT pg_advisory_xact_lock(hashtext('${s}.orbit_create_queue'));
         SELECT ${s}.create_queue('${queue}', '{"policy":"standard"}'::json);`,
      );
      this.knownQueues.set(queue, creating);
      creating.catch(() => this.knownQueues.delete(queue));
    }
    return creating;
  }

  /**
   * pg-boss 10 deduplicates singletonKey only inside a throttling window or for special queue policies whose other
   * rules do not fit ours. This partial unique index gives "one unfinished job per key and queue" on every queue:
   * the insert's ON CONFLICT DO NOTHING then makes send() return null. It lives on the partitioned job table, so
   * every queue partition, present and future, gets it.
   */
  private async ensureSingletonIndex(): Promise<void> {
    const s = this.schema;
    await this.database.exec(
      `SELECT pg_advisory_xact_lock(hashtext('${s}.orbit_singleton'));
       CREATE UNIQUE INDEX IF NOT EXISTS orbit_singleton_key ON ${s}.job (name, singleton_key)
         WHERE singleton_key IS NOT NULL AND state < 'completed';`,
    );
  }
}

function toPgBossSendOptions(options: SendOptions): PgBoss.SendOptions {
  const out: PgBoss.SendOptions = {};
  const { startAfterSeconds, singletonKey, retryLimit, retryDelaySeconds, retryBackoff, expireInSeconds } = options;
  if (startAfterSeconds !== undefined) {
    if (!Number.isFinite(startAfterSeconds) || startAfterSeconds < 0) {
      throw invalid('/startAfterSeconds', `startAfterSeconds must be a number >= 0, got ${startAfterSeconds}`);
    }
    // A number becomes `now() + 'N'::interval` in the database: the database clock decides, fractions kept.
    if (startAfterSeconds > 0) out.startAfter = startAfterSeconds;
  }
  // pg-boss fetches `start_after < now()`, and PGlite's clock ticks in whole milliseconds: a job sent and fetched in
  // the same tick was invisible until the next poll (measured: 1 in 20 sends waited 500 ms). Due a tick earlier.
  out.startAfter ??= IMMEDIATELY;
  if (singletonKey !== undefined) {
    if (typeof singletonKey !== 'string' || singletonKey.length === 0) {
      throw invalid('/singletonKey', 'singletonKey must be a non-empty string');
    }
    out.singletonKey = singletonKey;
  }
  if (retryLimit !== undefined) {
    if (!Number.isInteger(retryLimit) || retryLimit < 0) {
      throw invalid('/retryLimit', `retryLimit must be a whole number >= 0, got ${retryLimit}`);
    }
    out.retryLimit = retryLimit;
  }
  if (retryDelaySeconds !== undefined) {
    if (!Number.isInteger(retryDelaySeconds) || retryDelaySeconds < 0) {
      throw invalid('/retryDelaySeconds', `retryDelaySeconds must be a whole number >= 0, got ${retryDelaySeconds}`);
    }
    out.retryDelay = retryDelaySeconds;
  }
  if (retryBackoff !== undefined) {
    if (typeof retryBackoff !== 'boolean') throw invalid('/retryBackoff', 'retryBackoff must be true or false');
    out.retryBackoff = retryBackoff;
  }
  if (expireInSeconds !== undefined) {
    if (!Number.isInteger(expireInSeconds) || expireInSeconds < 1 || expireInSeconds >= 24 * 3600) {
      throw invalid(
        '/expireInSeconds',
        `expireInSeconds must be a whole number from 1 to 86399 (pg-boss caps expiry below 24 h), got ${expireInSeconds}`,
      );
    }
    out.expireInSeconds = expireInSeconds;
  }
  return out;
}

function checkQueueName(name: string): void {
  if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
    throw invalid(
      '/queue',
      `queue name ${JSON.stringify(name)} must be 1-100 letters, digits, "_", "-" or ".", not starting with "-" or "."`,
    );
  }
}

function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw invalid('/tz', `"${tz}" is not an IANA time zone (for example "UTC" or "Europe/Berlin")`);
  }
}

function checkPoll(pointer: string, seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < MIN_POLL_SECONDS) {
    throw invalid(pointer, `pollIntervalSeconds must be a number >= ${MIN_POLL_SECONDS}, got ${seconds}`);
  }
  return seconds;
}

function invalid(pointer: string, message: string): ValidationError {
  return new ValidationError(message, [{ pointer, message }]);
}
