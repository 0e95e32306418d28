import { type FastifyPluginAsyncTypebox, type TSchema, Type } from '@fastify/type-provider-typebox';
import type { Database } from '../platform/db/client.ts';
import { OrbitError } from '../platform/errors.ts';
import { isId } from '../platform/ids.ts';
import type { RunEngine } from '../platform/runs/index.ts';
import {
  deleteForgeCredential,
  type ForgeCredential,
  getPullRequestByRun,
  listForgeCredentials,
  saveForgeCredential,
} from './store/index.ts';
import { summarize } from './summary.ts';

const PullRequestSchema = Type.Object({
  runId: Type.String(),
  forge: Type.Union([Type.Literal('github'), Type.Literal('git')]),
  repository: Type.String({ description: 'owner/name on GitHub; the remote for a plain git push' }),
  number: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.Union([Type.String(), Type.Null()]),
  headBranch: Type.String(),
  baseBranch: Type.String(),
  status: Type.String({ description: 'open, draft, merged, closed; `pushed` for a plain git remote' }),
  title: Type.String(),
  draftReason: Type.Union([Type.String(), Type.Null()], { description: 'Why it was opened as a draft' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const AgentRunSchema = Type.Object({
  id: Type.String(),
  status: Type.String({ description: 'queued, running, waiting, succeeded, failed, cancelled' }),
  phase: Nullable(Type.String({ description: 'research, plan, implement, deliver; null before the agent started' })),
  waitingFor: Nullable(
    Type.Object(
      {
        key: Type.String(),
        kind: Type.String({
          description: '`question` (answer with text) or `approval` (approve, or text to change the plan)',
        }),
        prompt: Type.String(),
        options: Type.Optional(Type.Array(Type.String())),
      },
      { description: 'What the run asks of you while it is waiting: POST /v1/runs/:id/input answers it' },
    ),
  ),
  branch: Nullable(Type.String()),
  baseBranch: Nullable(Type.String()),
  testCommand: Nullable(Type.String()),
  plan: Nullable(Type.Object({ text: Type.String(), revision: Type.Integer(), approved: Type.Boolean() })),
  modelSteps: Type.Integer(),
  toolCalls: Type.Object({ total: Type.Integer(), failed: Type.Integer() }),
  questions: Type.Array(Type.Object({ question: Type.String(), answer: Nullable(Type.String()) })),
  tests: Nullable(
    Type.Object({ ok: Type.Boolean(), round: Type.Integer(), command: Type.String(), summary: Type.String() }),
  ),
  stopped: Nullable(Type.Object({ limit: Type.String(), reason: Type.String(), pushed: Type.Boolean() })),
  pullRequest: Nullable(PullRequestSchema),
  error: Nullable(Type.Object({ type: Type.String(), message: Type.String() }, { additionalProperties: true })),
  links: Type.Object({ run: Type.String(), events: Type.String(), pullRequest: Type.String() }),
});

const presentPullRequest = (pr: NonNullable<Awaited<ReturnType<typeof getPullRequestByRun>>>) => ({
  ...pr,
  createdAt: new Date(pr.createdAt).toISOString(),
  updatedAt: new Date(pr.updatedAt).toISOString(),
});

const CredentialSchema = Type.Object({
  id: Type.String({ description: 'Pass it as `credential` when starting an agent run' }),
  forge: Type.String(),
  name: Type.String(),
  owner: Type.String({ description: 'Who stored it' }),
  scopes: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

const presentCredential = (c: ForgeCredential) => ({ ...c, createdAt: new Date(c.createdAt).toISOString() });

/**
 * `GET /v1/agent/runs/:id/pull-request`: the pull request (or pushed branch) an agent run delivered. And the stored
 * forge tokens (admin only): kept AES-256-GCM-encrypted, never returned after they are stored.
 */
export const agentRoutes: FastifyPluginAsyncTypebox<{
  database: Database;
  encryptionKey: Buffer;
  engine: RunEngine;
}> = async (app, opts) => {
  app.get(
    '/v1/agent/runs/:id',
    {
      schema: {
        tags: ['agent'],
        summary: 'Where an agent run stands',
        description:
          "The phase, what it waits for (a question or the plan to approve), the plan, the questions and answers so far, the last test run, the branch and the pull request: folded from the run's event log.",
        params: Type.Object({ id: Type.String() }, { additionalProperties: false }),
        response: { 200: AgentRunSchema },
      },
      config: { auth: 'viewer' },
    },
    async (request) => {
      const id = request.params.id;
      const run = isId(id) ? await opts.engine.store.find(id) : null;
      if (run?.kind !== 'agent') {
        throw new OrbitError(
          'run-not-found',
          404,
          run
            ? `Run ${id} is a run of kind "${run.kind}", not an agent run: see /v1/runs/${id}.`
            : `No run with id "${id}" exists.`,
        );
      }
      const summary = summarize(await opts.engine.events.list(id, 0, 1_000_000));
      const pr = await getPullRequestByRun(opts.database, id);
      return {
        id,
        status: run.status,
        ...summary,
        pullRequest: pr ? presentPullRequest(pr) : null,
        error: run.error ?? null,
        links: {
          run: `/v1/runs/${id}`,
          events: `/v1/runs/${id}/events`,
          pullRequest: `/v1/agent/runs/${id}/pull-request`,
        },
      };
    },
  );

  app.post(
    '/v1/agent/credentials',
    {
      schema: {
        tags: ['agent'],
        summary: 'Store a GitHub token for agent runs (encrypted)',
        description:
          'The token is encrypted (AES-256-GCM) before it is stored and is never returned. Start a run with `"credential": "<id>"` to push and open pull requests with it; without one, runs use ORBIT_GITHUB_TOKEN.',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            token: Type.String({ minLength: 1, maxLength: 1000 }),
            forge: Type.Literal('github', { default: 'github' }),
            scopes: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CredentialSchema },
      },
      config: { auth: 'admin' },
    },
    async (request, reply) => {
      const c = await saveForgeCredential(opts.database, opts.encryptionKey, {
        forge: request.body.forge,
        name: request.body.name,
        owner: request.principal.id,
        token: request.body.token,
        scopes: request.body.scopes ?? null,
      });
      return reply.status(201).send(presentCredential(c));
    },
  );

  app.get(
    '/v1/agent/credentials',
    {
      schema: {
        tags: ['agent'],
        summary: 'List stored forge tokens (without the tokens)',
        response: { 200: Type.Object({ credentials: Type.Array(CredentialSchema) }) },
      },
      config: { auth: 'admin' },
    },
    async () => ({ credentials: (await listForgeCredentials(opts.database)).map(presentCredential) }),
  );

  app.delete(
    '/v1/agent/credentials/:id',
    {
      schema: {
        tags: ['agent'],
        summary: 'Delete a stored forge token',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }, { additionalProperties: false }),
      },
      config: { auth: 'admin' },
    },
    async (request, reply) => {
      if (!(await deleteForgeCredential(opts.database, request.params.id))) {
        throw new OrbitError('credential-not-found', 404, `No stored credential has the id "${request.params.id}".`);
      }
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/agent/runs/:id/pull-request',
    {
      schema: {
        tags: ['agent'],
        summary: "An agent run's pull request",
        description:
          'The pull request an agent run opened (GitHub) or the branch it pushed (a plain git remote): number, URL, branch, status. 404 until the run has delivered.',
        params: Type.Object({ id: Type.String() }, { additionalProperties: false }),
        response: { 200: PullRequestSchema },
      },
      config: { auth: 'member' },
    },
    async (request) => {
      const pr = await getPullRequestByRun(opts.database, request.params.id);
      if (!pr) {
        throw new OrbitError(
          'pull-request-not-found',
          404,
          `Run ${request.params.id} has no pull request (yet): an agent run records one when it delivers. Follow /v1/runs/${request.params.id}/events.`,
        );
      }
      return presentPullRequest(pr);
    },
  );
};
