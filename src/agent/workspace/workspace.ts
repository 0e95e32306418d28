import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../platform/db/client.ts';
import { ValidationError } from '../../platform/errors.ts';
import { clone, createBranch, currentBranch, isGitUrl, redactCredentials, revParse } from '../../platform/git/index.ts';

export interface Workspace {
  /** Real absolute path of the clone. */
  root: string;
  /** The run's own branch, checked out. */
  branch: string;
  /** Commit the branch started from. */
  base: string;
  /** Name of the branch the clone started on (the pull request's base), when HEAD was a branch. */
  baseBranch?: string;
  /** True when this call cloned it; false when an earlier attempt's clone was reused. */
  fresh: boolean;
}

export interface CreateWorkspaceOptions {
  /** `$ORBIT_HOME`. */
  home: string;
  runId: string;
  /** A local repository path or a git URL. */
  source: string;
  /** Branch or tag to start from (default: the source's HEAD). */
  baseRef?: string;
  /** A few words for the branch name, e.g. from the task. */
  slug: string;
  /** Shallow clone depth (default: full history). */
  depth?: number;
  token?: string;
  signal?: AbortSignal;
  /** When given, the workspace is recorded in `agent_workspaces`. */
  database?: Database;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function workspacesDir(home: string): string {
  return path.join(home, 'workspaces');
}

/** `$ORBIT_HOME/workspaces/<runId>`; a run id that could name another directory is refused. */
export function workspacePath(home: string, runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new ValidationError(`"${runId}" is not a usable run id for a workspace directory`, [
      { pointer: '/runId', message: 'must be letters, digits, "-" and "_" only' },
    ]);
  }
  return path.join(workspacesDir(home), runId);
}

/** `orbit/<8 characters of the run id>-<slug>`: the run id's random tail, so runs started together differ. */
export function branchName(runId: string, slug: string): string {
  const short = runId
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-8)
    .toLowerCase();
  const words = slug
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return `orbit/${short}${words ? `-${words}` : ''}`;
}

/**
 * Clones `source` into the run's workspace and checks out a new branch for it. Calling it again for the same run
 * (a resumed run) returns the existing workspace instead of cloning twice.
 */
export async function createWorkspace(o: CreateWorkspaceOptions): Promise<Workspace> {
  const dir = workspacePath(o.home, o.runId);
  const branch = branchName(o.runId, o.slug);
  const repository = isGitUrl(o.source) ? redactCredentials(o.source) : path.resolve(o.source);
  const marker = path.join(dir, '.git', 'orbit-base');
  if (fs.existsSync(marker)) {
    const [base = '', baseBranch = ''] = fs.readFileSync(marker, 'utf8').trim().split('\n');
    const root = fs.realpathSync(dir);
    const onBranch = await currentBranch(root);
    if (onBranch === branch) {
      if (o.database) await recordWorkspace(o.database, { runId: o.runId, path: root, repository, branch });
      return { root, branch, base, ...(baseBranch ? { baseBranch } : {}), fresh: false };
    }
  }
  // A half-made clone from an attempt that died is replaced.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(workspacesDir(o.home), { recursive: true, mode: 0o700 });
  await clone({
    source: o.source,
    dest: dir,
    ...(o.baseRef !== undefined ? { ref: o.baseRef } : {}),
    ...(o.depth !== undefined ? { depth: o.depth } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const root = fs.realpathSync(dir);
  const base = (await revParse(root, 'HEAD')) ?? '';
  const baseBranch = await currentBranch(root);
  await createBranch(root, branch);
  fs.writeFileSync(marker, `${base}\n${baseBranch ?? ''}\n`);
  if (o.database) await recordWorkspace(o.database, { runId: o.runId, path: root, repository, branch });
  return { root, branch, base, ...(baseBranch ? { baseBranch } : {}), fresh: true };
}

/** Inserts or refreshes the run's row in `agent_workspaces`. */
export async function recordWorkspace(
  database: Database,
  w: { runId: string; path: string; repository: string; branch: string },
): Promise<void> {
  await database.query(
    `INSERT INTO agent_workspaces (run_id, path, repository, branch, created_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (run_id) DO UPDATE SET path = EXCLUDED.path, repository = EXCLUDED.repository, branch = EXCLUDED.branch`,
    [w.runId, w.path, w.repository, w.branch],
  );
}

/** Marks the run's workspace as finished (its run ended): the cleanup delay counts from here. */
export async function markWorkspaceFinished(database: Database, runId: string, at: Date = new Date()): Promise<void> {
  await database.query('UPDATE agent_workspaces SET finished_at = $2 WHERE run_id = $1 AND finished_at IS NULL', [
    runId,
    at,
  ]);
}
