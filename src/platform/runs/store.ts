import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { runs } from '../db/schema.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { newId } from '../ids.ts';
import { allowedFrom, isTerminal, type RunStatus } from './states.ts';
import type { Run, RunError } from './types.ts';

type RunRow = typeof runs.$inferSelect;

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status as RunStatus,
    input: row.input,
    output: row.output ?? null,
    error: (row.error as RunError | null) ?? null,
    owner: row.owner,
    workerId: row.workerId ?? null,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    usage: (row.usage as Record<string, number>) ?? {},
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface CreateRunInput {
  kind: string;
  input: unknown;
  owner: string;
  maxAttempts?: number;
  idempotencyKey?: string | undefined;
}

export interface ListRunsQuery {
  kind?: string | undefined;
  status?: RunStatus | undefined;
  owner?: string | undefined;
  /** Return runs older than this id (ids sort by creation time). */
  before?: string | undefined;
  limit?: number | undefined;
}

export interface TransitionPatch {
  output?: unknown;
  error?: RunError | null;
  workerId?: string | null;
  /** Sets the attempt counter (an answered run resumes its attempt rather than spending a new one). */
  attempt?: number;
  /** Only if the run's last heartbeat is older than this (dead-worker recovery). */
  ifStaleBefore?: Date;
}

/** Runs table access. Every status change goes through `transition`, which enforces the state machine atomically. */
export class RunStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  /**
   * Inserts a queued run. With an idempotency key, a second call by the same owner returns the first run instead
   * (`created: false`), so a retried POST never starts a second run.
   */
  async create(input: CreateRunInput): Promise<{ run: Run; created: boolean }> {
    const id = newId();
    const inserted = await this.db
      .insert(runs)
      .values({
        id,
        kind: input.kind,
        status: 'queued',
        input: input.input ?? null,
        owner: input.owner,
        maxAttempts: input.maxAttempts ?? 1,
        idempotencyKey: input.idempotencyKey ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { run: toRun(inserted[0]), created: true };
    const existing = await this.db
      .select()
      .from(runs)
      .where(and(eq(runs.owner, input.owner), eq(runs.idempotencyKey, input.idempotencyKey ?? '')))
      .limit(1);
    if (!existing[0]) throw new Error('run insert conflicted but no run with that idempotency key exists');
    if (existing[0].kind !== input.kind) {
      throw new ConflictError(
        'idempotency-key-reused',
        `Idempotency-Key "${input.idempotencyKey}" was already used for a run of kind "${existing[0].kind}". Use a new key for a different request.`,
      );
    }
    return { run: toRun(existing[0]), created: false };
  }

  async find(id: string): Promise<Run | null> {
    const rows = await this.db.select().from(runs).where(eq(runs.id, id)).limit(1);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async get(id: string): Promise<Run> {
    const run = await this.find(id);
    if (!run) throw new NotFoundError('run', id);
    return run;
  }

  async list(query: ListRunsQuery = {}): Promise<Run[]> {
    const conditions = [];
    if (query.kind) conditions.push(eq(runs.kind, query.kind));
    if (query.status) conditions.push(eq(runs.status, query.status));
    if (query.owner) conditions.push(eq(runs.owner, query.owner));
    if (query.before) conditions.push(lt(runs.id, query.before));
    const rows = await this.db
      .select()
      .from(runs)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(runs.id))
      .limit(Math.min(Math.max(query.limit ?? 50, 1), 500));
    return rows.map(toRun);
  }

  /**
   * Moves a run to `to` if its current status allows it, in one statement (no lost update between two writers).
   * Throws NotFoundError or a 409 `illegal-transition` naming both states otherwise.
   */
  async transition(id: string, to: RunStatus, patch: TransitionPatch = {}): Promise<Run> {
    const now = new Date();
    const set: Partial<typeof runs.$inferInsert> = { status: to, updatedAt: now };
    if (patch.output !== undefined) set.output = patch.output;
    if (patch.error !== undefined) set.error = patch.error;
    if (patch.workerId !== undefined) set.workerId = patch.workerId;
    if (patch.attempt !== undefined) set.attempt = patch.attempt;
    if (isTerminal(to)) {
      set.finishedAt = now;
      set.heartbeatAt = null;
    }
    if (to === 'queued' || to === 'waiting') set.heartbeatAt = null;
    const rows = await this.db
      .update(runs)
      .set(set)
      .where(
        and(
          eq(runs.id, id),
          inArray(runs.status, [...allowedFrom(to)]),
          patch.ifStaleBefore ? lt(runs.heartbeatAt, patch.ifStaleBefore) : undefined,
        ),
      )
      .returning();
    if (rows[0]) return toRun(rows[0]);
    if (patch.ifStaleBefore) throw new ConflictError('run-not-stale', `Run ${id} is no longer stale.`);
    const current = await this.get(id);
    throw new ConflictError(
      isTerminal(current.status) ? 'run-finished' : 'illegal-transition',
      isTerminal(current.status)
        ? `Run ${id} already finished (${current.status}); it cannot become ${to}.`
        : `Run ${id} is ${current.status}; it cannot become ${to}.`,
      { runStatus: current.status },
    );
  }

  /** queued → running for one worker, counting the attempt. Null when another worker got there first or it was cancelled. */
  async claim(id: string, workerId: string): Promise<Run | null> {
    const now = new Date();
    const rows = await this.db
      .update(runs)
      .set({
        status: 'running',
        workerId,
        attempt: sql`${runs.attempt} + 1`,
        startedAt: sql`coalesce(${runs.startedAt}, ${now.toISOString()}::timestamptz)`,
        heartbeatAt: now,
        updatedAt: now,
      })
      .where(and(eq(runs.id, id), eq(runs.status, 'queued')))
      .returning();
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Marks runs alive; returns the ids among them whose cancellation was requested. */
  async heartbeat(ids: string[], workerId: string): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .update(runs)
      .set({ heartbeatAt: new Date() })
      .where(and(inArray(runs.id, ids), eq(runs.workerId, workerId), inArray(runs.status, ['running', 'waiting'])))
      .returning({ id: runs.id, cancelRequestedAt: runs.cancelRequestedAt });
    return rows.filter((r) => r.cancelRequestedAt !== null).map((r) => r.id);
  }

  async requestCancel(id: string): Promise<void> {
    await this.db.update(runs).set({ cancelRequestedAt: new Date() }).where(eq(runs.id, id));
  }

  /** Running runs whose worker has not sent a heartbeat since `olderThan`: their worker died. */
  async findStale(olderThan: Date, limit = 100): Promise<Run[]> {
    const rows = await this.db
      .select()
      .from(runs)
      .where(and(eq(runs.status, 'running'), lt(runs.heartbeatAt, olderThan)))
      .limit(limit);
    return rows.map(toRun);
  }

  /** Adds numbers to a run's usage counters atomically (`{ wallMs: 120 }` adds 120 to wallMs). */
  async addUsage(id: string, amounts: Record<string, number>): Promise<void> {
    let expr = sql`${runs.usage}`;
    for (const [key, value] of Object.entries(amounts)) {
      if (!Number.isFinite(value)) continue;
      expr = sql`jsonb_set(${expr}, ARRAY[${key}]::text[], to_jsonb(coalesce((${runs.usage}->>${key})::numeric, 0) + ${value}))`;
    }
    await this.db.update(runs).set({ usage: expr }).where(eq(runs.id, id));
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ status: runs.status, n: sql<number>`count(*)::int` })
      .from(runs)
      .groupBy(runs.status);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
