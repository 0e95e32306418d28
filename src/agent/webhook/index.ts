/**
 * GitHub webhook for the agent. Register in src/orbit.ts (loop helper) as one of the `routes` (RouteModule) handed to
 * buildApp, so it sits behind the errors plugin (problem+json) and rate limiter like every route:
 *
 *   import { githubWebhookPlugin, type WebhookRunInput } from './agent/webhook/index.ts';
 *   routes.push({ plugin: githubWebhookPlugin, options: {
 *     database,                                   // the server's Database
 *     secret: config.githubWebhookSecret,         // ORBIT_GITHUB_WEBHOOK_SECRET (undefined → 503 on every delivery)
 *     triggerLabel: config.agentTriggerLabel,     // ORBIT_AGENT_TRIGGER_LABEL (default 'orbit')
 *     startRun: async (input: WebhookRunInput) => ({ id: <run id> }),  // start an `agent` run with input.task,
 *                                                 // source input.repository.cloneUrl, base input.repository.defaultBranch
 *   } });
 *
 * Register it WITHOUT fastify-plugin wrapping (it is encapsulated on purpose: it replaces the content-type parsers
 * with a raw-body one, for its own route only). The route is `config: { auth: 'public' }`: the HMAC signature is the
 * authentication.
 */
export { type GitHubWebhookOptions, githubWebhookPlugin, type WebhookRunInput } from './github.ts';
