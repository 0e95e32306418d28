import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Database } from '../platform/db/client.ts';
import { OrbitError } from '../platform/errors.ts';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_TARGET_VERSION,
  TARGET_VERSIONS,
  type TargetVersion,
  validateDsl,
} from './dsl/index.ts';
import {
  DEFAULT_SEARCH_LIMIT,
  KB_MODES,
  KnowledgeBase,
  type KnowledgeEntry,
  MAX_SEARCH_LIMIT,
} from './kb/knowledgeBase.ts';
import { isUnreadable, unreadableDslError } from './kb/problems.ts';
import { countValidationErrors } from './metrics.ts';

export interface WorkflowRoutesOptions {
  database: Database;
  /** Share one with the rest of the server; made from `database` when absent. */
  knowledgeBase?: KnowledgeBase | undefined;
}

/** Dify's own import limit; also the body limit of the routes that take a DSL. */
export const MAX_DSL_BODY_BYTES = DEFAULT_MAX_BYTES;
const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'];
const JSON_TYPE = 'application/json';

const TargetVersionSchema = Type.Union(
  TARGET_VERSIONS.map((v) => Type.Literal(v)),
  { description: `DSL version to validate for: 0.6.0 (Dify ≤ 1.15, default) or 0.7.0 (Dify ≥ 1.16)` },
);

const IssueSchema = Type.Object({
  rule: Type.String({ description: 'Stable rule id, documented in docs/workflows.md' }),
  path: Type.String({ description: 'JSON pointer into the DSL document' }),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ minimum: 1 })),
  column: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** A problem whose `errors` may carry a DSL finding's `rule`, `line` and `column` next to `pointer` and `message`. */
const DslProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() }, { additionalProperties: true })),
    ),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details; for a DSL, `errors[].pointer` points into it' },
);

const ValidateJsonBody = Type.Object(
  {
    dsl: Type.String({ minLength: 1, description: 'The DSL as YAML text' }),
    targetVersion: Type.Optional(TargetVersionSchema),
  },
  { additionalProperties: false },
);

const ValidateResponse = Type.Object({
  valid: Type.Boolean({ description: 'True when there are no errors; warnings never make a file invalid' }),
  targetVersion: TargetVersionSchema,
  errors: Type.Array(IssueSchema),
  warnings: Type.Array(IssueSchema),
});

const EntrySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  mode: Type.String({ description: 'workflow or advanced-chat' }),
  nodeTypes: Type.Array(Type.String()),
  patterns: Type.Array(Type.String(), { description: 'e.g. branching, iteration, loop, rag, http, code, parallel' }),
  source: Type.String({ description: '`builtin:<file>` for a shipped example, `user` for one a user added' }),
  licence: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

const WorkflowSchema = Type.Composite([EntrySchema, Type.Object({ dsl: Type.String() })]);

const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 500, description: 'Search words (websearch syntax); empty lists all' })),
    mode: Type.Optional(Type.Union(KB_MODES.map((m) => Type.Literal(m)))),
    limit: Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 20 }),
  },
  { additionalProperties: false },
);

const SearchResponse = Type.Object({
  query: Type.Union([Type.String(), Type.Null()]),
  strategy: Type.Union(
    ['list', 'fulltext', 'any-word', 'structure', 'all', 'hybrid', 'none'].map((s) => Type.Literal(s)),
    {
      description:
        'list: no query; fulltext: every word; any-word: some words; structure: node types/patterns named; all: the query had only stop-words; none: nothing matched',
    },
  ),
  results: Type.Array(Type.Composite([EntrySchema, Type.Object({ score: Type.Optional(Type.Number()) })])),
});

const AddBody = Type.Object(
  {
    dsl: Type.String({ minLength: 1, description: 'The DSL as YAML text' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Overrides the app's name" })),
    description: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: "Overrides the app's description" }),
    ),
    licence: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Terms others may reuse it under' }),
    ),
    targetVersion: Type.Optional(TargetVersionSchema),
  },
  { additionalProperties: false },
);

const AddResponse = Type.Composite([
  WorkflowSchema,
  Type.Object({ created: Type.Boolean(), warnings: Type.Array(IssueSchema) }),
]);

const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 100, description: 'Knowledge entry id' }) },
  { additionalProperties: false },
);

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A body in a media type the route does not read is a 415 that names what it does read. */
function requireMediaType(accepted: string[], hint: string) {
  return async (request: FastifyRequest) => {
    const type = mediaType(request);
    if (!accepted.includes(type)) {
      throw new OrbitError(
        'unsupported-media-type',
        415,
        `${type ? `Content-Type "${type}" is` : 'A body without Content-Type is'} not accepted here; ${hint}`,
      );
    }
  };
}

function entryOnly(e: KnowledgeEntry): KnowledgeEntry {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    mode: e.mode,
    nodeTypes: e.nodeTypes,
    patterns: e.patterns,
    source: e.source,
    licence: e.licence,
    createdAt: e.createdAt,
  };
}

/**
 * `POST /v1/workflows/validate` (the validator, synchronous) and `/v1/knowledge` (the workflow knowledge base:
 * search, read, add, delete). Register with `{ database }`; seeding the shipped examples is the server's start-up job.
 */
