import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { Database } from '../platform/db/client.ts';
import { OrbitError } from '../platform/errors.ts';
import { getPullRequestByRun } from './store/index.ts';

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

/** `GET /v1/agent/runs/:id/pull-request`: the pull request (or pushed branch) an agent run delivered. */
export const agentRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (app, opts) => {
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
