export { createForge } from './forge.ts';
export { createGitForge } from './git.ts';
export { createGitHubForge, draftFallbackReason, type GitHubForgeOptions } from './github.ts';
export { isRateLimited, type RetryOptions, retryDelay, withRetry } from './retry.ts';
export { labelsFor, type PullRequestBodyInput, renderPullRequestBody } from './template.ts';
export type { Forge, ForgeTarget, PullRequestRecord, PullRequestRequest } from './types.ts';