export const workflowRoutes: FastifyPluginAsyncTypebox<WorkflowRoutesOptions> = async (app, opts) => {
  const kb = opts.knowledgeBase ?? new KnowledgeBase(opts.database);

  // Raw YAML bodies, for `curl --data-binary @app.yml -H 'content-type: application/yaml'`. Scoped to this plugin.
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: MAX_DSL_BODY_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/v1/workflows/validate',
    {
      bodyLimit: MAX_DSL_BODY_BYTES,
      config: { auth: 'viewer', rateLimit: 'validation' },
      preParsing: requireMediaType(
        [JSON_TYPE, ...YAML_TYPES],
        'send the DSL as application/yaml (or text/yaml), or JSON {"dsl": "...", "targetVersion": "0.6.0"}.',
      ),
      schema: {
        tags: ['workflows'],
        summary: 'Validate a Dify workflow DSL',
        description:
          'Checks structure and graph the way Dify does and more (docs/workflows.md lists every rule). Send the YAML as the body (`application/yaml`, `text/yaml`) or as JSON `{ dsl, targetVersion? }`. An invalid DSL is a 200 with `valid: false`; text that is not readable YAML (syntax error, duplicate key, alias bomb) is a 400 whose detail gives line and column.',
        querystring: Type.Object(
          { targetVersion: Type.Optional(TargetVersionSchema) },
          { additionalProperties: false },
        ),
        body: {
          content: {
            [JSON_TYPE]: { schema: ValidateJsonBody },
            ...Object.fromEntries(YAML_TYPES.map((t) => [t, { schema: Type.String({ description: 'The DSL' }) }])),
          },
        },
        response: { 200: ValidateResponse, 400: DslProblemSchema, 413: DslProblemSchema },
      },
    },
    async (request) => {
      const body = request.body as string | { dsl: string; targetVersion?: TargetVersion };
      const text = typeof body === 'string' ? body : body.dsl;
      const fromBody = typeof body === 'string' ? undefined : body.targetVersion;
      const fromQuery = request.query.targetVersion;
      if (fromBody && fromQuery && fromBody !== fromQuery) {
        throw new OrbitError(
          'conflicting-target-version',
          400,
          `targetVersion is ${fromQuery} in the query but ${fromBody} in the body; give it once.`,
          { errors: [{ pointer: '/querystring/targetVersion', message: `differs from /body/targetVersion` }] },
        );
      }
      const targetVersion = fromBody ?? fromQuery ?? DEFAULT_TARGET_VERSION;
      const result = validateDsl(text, { targetVersion });
      countValidationErrors(result.errors);
      if (isUnreadable(result.errors)) throw unreadableDslError(result.errors);
      return { valid: result.valid, targetVersion, errors: result.errors, warnings: result.warnings };
    },
  );

  app.get(
    '/v1/knowledge',
    {
      config: { auth: 'viewer' },
      schema: {
        tags: ['knowledge'],
        summary: 'Search or list the workflow knowledge base',
        description:
          'With `q`: PostgreSQL full-text search over names, descriptions, node titles, prompts and node-type/pattern words, best first; when every word cannot match, any word; then node types and patterns the query names. Without `q` (or a blank one): every entry, newest first.',
        querystring: SearchQuery,
        response: { 200: SearchResponse },
      },
    },
    async (request) => {
      const { q, mode, limit } = request.query;
      const query = q?.trim() ?? '';
      if (query === '') {
        const entries = await kb.list({ mode, limit });
        return { query: null, strategy: 'list', results: entries.map(entryOnly) };
      }
      const hits = await kb.search(query, { limit: limit ?? DEFAULT_SEARCH_LIMIT, mode });
      return {
        query,
        strategy: hits[0]?.matchedBy ?? 'none',
        results: hits.map((h) => ({ ...entryOnly(h), score: h.score })),
      };
    },
  );

  app.get(
    '/v1/knowledge/:id',
    {
      config: { auth: 'viewer' },
      schema: {
        tags: ['knowledge'],
        summary: 'Get a knowledge-base workflow with its DSL',
        params: IdParams,
        response: { 200: WorkflowSchema },
      },
    },
    async (request) => kb.get(request.params.id),
  );

  app.post(
    '/v1/knowledge',
    {
      bodyLimit: MAX_DSL_BODY_BYTES,
      config: { auth: 'member', rateLimit: 'validation' },
      preParsing: requireMediaType([JSON_TYPE], 'send JSON {"dsl": "...", "name"?: "...", "description"?: "..."}.'),
      schema: {
        tags: ['knowledge'],
        summary: 'Add a workflow to the knowledge base',
        description:
          'The DSL is validated first; an invalid one is a 400 listing every error (`errors[].pointer` points into the DSL). Adding a DSL that is already there returns the existing entry with 200 and `created: false`; a new one is a 201.',
        body: AddBody,
        response: { 200: AddResponse, 201: AddResponse, 400: DslProblemSchema, 413: DslProblemSchema },
      },
    },
    async (request, reply) => {
      const { dsl, name, description, licence, targetVersion } = request.body;
      const { entry, created, warnings } = await kb.add({
        dsl,
        source: 'user',
        name,
        description,
        licence,
        targetVersion,
      });
      reply.header('location', `/v1/knowledge/${entry.id}`);
      return reply.status(created ? 201 : 200).send({ ...entry, created, warnings });
    },
  );

  app.delete(
    '/v1/knowledge/:id',
    {
      config: { auth: 'member' },
      schema: {
        tags: ['knowledge'],
        summary: 'Delete a workflow a user added',
        description: 'Shipped examples (`source: builtin:…`) cannot be deleted: 409.',
        params: IdParams,
      },
    },
    async (request, reply) => {
      await kb.remove(request.params.id);
      return reply.status(204).send();
    },
  );
};
