import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../platform/db/client.ts';
import { type CleanupReason, type CleanupRow as CleanupRecord, recordCleanup } from '../store/index.ts';
import { workspacesDir } from '../workspace/index.ts';

/** One attempt to remove one workspace: a row of `agent_workspace_cleanups`, as the store reads and writes it. */
export type { CleanupOutcome, CleanupReason, CleanupRow as CleanupRecord } from '../store/index.ts';

export interface CleanupJobOptions {
  database: Database;
  /** `$ORBIT_HOME`: only directories under `$ORBIT_HOME/workspaces` are ever removed. */
  home: string;
  /** Time after a run finished before its workspace goes (default 24 h; ORBIT_AGENT_WORKSPACE_TTL_HOURS). */
  delayMs?: number;
  /** Whether a run is still active (queued, running, waiting). Default: its status in the `runs` table. */
  isActive?(runId: string): Promise<boolean>;
  /** Below this many free bytes on the workspaces' file system, an emergency pass frees the oldest finished ones. */
  minFreeBytes?: number;
  /** Free bytes where the workspaces live (default: fs.statfs). */
  freeBytes?(): Promise<number>;
  /** A lock older than this is stale (its holder died) and no longer keeps a workspace (default 6 h). */
  staleLockMs?: number;
  now?(): Date;
}

export interface CleanupJob {
  /** Queue/schedule name. */
  name: string;
  /** Hourly. */
  cron: string;
  /** One pass: expired workspaces, then the emergency pass if the disk is low. Returns what it did. */
  runOnce(): Promise<CleanupRecord[]>;
  /** Removes one run's workspace now (unless its run is active or it is busy). */
  removeNow(runId: string): Promise<CleanupRecord | undefined>;
}

export const CLEANUP_SCHEDULE = 'agent-workspace-cleanup';
export const CLEANUP_CRON = '0 * * * *';
export const DEFAULT_WORKSPACE_TTL_MS = 24 * 3600 * 1000;
export const DEFAULT_MIN_FREE_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_STALE_LOCK_MS = 6 * 3600 * 1000;

/**
 * Files that say a workspace is in use: a `.lock` the agent (or a person) holds at its root, and git's own lock files
 * (a git command is writing to it right now).
 */
export const LOCK_FILES = ['.lock', '.git/index.lock', '.git/HEAD.lock', '.git/config.lock'];

interface Row {
  run_id: string;
  path: string;
  finished: Date | string | null;
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Bytes of every file under `dir` (symlinks counted as themselves, never followed). */
export function directoryBytes(dir: string): number {
  let total = 0;
  const visit = (p: string) => {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(p);
      } catch {
        return;
      }
      for (const name of names) visit(path.join(p, name));
    } else total += stat.size;
  };
  visit(dir);
  return total;
}

async function statfsFree(dir: string): Promise<number> {
  let probe = dir;
  while (!fs.existsSync(probe)) probe = path.dirname(probe);
  const s = await fs.promises.statfs(probe);
  return s.bavail * s.bsize;
}

async function runIsActive(database: Database, runId: string): Promise<boolean> {
  const rows = await database.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]);
  const status = rows[0]?.status;
  return status === 'queued' || status === 'running' || status === 'waiting';
}

/**
 * The scheduled removal of finished runs' workspaces: after a delay (default 24 h, checked hourly), never while the
 * run is active, leaving busy (locked) ones for the next pass, recording every attempt, and freeing the oldest finished
 * workspaces first when free disk space falls below a threshold.
 */
