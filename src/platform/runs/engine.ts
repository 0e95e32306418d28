import os from 'node:os';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { ConflictError, OrbitError, RetryableError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { JobQueue } from '../queue/index.ts';
import { ArtifactStore } from './artifacts.ts';
import { EventLog } from './events.ts';
import { AwaitingInput, answerIn, type InputAnswer, openRequest } from './input.ts';
import { runMetrics } from './metrics.ts';
import type { ExecutorContext, ExecutorRegistry } from './registry.ts';
import { isTerminal } from './states.ts';
import { RunStore } from './store.ts';
import type { Run, RunError } from './types.ts';

export const RUN_QUEUE = 'orbit-runs';
const CANCEL_CHANNEL = 'orbit_run_cancel';

export interface RunEngineOptions {
  database: Database;
  registry: ExecutorRegistry;
  /** Absent for in-process use (`runInline`) where nothing is queued. */
  queue?: JobQueue | undefined;
  artifactMaxBytes: number;
  defaultTimeoutMs: number;
  heartbeatMs: number;
  logger?: Logger | undefined;
  workerId?: string;
}

export interface SubmitInput {
  kind: string;
  input: unknown;
  owner: string;
  idempotencyKey?: string | undefined;
}

/** What a person sends to a run: an answer, an approval, or a note for a run that is working. */
export interface ProvidedInput {
  text?: string | undefined;
  approve?: boolean | undefined;
  by: string;
}

class CancelledByUser extends Error {
  constructor() {
    super('cancelled by request');
  }
}

/** The process is stopping (deploy, Ctrl+C): the run goes back to the queue for another worker. */
class WorkerShutdown extends Error {
  constructor() {
    super('the worker is shutting down');
  }
}

class TimeLimitExceeded extends Error {
  constructor(readonly limitMs: number) {
    super(`exceeded its time limit of ${Math.round(limitMs / 1000)} s`);
  }
}

/**
 * Runs executors for queued runs. Owns the parts of a run's life that are the same for every capability:
 * claiming, time limits, cancellation, retries with backoff, heartbeats, and recovering runs whose worker died.
 */
export class RunEngine {
  readonly store: RunStore;
  readonly events: EventLog;
  readonly artifacts: ArtifactStore;
  readonly workerId: string;
  private readonly active = new Map<string, AbortController>();
  private timers: NodeJS.Timeout[] = [];
  private unlistenCancel: (() => Promise<void>) | undefined;
  private working = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly options: RunEngineOptions) {
    this.store = new RunStore(options.database);
    this.events = new EventLog(options.database);
    this.artifacts = new ArtifactStore(options.database, options.artifactMaxBytes);
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${newId().slice(-6)}`;
  }

  get registry(): ExecutorRegistry {
    return this.options.registry;
  }

  /** Validates the input against the kind's schema (before anything is stored), stores the run and queues it. */
  async submit(input: SubmitInput): Promise<{ run: Run; created: boolean }> {
    const registry = this.options.registry;
    const normalized = registry.validateInput(input.kind, input.input);
    const def = registry.get(input.kind);
    const { run, created } = await this.store.create({
      kind: input.kind,
      input: normalized,
      owner: input.owner,
      idempotencyKey: input.idempotencyKey,
      maxAttempts: def.maxAttempts ?? 3,
    });
    if (created) {
      await this.events.append(run.id, 'run.queued', { kind: run.kind });
      runMetrics.submitted.inc({ kind: run.kind });
      await this.enqueue(run.id, 0);
    }
    return { run, created };
  }

  /**
   * Executes a run in this process without the queue (the CLI's `orbit analyze .`): same executor, same events,
   * same artifacts; resolves with the finished run.
   */
  async runInline(
    input: SubmitInput,
    onCreated?: (run: Run) => Promise<void> | void,
    onWaiting?: (run: Run) => Promise<void>,
  ): Promise<Run> {
    const registry = this.options.registry;
    const normalized = registry.validateInput(input.kind, input.input);
    const def = registry.get(input.kind);
    const { run } = await this.store.create({ ...input, input: normalized, maxAttempts: def.maxAttempts ?? 3 });
    await onCreated?.(run);
    await this.events.append(run.id, 'run.queued', { kind: run.kind });
    return this.continueInline(run.id, onWaiting);
  }

  /**
   * Executes a run in this process until it finishes; a `waiting` run is handed to `onWaiting` (which answers it,
   * e.g. by asking on the terminal) or, without one, returned as it is.
   */
  async continueInline(runId: string, onWaiting?: (run: Run) => Promise<void>): Promise<Run> {
    for (;;) {
      await this.execute(runId);
      let now = await this.store.get(runId);
      if (now.status === 'waiting' && onWaiting) {
        await onWaiting(now);
        now = await this.store.get(runId);
      }
      if (now.status !== 'queued') return now;
    }
  }

  /**
   * A person's input. A `waiting` run takes it as the answer to its open request and is queued again (the same
   * attempt continues). A queued or running run takes text as a note its executor reads at its next step.
   */
  async provideInput(id: string, input: ProvidedInput): Promise<{ run: Run; answered: string | null }> {
    const run = await this.store.get(id);
    if (isTerminal(run.status)) {
      throw new ConflictError('run-finished', `Run ${id} already finished (${run.status}); it takes no more input.`, {
        runStatus: run.status,
      });
    }
    const text = input.text?.trim() ? input.text : undefined;
    if (run.status !== 'waiting') {
      if (!text) {
        throw new ConflictError(
          'no-open-request',
          `Run ${id} is ${run.status} and asks nothing at the moment, so there is nothing to approve. Send "text" to leave it a note it reads at its next step.`,
          { runStatus: run.status },
        );
      }
      await this.events.append(id, 'input.received', { key: null, text, by: input.by });
      return { run, answered: null };
    }
    const request = openRequest(await this.events.list(id, 0, 100_000));
    if (!request) throw new ConflictError('no-open-request', `Run ${id} is waiting but has no open request.`);
    if (request.kind === 'question' && !text) {
      throw new OrbitError('input-invalid', 400, `Run ${id} asks a question: answer it with "text".`, {
        errors: [{ pointer: '/text', message: 'required to answer a question' }],
        request,
      });
    }
    if (request.kind === 'approval' && input.approve !== true && !text) {
      throw new OrbitError(
        'input-invalid',
        400,
        `Run ${id} waits for approval: send {"approve": true} to go ahead, "text" saying what to change, or cancel the run.`,
        { errors: [{ pointer: '/approve', message: 'must be true, or send text' }], request },
      );
    }
    // Only one answer wins the waiting → queued step; the answer is logged before the run can be claimed.
    const queued = await this.store.transition(id, 'queued', { workerId: null, attempt: Math.max(0, run.attempt - 1) });
    const answer: InputAnswer = {
      key: request.key,
      ...(text ? { text } : {}),
      ...(input.approve === true ? { approve: true } : {}),
      by: input.by,
    };
    await this.events.append(id, 'input.received', { ...answer });
    await this.enqueue(id, 0);
    return { run: queued, answered: request.key };
  }

  async cancel(id: string): Promise<Run> {
    const run = await this.store.get(id);
    if (isTerminal(run.status)) {
      throw new ConflictError(
        'run-finished',
        `Run ${id} already finished (${run.status}); there is nothing to cancel.`,
        { runStatus: run.status },
      );
    }
    if (run.status === 'running') {
      await this.store.requestCancel(id);
      await this.events.append(id, 'run.cancel_requested', {});
      const local = this.active.get(id);
      if (local) local.abort(new CancelledByUser());
      else await this.options.database.query('SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, id]);
      return this.store.get(id);
    }
    // queued or waiting: no executor holds it, so it ends here and now.
    const cancelled = await this.store.transition(id, 'cancelled', {
      error: { type: 'cancelled', message: 'Cancelled by request.' },
    });
    await this.finishEvent(cancelled, 'run.cancelled', {});
    return cancelled;
  }

  /** Starts `concurrency` workers on the run queue, the heartbeat, the dead-worker sweep and the cancel listener. */
  async startWorkers(concurrency: number): Promise<void> {
    const queue = this.requireQueue();
    this.working = true;
    this.unlistenCancel = await this.options.database.listen(CANCEL_CHANNEL, (id) => {
      this.active.get(id)?.abort(new CancelledByUser());
    });
    await queue.work<{ runId: string }>(RUN_QUEUE, { concurrency }, async (job) => {
      // A stopping worker must not take new runs, nor drop the job: hand it to whoever works next.
      if (!this.working) return this.enqueue(job.data.runId, 1000);
      const execution = this.execute(job.data.runId);
      this.inflight.add(execution);
      try {
        await execution;
      } finally {
        this.inflight.delete(execution);
      }
    });
    const hb = this.options.heartbeatMs;
    this.timers.push(
      setInterval(() => void this.heartbeat().catch((err) => this.log('warn', { err }, 'heartbeat failed')), hb),
      setInterval(
        () => void this.recoverStale().catch((err) => this.log('warn', { err }, 'stale-run sweep failed')),
        hb,
      ),
    );
    for (const t of this.timers) t.unref();
    this.log('info', { workerId: this.workerId, concurrency }, 'run workers started');
  }

  /** Stops taking runs; runs still executing here are aborted and handed back to the queue. */
  async stop(): Promise<void> {
    this.working = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const controller of this.active.values()) controller.abort(new WorkerShutdown());
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await this.unlistenCancel?.();
    this.unlistenCancel = undefined;
    await this.events.close();
  }

  get activeRuns(): number {
    return this.active.size;
  }

  /** One attempt of one run. Safe to call twice for one job: only the caller that claims the run executes it. */
  async execute(runId: string): Promise<void> {
    const run = await this.store.claim(runId, this.workerId);
    if (!run) return;
    const registry = this.options.registry;
    let def: ReturnType<ExecutorRegistry['get']>;
    try {
      def = registry.get(run.kind);
    } catch {
      const failed = await this.store.transition(run.id, 'failed', {
        error: {
          type: 'unknown-run-kind',
          message: `No executor for kind "${run.kind}" is registered in this worker.`,
        },
      });
      await this.finishEvent(failed, 'run.failed', { error: failed.error });
      return;
    }
    const controller = new AbortController();
    this.active.set(run.id, controller);
    const timeoutMs = def.timeoutMs ?? this.options.defaultTimeoutMs;
    const timer = setTimeout(() => controller.abort(new TimeLimitExceeded(timeoutMs)), timeoutMs);
    const started = performance.now();
    runMetrics.started.inc({ kind: run.kind });
    await this.events.append(run.id, 'run.started', { attempt: run.attempt, maxAttempts: run.maxAttempts });

    const ctx = this.contextFor(run, controller.signal);
    let result: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      result = { ok: true, value: await untilAborted(def.execute(ctx, run.input), controller.signal) };
    } catch (error) {
      result = { ok: false, error };
    } finally {
      clearTimeout(timer);
      this.active.delete(run.id);
    }
    const wallMs = Math.round(performance.now() - started);
    await this.store.addUsage(run.id, { wallMs }).catch(() => {});

    try {
      await this.settle(run, def, controller.signal, result, wallMs);
    } catch (err) {
      // Another process settled it first (e.g. the sweep declared this worker dead while it was stalled).
      if (err instanceof ConflictError) this.log('warn', { runId: run.id, err: err.message }, 'run settled elsewhere');
      else throw err;
    }
  }

  private async settle(
    run: Run,
    def: ReturnType<ExecutorRegistry['get']>,
    signal: AbortSignal,
    result: { ok: true; value: unknown } | { ok: false; error: unknown },
    wallMs: number,
  ): Promise<void> {
    const seconds = wallMs / 1000;
    if (signal.aborted && signal.reason instanceof CancelledByUser) {
      const done = await this.store.transition(run.id, 'cancelled', {
        error: { type: 'cancelled', message: 'Cancelled by request.' },
      });
      return this.finishEvent(done, 'run.cancelled', {}, seconds);
    }
    if (signal.aborted && signal.reason instanceof WorkerShutdown) {
      await this.store.transition(run.id, 'queued', { workerId: null });
      await this.events.append(run.id, 'run.requeued', { attempt: run.attempt, reason: signal.reason.message });
      await this.enqueue(run.id, 1000);
      return;
    }
    if (!result.ok && result.error instanceof AwaitingInput && !signal.aborted) {
      await this.store.transition(run.id, 'waiting', { workerId: null });
      await this.events.append(run.id, 'run.waiting', {
        key: result.error.request.key,
        kind: result.error.request.kind,
      });
      return;
    }
    if (signal.aborted && signal.reason instanceof TimeLimitExceeded) {
      return this.fail(run, { type: 'timeout', message: `The run ${signal.reason.message} and was stopped.` }, seconds);
    }
    if (result.ok) {
      const problems = this.options.registry.checkOutput(run.kind, result.value);
      if (problems.length > 0) {
        const list = problems.map((p) => `${p.pointer}: ${p.message}`).join('; ');
        return this.fail(
          run,
          { type: 'invalid-result', message: `The executor returned an invalid result: ${list}` },
          seconds,
        );
      }
      const done = await this.store.transition(run.id, 'succeeded', { output: result.value ?? null, error: null });
      return this.finishEvent(done, 'run.succeeded', {}, seconds);
    }
    const error = result.error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof RetryableError && run.attempt < run.maxAttempts) {
      const delayMs = backoffMs(run.attempt, def.retryDelayMs ?? 2000);
      const queued = await this.store.transition(run.id, 'queued', {
        error: { type: 'retryable-error', message },
        workerId: null,
      });
      await this.events.append(queued.id, 'run.retrying', {
        attempt: run.attempt,
        maxAttempts: run.maxAttempts,
        delayMs,
        reason: message,
      });
      await this.enqueue(run.id, delayMs);
      return;
    }
    // An OrbitError keeps its own type (e.g. `budget-exceeded` from the LLM layer) so the run says what happened.
    const type =
      error instanceof RetryableError
        ? 'retries-exhausted'
        : error instanceof OrbitError
          ? error.type
          : 'executor-error';
    const suffix = error instanceof RetryableError ? ` (attempt ${run.attempt} of ${run.maxAttempts})` : '';
    return this.fail(run, { type, message: `${message}${suffix}` }, seconds);
  }

  private async fail(run: Run, error: RunError, seconds?: number): Promise<void> {
    const done = await this.store.transition(run.id, 'failed', { error });
    await this.finishEvent(done, 'run.failed', { error }, seconds);
  }

  private async finishEvent(run: Run, type: string, data: Record<string, unknown>, seconds?: number): Promise<void> {
    await this.events.append(run.id, type, { status: run.status, ...data });
    runMetrics.finished.inc({ kind: run.kind, status: run.status });
    if (seconds !== undefined) runMetrics.duration.observe({ kind: run.kind, status: run.status }, seconds);
  }

  private contextFor(run: Run, signal: AbortSignal): ExecutorContext {
    return {
      runId: run.id,
      kind: run.kind,
      attempt: run.attempt,
      owner: run.owner,
      signal,
      emit: (type, data = {}) => this.events.append(run.id, type, data),
      progress: (done, total, message) =>
        this.events.append(run.id, 'run.progress', { done, total, ...(message ? { message } : {}) }),
      artifacts: {
        put: async (name, contentType, data) => {
          const info = await this.artifacts.put(run.id, name, contentType, data);
          await this.events.append(run.id, 'artifact.stored', { ...info });
        },
      },
      usage: { add: (amounts) => this.store.addUsage(run.id, amounts) },
      priorUsage: { ...run.usage },
      history: () => this.events.list(run.id, 0, 1_000_000),
      waitForInput: async (request) => {
        const events = await this.events.list(run.id, 0, 1_000_000);
        const answer = answerIn(events, request.key);
        if (answer) return answer;
        if (openRequest(events)?.key !== request.key)
          await this.events.append(run.id, 'input.requested', { ...request });
        throw new AwaitingInput(request);
      },
    };
  }

  private async heartbeat(): Promise<void> {
    if (!this.working || this.active.size === 0) return;
    const cancelled = await this.store.heartbeat([...this.active.keys()], this.workerId);
    for (const id of cancelled) this.active.get(id)?.abort(new CancelledByUser());
  }

  /**
   * Runs still `running` whose worker sent no heartbeat for three intervals: the worker died (crash, SIGKILL,
   * lost machine). Retry them if attempts remain, else fail them with a reason that says so.
   */
  async recoverStale(): Promise<number> {
    const threshold = new Date(Date.now() - 3 * this.options.heartbeatMs);
    const stale = await this.store.findStale(threshold);
    let recovered = 0;
    for (const run of stale) {
      try {
        const lastSeen = `no heartbeat from worker ${run.workerId ?? '?'} since ${threshold.toISOString()}`;
        // Only if it is still stale: another sweeper may have recovered it and a worker claimed it since.
        const stillStale = { ifStaleBefore: threshold };
        if (await this.cancelRequested(run.id)) {
          const done = await this.store.transition(run.id, 'cancelled', {
            error: { type: 'cancelled', message: 'Cancelled by request (its worker had died).' },
            ...stillStale,
          });
          await this.finishEvent(done, 'run.cancelled', {});
        } else if (run.attempt < run.maxAttempts) {
          await this.store.transition(run.id, 'queued', {
            error: { type: 'worker-lost', message: `The worker died during attempt ${run.attempt} (${lastSeen}).` },
            workerId: null,
            ...stillStale,
          });
          await this.events.append(run.id, 'run.retrying', {
            attempt: run.attempt,
            maxAttempts: run.maxAttempts,
            delayMs: 0,
            reason: `worker lost: ${lastSeen}`,
          });
          await this.enqueue(run.id, 0);
        } else {
          const error = {
            type: 'worker-lost',
            message: `The worker died during attempt ${run.attempt} of ${run.maxAttempts} (${lastSeen}); no attempts remain.`,
          };
          const done = await this.store.transition(run.id, 'failed', { error, ...stillStale });
          await this.finishEvent(done, 'run.failed', { error });
        }
        runMetrics.recovered.inc({ kind: run.kind });
        recovered++;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    return recovered;
  }

  private async cancelRequested(id: string): Promise<boolean> {
    const rows = await this.options.database.query<{ c: Date | null }>(
      'SELECT cancel_requested_at AS c FROM runs WHERE id = $1',
      [id],
    );
    return Boolean(rows[0]?.c);
  }

  private async enqueue(runId: string, delayMs: number): Promise<void> {
    if (!this.options.queue) return;
    // The engine does its own retries and recovery; the job only has to outlive the run's time limit.
    await this.options.queue.send(
      RUN_QUEUE,
      { runId },
      {
        startAfterSeconds: Math.ceil(delayMs / 1000),
        retryLimit: 0,
        expireInSeconds: Math.ceil(this.options.defaultTimeoutMs / 1000) + 60,
      },
    );
  }

  private requireQueue(): JobQueue {
    if (!this.options.queue) throw new Error('RunEngine has no queue: pass one to start workers');
    return this.options.queue;
  }

  private log(level: 'info' | 'warn', obj: object, msg: string) {
    this.options.logger?.[level](obj, msg);
  }
}

/** Exponential backoff with ±20% jitter, capped at five minutes. */
export function backoffMs(attempt: number, baseMs: number): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 5 * 60_000);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

/** Resolves with the executor's result, or rejects as soon as the signal aborts, even if the executor ignores it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
