import type { Database } from '../../platform/db/client.ts';
import { createGitForge } from './git.ts';
import { createGitHubForge } from './github.ts';
import type { RetryOptions } from './retry.ts';
import type { Forge, ForgeTarget } from './types.ts';

/** GitHub when `target.github` is given (push to `remote`, then a PR), else a plain git remote (push only). */
export function createForge(target: ForgeTarget, deps: { database: Database; retry?: RetryOptions }): Forge {
  if (target.github) {
    return createGitHubForge(
      { ...target.github, remote: target.remote, ...(deps.retry ? { retry: deps.retry } : {}) },
      { database: deps.database },
    );
  }
  return createGitForge(target.remote, { database: deps.database });
}