export function createCleanupJob(o: CleanupJobOptions): CleanupJob {
  const root = path.resolve(workspacesDir(o.home));
  const delayMs = o.delayMs ?? DEFAULT_WORKSPACE_TTL_MS;
  const minFree = o.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const staleLockMs = o.staleLockMs ?? DEFAULT_STALE_LOCK_MS;
  const now = o.now ?? (() => new Date());
  const isActive = o.isActive ?? ((runId: string) => runIsActive(o.database, runId));
  const freeBytes = o.freeBytes ?? (() => statfsFree(root));
  // A run's workspace counts as finished from agent_workspaces.finished_at, else from its run's end; a workspace
  // whose run row is gone counts from its creation.
  const finishedSql = `COALESCE(w.finished_at, r.finished_at, CASE WHEN r.id IS NULL THEN w.created_at END)`;

  function record(r: Omit<CleanupRecord, 'id' | 'at'>): Promise<CleanupRecord> {
    return recordCleanup(o.database, { ...r, at: now() });
  }

  function lockHeld(dir: string): string | undefined {
    for (const name of LOCK_FILES) {
      const file = path.join(dir, name);
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(file);
      } catch {
        continue;
      }
      const age = now().getTime() - stat.mtime.getTime();
      if (age < staleLockMs) return `${name} is held (since ${stat.mtime.toISOString()})`;
    }
    return undefined;
  }

  async function removeOne(row: Row, reason: CleanupReason): Promise<CleanupRecord> {
    const base = { runId: row.run_id, path: row.path, reason };
    if (await isActive(row.run_id)) {
      return record({ ...base, outcome: 'skipped-active', bytesFreed: 0, detail: 'the run is still active' });
    }
    const dir = path.resolve(row.path);
    if (!inside(dir, root)) {
      return record({ ...base, outcome: 'failed', bytesFreed: 0, detail: `refused: the path is not under ${root}` });
    }
    if (!fs.existsSync(dir)) {
      await o.database.query('UPDATE agent_workspaces SET removed_at = $2 WHERE run_id = $1', [row.run_id, now()]);
      return record({ ...base, outcome: 'removed', bytesFreed: 0, detail: 'already gone' });
    }
    const busy = lockHeld(dir);
    if (busy) return record({ ...base, outcome: 'busy', bytesFreed: 0, detail: `${busy}; retried next pass` });
    const bytes = directoryBytes(dir);
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const outcome = code === 'EBUSY' || code === 'ENOTEMPTY' ? 'busy' : 'failed';
      const left = fs.existsSync(dir) ? directoryBytes(dir) : 0;
      return record({
        ...base,
        outcome,
        bytesFreed: bytes - left,
        detail: `${code ?? ''} ${(error as Error).message}`.trim(),
      });
    }
    await o.database.query('UPDATE agent_workspaces SET removed_at = $2 WHERE run_id = $1', [row.run_id, now()]);
    return record({ ...base, outcome: 'removed', bytesFreed: bytes, detail: null });
  }

  async function finishedRows(before: Date | undefined): Promise<Row[]> {
    return o.database.query<Row>(
      `SELECT w.run_id, w.path, ${finishedSql} AS finished
         FROM agent_workspaces w LEFT JOIN runs r ON r.id = w.run_id
        WHERE w.removed_at IS NULL AND ${finishedSql} IS NOT NULL ${before ? `AND ${finishedSql} <= $1` : ''}
        ORDER BY ${finishedSql} ASC, w.run_id ASC`,
      before ? [before] : [],
    );
  }

  return {
    name: CLEANUP_SCHEDULE,
    cron: CLEANUP_CRON,
    async runOnce() {
      const done: CleanupRecord[] = [];
      const cutoff = new Date(now().getTime() - delayMs);
      for (const row of await finishedRows(cutoff)) done.push(await removeOne(row, 'expired'));
      if ((await freeBytes()) < minFree) {
        const tried = new Set(done.map((d) => d.runId));
        for (const row of await finishedRows(undefined)) {
          if (tried.has(row.run_id)) continue;
          if ((await freeBytes()) >= minFree) break;
          done.push(await removeOne(row, 'low-disk'));
        }
      }
      return done;
    },
    async removeNow(runId) {
      const rows = await o.database.query<Row>(
        'SELECT run_id, path, finished_at AS finished FROM agent_workspaces WHERE run_id = $1 AND removed_at IS NULL',
        [runId],
      );
      const row = rows[0];
      return row ? removeOne(row, 'manual') : undefined;
    },
  };
}
