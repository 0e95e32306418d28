import type { PullRequestRecord } from '../store/index.ts';

export type { PullRequestRecord };

export interface PullRequestRequest {
  runId: string;
  workspace: { root: string; branch: string; base: string };
  title: string;
  body: string;
  labels: string[];
}

export interface Forge {
  kind: 'github' | 'git';
  /** Push the branch (idempotent), then open the PR (idempotent: an existing PR for the head branch is returned, never a second one). */
  deliver(req: PullRequestRequest, signal?: AbortSignal): Promise<PullRequestRecord>;
}

export interface ForgeTarget {
  /** git URL or local path the branch is pushed to. */
  remote: string;
  github?: { owner: string; repo: string; token: string; baseUrl?: string };
}
