import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { backendMetrics } from './metrics.ts';
import { ModelSchema } from './model/types.ts';
import { planMarkdown, planModel } from './plan/index.ts';
import { TARGETS } from './targets/index.ts';
import { DEFAULT_LIMITS, validateModel } from './validate/index.ts';

/** The largest request body: a model at its size limit, plus room for the wrapper of `POST /v1/backends`. */
export const MAX_MODEL_BODY_BYTES = DEFAULT_LIMITS.maxBytes + 64 * 1024;

const ModelErrorSchema = Type.Object({
  pointer: Type.String({ description: 'JSON pointer into the model' }),
  code: Type.String({ description: 'Stable error code, listed in docs/backend.md' }),
  message: Type.String(),
  hint: Type.String({ description: 'How to fix it' }),
});

const ValidateResponse = Type.Object({
  valid: Type.Boolean(),
  errors: Type.Array(ModelErrorSchema),
  summary: Type.Optional(
    Type.Object({
      tables: Type.Integer(),
      joinTables: Type.Integer(),
      relationships: Type.Integer(),
      buildOrder: Type.Array(Type.String()),
      warnings: Type.Array(Type.String()),
    }),
  ),
  planMarkdown: Type.Optional(Type.String()),
});

/** The published JSON Schema of the model, for editors (`"$schema"` in a model file). */
export function modelJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(ModelSchema)) };
}

/**
 * `POST /v1/backends/validate`: the validator, synchronous (an invalid model is a 200 with `valid: false` and every
 * error; JSON that does not parse is a 400), and `GET /v1/backends/schema`. Generation itself is a run:
 * `POST /v1/backends`.
 */
export const backendRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/backends/validate',
    {
      bodyLimit: MAX_MODEL_BODY_BYTES,
      config: { auth: 'viewer', rateLimit: 'validation' },
      schema: {
        tags: ['backends'],
        summary: 'Validate a backend data model and preview its plan',
        description:
          'The body is the model itself (application/json). Every problem comes back at once, each with a JSON pointer into the model, a code and a hint. With a valid model, the response adds a summary of the plan and the plan as Markdown.',
        body: Type.Unknown({ description: 'The data model (see GET /v1/backends/schema)' }),
        response: { 200: ValidateResponse },
      },
    },
    async (request) => {
      const v = validateModel(request.body);
      backendMetrics.validations.inc({ result: v.valid ? 'valid' : 'invalid' });
      if (!v.valid) return { valid: false, errors: v.errors };
      const plan = planModel(v.model, Object.values(TARGETS));
      return {
        valid: true,
        errors: [],
        summary: {
          tables: plan.tables.filter((t) => !t.isJoinTable).length,
          joinTables: plan.tables.filter((t) => t.isJoinTable).length,
          relationships: v.model.relationships?.length ?? 0,
          buildOrder: plan.buildOrder,
          warnings: plan.warnings,
        },
        planMarkdown: planMarkdown(plan),
      };
    },
  );

  app.get(
    '/v1/backends/schema',
    {
      config: { auth: 'viewer' },
      schema: {
        tags: ['backends'],
        summary: 'The JSON Schema of the backend data model',
        response: { 200: Type.Unknown() },
      },
    },
    async (_request, reply) => reply.type('application/schema+json').send(modelJsonSchema()),
  );
};
