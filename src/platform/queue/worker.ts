import type PgBoss from 'pg-boss';
import { queueMetrics } from './metrics.ts';
import type { Job } from './types.ts';

/** The part of a fetched pg-boss row the worker reads (fetched with `includeMetadata`). */
interface FetchedJob {
  id: string;
  name: string;
  data: unknown;
  retryCount?: number;
  /** `EXTRACT(epoch FROM expire_in)`: a numeric, which both drivers return as a string. */
  expireInSeconds: number | string;
}

export interface QueueWorkerOptions {
  boss: PgBoss;
  queue: string;
  concurrency: number;
  pollIntervalMs: number;
  handler: (job: Job<unknown>) => Promise<void>;
  onError: (error: Error) => void;
}

interface InFlight {
  job: FetchedJob;
  controller: AbortController;
  settled: Promise<void>;
  /** Set when stop() gave up on it: its late result must not touch the database any more. */
  abandoned: boolean;
}

/**
 * One `work()` registration: a fetch loop of our own rather than pg-boss's `work()`. pg-boss 10 hands a worker one
 * batch, completes or fails it as a whole and then sleeps out the rest of its polling interval even when more jobs
 * wait (one batch per 0.5 s at best). Here each job completes or fails on its own, a freed slot is refilled at
 * once, and `wake()` (a send from this process or a NOTIFY from another) ends an idle sleep early.
 */
export class QueueWorker {
  private readonly inFlight = new Set<InFlight>();
  private stopping = false;
  private woken = false;
  private sleepTimer: NodeJS.Timeout | undefined;
  private sleepResolve: (() => void) | undefined;
  private slotFreed: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: QueueWorkerOptions) {}

  start(): void {
    this.loop = this.run();
  }

  /** Looks for jobs now instead of at the end of the idle sleep. */
  wake(): void {
    this.woken = true;
    this.endSleep();
  }

  /** Stops fetching, waits up to timeoutMs for running handlers, then aborts and fails those still running. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.endSleep();
    this.slotFreed?.();
    await this.loop;
    if (this.inFlight.size > 0)
      await settledWithin(
        [...this.inFlight].map((f) => f.settled),
        timeoutMs,
      );
    const unfinished = [...this.inFlight];
    for (const flight of unfinished) {
      flight.abandoned = true;
      flight.controller.abort(new Error('the job queue stopped before this job finished'));
    }
    // Failed now, so each is retried (after a restart, or by another process) rather than waiting for its expiry.
    const reason = { message: `the job queue stopped after ${timeoutMs} ms while the handler was still running` };
    await Promise.all(
      unfinished.map((f) =>
        this.options.boss
          .fail(this.options.queue, f.job.id, reason)
          .catch((err: unknown) => this.options.onError(asError(err))),
      ),
    );
  }

  private async run(): Promise<void> {
    const { boss, queue, concurrency, pollIntervalMs } = this.options;
    while (!this.stopping) {
      const free = concurrency - this.inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        this.slotFreed = undefined;
        continue;
      }
      this.woken = false;
      let jobs: FetchedJob[] = [];
      try {
        // pg-boss's fetch swallows query errors and returns [] (it expects only unique-key races there).
        jobs = (await boss.fetch(queue, { batchSize: free, includeMetadata: true })) as unknown as FetchedJob[];
      } catch (err) {
        this.options.onError(asError(err));
      }
      // Started even when stop() began meanwhile: they are ours now, and stop() waits for them like any other.
      for (const job of jobs) this.begin(job);
      // Fewer jobs than free slots: the queue is drained for now, so sleep unless something was announced meanwhile.
      if (jobs.length < free && !this.woken) await this.sleep(pollIntervalMs);
    }
  }

  private begin(job: FetchedJob): void {
    const flight: InFlight = { job, controller: new AbortController(), settled: Promise.resolve(), abandoned: false };
    flight.settled = this.execute(flight).finally(() => {
      this.inFlight.delete(flight);
      this.slotFreed?.();
    });
    this.inFlight.add(flight);
  }

  private async execute(flight: InFlight): Promise<void> {
    const { boss, queue, handler } = this.options;
    const { job, controller } = flight;
    const expireMs = Math.max(1, Number(job.expireInSeconds) || 900) * 1000;
    const endTimer = queueMetrics.duration.startTimer({ queue });
    let failure: Error | undefined;
    // A handler that throws before returning a promise fails its job like one that rejects.
    const running = Promise.resolve().then(() =>
      handler({
        id: job.id,
        name: job.name,
        data: job.data,
        retryCount: job.retryCount ?? 0,
        signal: controller.signal,
      }),
    );
    try {
      await withDeadline(running, expireMs, controller);
    } catch (err) {
      failure = asError(err);
    } finally {
      endTimer();
    }
    if (flight.abandoned) return;
    try {
      if (failure) {
        await boss.fail(queue, job.id, { message: failure.message, name: failure.name, stack: failure.stack });
        queueMetrics.processed.inc({ queue, outcome: 'failed' });
        // A retry without delay is due at once: look for it now rather than after the idle sleep.
        this.wake();
      } else {
        await boss.complete(queue, job.id);
        queueMetrics.processed.inc({ queue, outcome: 'completed' });
      }
    } catch (err) {
      this.options.onError(asError(err));
    }
    // Past its expiry the job is failed above, but its slot is only freed when the handler really returns.
    await running.catch(() => {});
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepResolve = resolve;
      this.sleepTimer = setTimeout(() => this.endSleep(), ms);
    });
  }

  private endSleep(): void {
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    const resolve = this.sleepResolve;
    this.sleepResolve = undefined;
    resolve?.();
  }
}

/**
 * Races the handler against the job's expiry. On expiry the job fails (and is retried per its limit) and the signal
 * is aborted; the slot stays taken until the handler really returns, so `concurrency` is never exceeded.
 */
async function withDeadline(work: Promise<void>, ms: number, controller: AbortController): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`handler ran longer than the job's expireInSeconds (${ms / 1000} s)`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function settledWithin(promises: Promise<void>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
