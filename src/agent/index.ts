/**
 * The agent: research, plan with the user, implement in a sandboxed workspace, deliver a pull request. One run kind
 * (`agent`), its routes, the GitHub webhook that starts runs, and the scheduled workspace cleanup.
 */
export { type CleanupJob, cleanupOptionsFromConfig, createCleanupJob } from './cleanup/index.ts';
export {
  type AgentInput,
  AgentInputSchema,
  type AgentLimits,
  type AgentOptions,
  type AgentOutput,
  createAgentExecutor,
  githubRepoOf,
} from './executor.ts';
export { agentRoutes } from './routes.ts';
export type { PullRequestRecord } from './store/index.ts';
export { detectTestCommand } from './verify.ts';
export { type GitHubWebhookOptions, githubWebhookPlugin, type WebhookRunInput } from './webhook/index.ts';
