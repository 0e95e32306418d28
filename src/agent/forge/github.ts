import { Octokit } from '@octokit/rest';
import type { Database } from '../../platform/db/client.ts';
import { push } from '../../platform/git/index.ts';
import { getPullRequestByRun, type PullRequestStatus, upsertPullRequest } from '../store/index.ts';
import { isHttpError, isRateLimited, type RetryOptions, withRetry } from './retry.ts';
import type { Forge, PullRequestRecord, PullRequestRequest } from './types.ts';

export interface GitHubForgeOptions {
  owner: string;
  repo: string;
  token: string;
  /** API root; default https://api.github.com (tests point it at the local stand-in). */
  baseUrl?: string;
  /** Where the branch is pushed. */
  remote: string;
  retry?: RetryOptions;
}

interface PullShape {
  number: number;
  head?: { ref?: string };
  html_url: string;
  state: string;
  draft?: boolean;
  merged_at?: string | null;
  title: string;
}

function statusOf(pr: PullShape): PullRequestStatus {
  if (pr.merged_at) return 'merged';
  if (pr.state === 'closed') return 'closed';
  return pr.draft ? 'draft' : 'open';
}

/**
 * Whether a refused `POST /pulls` is worth one more try as a draft: GitHub answers 403 ("Resource not accessible by
 * integration", a token or app without the right to open ready PRs) or 422 (a repository rule / protection refusing
 * the PR as is). Not: rate limits, "A pull request already exists", "No commits between", a missing branch.
 */
export function draftFallbackReason(err: unknown): string | undefined {
  if (!isHttpError(err)) return undefined;
  if (err.status === 403 && !isRateLimited(err)) return `GitHub refused a ready pull request (403: ${err.message})`;
  if (err.status === 422 && !/already exists|No commits between|not a valid|field/i.test(err.message)) {
    return `GitHub refused a ready pull request (422: ${err.message})`;
  }
  return undefined;
}

export function createGitHubForge(o: GitHubForgeOptions, deps: { database: Database }): Forge {
  const octokit = new Octokit({
    auth: o.token,
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    userAgent: 'orbit-agent',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const repository = `${o.owner}/${o.repo}`;
  const call = <T>(fn: () => Promise<T>, signal?: AbortSignal) => withRetry(fn, o.retry, signal);

  async function findByHead(branch: string, signal?: AbortSignal): Promise<PullShape | undefined> {
    const res = await call(
      () =>
        octokit.rest.pulls.list({
          owner: o.owner,
          repo: o.repo,
          head: `${o.owner}:${branch}`,
          state: 'all',
          per_page: 10,
          ...(signal ? { request: { signal } } : {}),
        }),
      signal,
    );
    // GitHub filters by head exactly; checking again keeps a server that ignores the filter from passing off another
    // branch's pull request as ours.
    return (res.data as PullShape[]).find((pr) => pr.head?.ref === branch);
  }

  return {
    kind: 'github',
    async deliver(req: PullRequestRequest, signal?: AbortSignal): Promise<PullRequestRecord> {
      const head = req.workspace.branch;
      await push(req.workspace.root, {
        remote: o.remote,
        branch: head,
        token: o.token,
        tokenUser: 'x-access-token',
        ...(signal ? { signal } : {}),
      });
      const record = (pr: PullShape, draftReason: string | null) =>
        upsertPullRequest(deps.database, {
          runId: req.runId,
          forge: 'github',
          repository,
          number: pr.number,
          url: pr.html_url,
          headBranch: head,
          baseBranch: req.workspace.base,
          status: statusOf(pr),
          title: pr.title,
          draftReason,
        });

      // Idempotency: our own record first, then GitHub's view of the head branch.
      const stored = await getPullRequestByRun(deps.database, req.runId);
      const existing = await findByHead(head, signal);
      if (existing) return record(existing, stored?.draftReason ?? null);

      const create = (draft: boolean, body: string) =>
        call(
          () =>
            octokit.rest.pulls.create({
              owner: o.owner,
              repo: o.repo,
              head,
              base: req.workspace.base,
              title: req.title,
              body,
              draft,
              ...(signal ? { request: { signal } } : {}),
            }),
          signal,
        );

      let pr: PullShape;
      let draftReason: string | null = null;
      try {
        pr = (await create(false, req.body)).data as PullShape;
      } catch (err) {
        if (isHttpError(err) && err.status === 422 && /already exists/i.test(err.message)) {
          const again = await findByHead(head, signal);
          if (again) return record(again, stored?.draftReason ?? null);
        }
        const reason = draftFallbackReason(err);
        if (!reason) throw err;
        draftReason = reason;
        const explained = `> **Opened as a draft.** ${reason}. A maintainer can mark it ready for review once the branch protection or permission question is settled.\n\n${req.body}`;
        pr = (await create(true, explained)).data as PullShape;
      }
      if (req.labels.length) {
        await call(
          () =>
            octokit.rest.issues.addLabels({
              owner: o.owner,
              repo: o.repo,
              issue_number: pr.number,
              labels: req.labels,
              ...(signal ? { request: { signal } } : {}),
            }),
          signal,
        );
      }
      return record(pr, draftReason);
    },
  };
}
