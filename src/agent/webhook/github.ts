import { verify } from '@octokit/webhooks-methods';
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../../platform/db/client.ts';
import { OrbitError } from '../../platform/errors.ts';
import {
  claimWebhookDelivery,
  releaseWebhookDelivery,
  setPullRequestStatus,
  setWebhookDeliveryRun,
} from '../store/index.ts';

/** What the webhook hands to `startRun` when an issue gets the trigger label. */
export interface WebhookRunInput {
  /** The issue's title and body: the agent's task. */
  task: string;
  repository: { fullName: string; cloneUrl: string; defaultBranch: string };
  issue: { number: number; url: string; title: string };
  deliveryId: string;
}

export interface GitHubWebhookOptions {
  database: Database;
  /** ORBIT_GITHUB_WEBHOOK_SECRET; undefined: every delivery answers 503. */
  secret: string | undefined;
  /** ORBIT_AGENT_TRIGGER_LABEL. */
  triggerLabel: string;
  /** Starts an `agent` run; returns its id. */
  startRun(input: WebhookRunInput): Promise<{ id: string }>;
}

const MAX_BODY = 25 * 1024 * 1024; // GitHub caps payloads at 25 MB.

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface IssuesPayload {
  action?: string;
  label?: { name?: string };
  issue?: { number?: number; title?: string; body?: string | null; html_url?: string; pull_request?: unknown };
  repository?: { full_name?: string; clone_url?: string; default_branch?: string };
  pull_request?: { number?: number; state?: string; merged?: boolean; draft?: boolean };
}

/**
 * `POST /v1/webhooks/github`. Order: secret configured (else 503) → `X-Hub-Signature-256` present and valid over the
 * raw body, compared in constant time by `@octokit/webhooks-methods` (else 401) → `X-GitHub-Delivery`/`X-GitHub-Event`
 * present and body JSON (else 400) → delivery id not seen before (else 409; only signed deliveries are recorded) →
 * `issues`/`labeled` with the trigger label starts a run (202 `{ accepted: true, runId }`); anything else is a 202
 * `{ accepted: false, reason }`.
 */
export const githubWebhookPlugin: FastifyPluginAsync<GitHubWebhookOptions> = async (app, opts) => {
  // The signature is over the exact bytes GitHub sent, so this route (this plugin's scope only) keeps the raw body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY }, (_request, body, done) => done(null, body));

  app.post(
    '/v1/webhooks/github',
    {
      bodyLimit: MAX_BODY,
      config: { auth: 'public' },
      schema: {
        tags: ['agent'],
        summary: 'GitHub webhook (issues labeled → agent run; pull_request → PR record status)',
        description:
          'Verifies `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with ORBIT_GITHUB_WEBHOOK_SECRET), rejects a replayed `X-GitHub-Delivery` (409), starts an agent run when an issue gets the label ORBIT_AGENT_TRIGGER_LABEL, and keeps the status of agent pull requests current from `pull_request` events (merged, closed, draft, open). Other events and actions: 202 with `accepted: false` and the reason.',
      },
    },
    async (request, reply) => {
      if (!opts.secret) {
        throw new OrbitError(
          'webhook-not-configured',
          503,
          'The GitHub webhook is off: set ORBIT_GITHUB_WEBHOOK_SECRET to the secret configured on GitHub.',
        );
      }
      const raw = typeof request.body === 'string' ? request.body : '';
      const signature = header(request.headers['x-hub-signature-256']);
      if (!signature) {
        throw new OrbitError(
          'webhook-signature-missing',
          401,
          'X-Hub-Signature-256 is missing: configure a secret on the GitHub webhook.',
        );
      }
      let valid = false;
      try {
        valid = await verify(opts.secret, raw, signature);
      } catch {
        valid = false;
      }
      if (!valid) {
        throw new OrbitError(
          'webhook-signature-invalid',
          401,
          'X-Hub-Signature-256 does not match the body: the webhook secret on GitHub differs from ORBIT_GITHUB_WEBHOOK_SECRET, or the body was altered.',
        );
      }
      const deliveryId = header(request.headers['x-github-delivery']);
      const event = header(request.headers['x-github-event']);
      if (!deliveryId || !event) {
        throw new OrbitError('webhook-headers-missing', 400, 'X-GitHub-Delivery and X-GitHub-Event are required.');
      }
      let payload: IssuesPayload;
      try {
        const text = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
          ? (new URLSearchParams(raw).get('payload') ?? '')
          : raw;
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        payload = parsed as IssuesPayload;
      } catch {
        throw new OrbitError('webhook-payload-invalid', 400, 'The webhook body is not a JSON object.');
      }
      const action = typeof payload.action === 'string' ? payload.action : null;
      if (!(await claimWebhookDelivery(opts.database, { deliveryId, event, action }))) {
        throw new OrbitError(
          'webhook-replayed',
          409,
          `Delivery ${deliveryId} was already received; a replayed delivery is not processed again.`,
          { deliveryId },
        );
      }
      const ignore = (reason: string) => reply.code(202).send({ accepted: false, deliveryId, reason });
      if (event === 'pull_request') {
        // Keeps the agent's pull-request records current: merged, closed, reopened, draft or ready.
        const pr = payload.pull_request;
        const repository = payload.repository?.full_name;
        if (!pr || typeof pr.number !== 'number' || !repository) return ignore('the payload has no pull request');
        const status = pr.merged ? 'merged' : pr.state === 'closed' ? 'closed' : pr.draft ? 'draft' : 'open';
        const updated = await setPullRequestStatus(opts.database, repository, pr.number, status);
        if (updated === 0) return ignore(`pull request ${repository}#${pr.number} was not opened by an agent run`);
        return reply.code(202).send({ accepted: true, deliveryId, status });
      }
      if (event !== 'issues') return ignore(`event "${event}" does not start runs`);
      if (action !== 'labeled') return ignore(`issues action "${action ?? ''}" does not start runs`);
      const label = payload.label?.name;
      if (label !== opts.triggerLabel) {
        return ignore(`label "${label ?? ''}" is not the trigger label "${opts.triggerLabel}"`);
      }
      const issue = payload.issue;
      const repo = payload.repository;
      if (!issue || typeof issue.number !== 'number' || !repo?.full_name || !repo.clone_url) {
        return ignore('the payload has no issue or repository');
      }
      if (issue.pull_request) return ignore('the labeled issue is a pull request');
      const title = issue.title ?? '';
      let run: { id: string };
      try {
        run = await opts.startRun({
          task: `${title}\n\n${issue.body ?? ''}`.trim(),
          repository: {
            fullName: repo.full_name,
            cloneUrl: repo.clone_url,
            defaultBranch: repo.default_branch ?? 'main',
          },
          issue: { number: issue.number, url: issue.html_url ?? '', title },
          deliveryId,
        });
      } catch (err) {
        // GitHub's "Redeliver" reuses the delivery id: forget it so a redelivery can start the run.
        await releaseWebhookDelivery(opts.database, deliveryId);
        throw err;
      }
      await setWebhookDeliveryRun(opts.database, deliveryId, run.id);
      return reply.code(202).send({ accepted: true, deliveryId, runId: run.id });
    },
  );
};
