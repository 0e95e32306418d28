import type { Database } from '../../platform/db/client.ts';
import { push, stripCredentials } from '../../platform/git/index.ts';
import { getPullRequestByRun, upsertPullRequest } from '../store/index.ts';
import type { Forge, PullRequestRecord, PullRequestRequest } from './types.ts';

/** Any git remote (URL or path): pushes the branch and records status `pushed`. */
export function createGitForge(remote: string, deps: { database: Database; token?: string }): Forge {
  return {
    kind: 'git',
    async deliver(req: PullRequestRequest, signal?: AbortSignal): Promise<PullRequestRecord> {
      await push(req.workspace.root, {
        remote,
        branch: req.workspace.branch,
        ...(signal ? { signal } : {}),
        ...(deps.token !== undefined ? { token: deps.token } : {}),
      });
      const existing = await getPullRequestByRun(deps.database, req.runId);
      return upsertPullRequest(deps.database, {
        runId: req.runId,
        forge: 'git',
        repository: stripCredentials(remote),
        number: null,
        url: null,
        headBranch: req.workspace.branch,
        baseBranch: req.workspace.base,
        status: 'pushed',
        title: existing?.title ?? req.title,
        draftReason: null,
      });
    },
  };
}
