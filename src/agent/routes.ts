import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { Database } from '../platform/db/client.ts';
import { OrbitError } from '../platform/errors.ts';
import {
  deleteForgeCredential,
  type ForgeCredential,
  getPullRequestByRun,
  listForgeCredentials,
  saveForgeCredential,
} from './store/index.ts';

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
export const agentRoutes: FastifyPluginAsyncTypebox<{ database: Database; encryptionKey: Buffer }> = async (
  app,
  opts,
) => {
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
      return {
        ...pr,
        createdAt: new Date(pr.createdAt).toISOString(),
        updatedAt: new Date(pr.updatedAt).toISOString(),
      };
    },
  );
};
