import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeyStore } from '../platform/auth/index.ts';
import type { RateLimiter } from '../platform/ratelimit/index.ts';
import type { RunEngine } from '../platform/runs/index.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { rateLimitPlugin } from './plugins/rateLimit.ts';
import { genReqId, requestContextPlugin } from './plugins/requestContext.ts';
import { type HealthCheck, healthRoutes } from './routes/health.ts';
import { keysRoutes } from './routes/keys.ts';
import { type RunStartRoute, runsRoutes } from './routes/runs.ts';
import { ArtifactSchema, ProblemSchema, RunEventSchema, RunSchema } from './schemas.ts';
import './types.ts';
import { validatorCompiler } from './validation.ts';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A capability's routes, registered like the platform's own. */
export interface RouteModule {
  // biome-ignore lint/suspicious/noExplicitAny: plugins carry their own option types; the root only forwards them.
  plugin: FastifyPluginAsync<any>;
  options?: Record<string, unknown>;
}

export interface AppDeps {
  logger: Logger;
  version: string;
  engine: RunEngine;
  keys: ApiKeyStore;
  jwtSecret: Uint8Array | string;
  limiter: RateLimiter;
  /** Requests without credentials act as a local admin (loopback-only servers). */
  allowAnonymousLocal: boolean;
  trustedProxies: string[];
  corsOrigins: string[];
  metricsToken?: string | undefined;
  healthChecks: HealthCheck[];
  routes?: RouteModule[];
  /** Capability endpoints that start runs (e.g. POST /v1/workflows). */
  startRoutes?: RunStartRoute[];
  /** Extra usage counters of a run (LLM tokens and cost from the ledger), shown on GET /v1/runs/:id. */
  runUsage?: (runId: string) => Promise<Record<string, number>>;
  onServerError?: (err: unknown, request: FastifyRequest) => void;
}

/** Assembles the HTTP server: cross-cutting plugins first (order matters for hooks), then routes. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId,
    requestIdHeader: false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Only JSON bodies are accepted; anything else is a 415 rather than a confusing schema error.
  app.removeContentTypeParser('text/plain');
  for (const schema of [ProblemSchema, RunSchema, RunEventSchema, ArtifactSchema]) app.addSchema(schema);

  await app.register(errorsPlugin, { onServerError: deps.onServerError });
  await app.register(requestContextPlugin);
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(cors, { origin: deps.corsOrigins.length ? deps.corsOrigins : false });
  await app.register(metricsPlugin, { metricsToken: deps.metricsToken });
  await app.register(authPlugin, {
    keys: deps.keys,
    jwtSecret: deps.jwtSecret,
    allowAnonymousLocal: deps.allowAnonymousLocal,
  });
  await app.register(rateLimitPlugin, { limiter: deps.limiter, trustedProxies: deps.trustedProxies });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Orbit API',
        version: deps.version,
        description:
          'Runs of every kind (analysis, backend, workflow, agent) with their events and artifacts. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (orbit_…) or a token from POST /v1/auth/token',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.addHook('onRoute', (route) => {
    // The API reference is for everyone, and not worth rate-limiting.
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), auth: 'public', rateLimit: false };
    // Public routes need no credentials: say so in the OpenAPI document too.
    if (route.config?.auth === 'public' && route.schema) route.schema = { ...route.schema, security: [] };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'public', rateLimit: false } }, async () =>
    app.swagger(),
  );

  await app.register(healthRoutes, { checks: deps.healthChecks, version: deps.version });
  await app.register(runsRoutes, { engine: deps.engine, runUsage: deps.runUsage, startRoutes: deps.startRoutes });
  await app.register(keysRoutes, { keys: deps.keys, jwtSecret: deps.jwtSecret });
  for (const r of deps.routes ?? []) await app.register(r.plugin, r.options ?? {});

  return app as unknown as FastifyInstance;
}
