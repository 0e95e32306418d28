import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { Database } from '../platform/db/client.ts';
import { ValidationError } from '../platform/errors.ts';
import { summarizeUsage } from './ledger.ts';

const UsageQuery = Type.Object(
  {
    groupBy: Type.Union([Type.Literal('day'), Type.Literal('model'), Type.Literal('kind'), Type.Literal('key')], {
      default: 'day',
      description: 'day (UTC), model (provider:model), kind (run kind) or key (API key id).',
    }),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive lower bound (ISO-8601).' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive upper bound (ISO-8601).' })),
  },
  { additionalProperties: false },
);

const UsageRowSchema = Type.Object({
  key: Type.Union([Type.String(), Type.Null()]),
  calls: Type.Integer(),
  failedCalls: Type.Integer(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  cachedInputTokens: Type.Integer(),
  cacheWriteTokens: Type.Integer(),
  costMicros: Type.Integer({ description: 'USD micro-dollars of priced calls.' }),
  costUsd: Type.Number(),
  unpricedCalls: Type.Integer({ description: 'Calls to models without a price: tokens counted, cost unknown.' }),
});

const UsageResponse = Type.Object({
  groupBy: Type.String(),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  rows: Type.Array(UsageRowSchema),
});

export interface UsageRoutesOptions {
  database: Database;
}

/** `GET /v1/usage`: LLM usage and cost summarised by day, model, run kind or API key. */
export const usageRoutes: FastifyPluginAsyncTypebox<UsageRoutesOptions> = async (app, options) => {
  app.get(
    '/v1/usage',
    {
      config: { auth: 'viewer' },
      schema: {
        summary: 'LLM usage and cost',
        tags: ['usage'],
        querystring: UsageQuery,
        response: { 200: UsageResponse },
      },
    },
    async (request) => {
      const { groupBy, from, to } = request.query;
      const fromDate = from ? new Date(from) : undefined;
      const toDate = to ? new Date(to) : undefined;
      if (fromDate && toDate && fromDate >= toDate) {
        throw new ValidationError('`from` must be before `to`.', [
          { pointer: '/from', message: `${from} is not before ${to}` },
        ]);
      }
      const rows = await summarizeUsage(options.database, { groupBy, from: fromDate, to: toDate });
      return {
        groupBy,
        from: fromDate?.toISOString() ?? null,
        to: toDate?.toISOString() ?? null,
        rows: rows.map((r) => ({ ...r, costUsd: r.costMicros / 1_000_000 })),
      };
    },
  );
};
