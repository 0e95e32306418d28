import { ConflictError } from './errors.ts';
import type { Job, JobQueue } from './queue/index.ts';

export interface RegisterOptions<T extends object> {
  /** Sent with every occurrence (default `{}`). */
  data?: T;
  /** IANA time zone the cron expression is read in (default UTC). */
  tz?: string;
  /** Occurrences of this schedule run at once in this process (default 1). */
  concurrency?: number;
}

type Handler = (job: Job<object>) => Promise<void>;

/**
 * Recurring work (scheduled analyses, workspace cleanup) on the job queue: each schedule is a pg-boss cron that
 * sends one job per occurrence to the queue of the same name, and this process works that queue. With several
 * processes, each occurrence becomes one job, run by one of them. Missed occurrences: see docs/scheduling.md.
 */
export class Scheduler {
  private readonly scheduled = new Set<string>();
  private readonly handlers = new Map<string, Handler>();

  constructor(private readonly queue: JobQueue) {}

  /** Schedules `cron` under `name` and works its queue with `handler`. The queue must be started. */
  async register<T extends object>(
    name: string,
    cron: string,
    handler: (job: Job<T>) => Promise<void>,
    options: RegisterOptions<T> = {},
  ): Promise<void> {
    if (this.scheduled.has(name)) {
      throw new ConflictError(
        'schedule-exists',
        `A schedule named "${name}" is already registered; unregister it first.`,
      );
    }
    // Scheduling first: it validates name, cron and time zone before anything else is set up.
    await this.queue.schedule(name, cron, options.data ?? {}, options.tz ? { tz: options.tz } : {});
    const working = this.handlers.has(name);
    this.handlers.set(name, handler as Handler);
    this.scheduled.add(name);
    if (!working) {
      // The worker looks the handler up per job, so registering again after unregister() replaces it in place.
      await this.queue.work<object>(name, { concurrency: options.concurrency ?? 1 }, (job) => {
        const current = this.handlers.get(name);
        if (!current) throw new Error(`no handler for schedule "${name}"`);
        return current(job);
      });
    }
  }

  /** Stops future occurrences. Jobs of occurrences already sent still run with the last handler. */
  async unregister(name: string): Promise<void> {
    await this.queue.unschedule(name);
    this.scheduled.delete(name);
  }

  /** Names scheduled through this scheduler, in registration order. */
  names(): string[] {
    return [...this.scheduled];
  }
}
