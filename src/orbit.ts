/**
 * The composition root: the one place that knows every part. It opens the platform (database, queue, engine),
 * registers each capability's executors and routes, and builds the server. Everything else receives what it
 * needs as arguments.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  agentRoutes,
  cleanupOptionsFromConfig,
  createAgentExecutor,
  createCleanupJob,
  githubRepoOf,
  githubWebhookPlugin,
  type WebhookRunInput,
} from './agent/index.ts';
import { createAnalysisExecutor } from './analysis/index.ts';
import { backendExecutor, backendRoutes, MAX_MODEL_BODY_BYTES } from './backendgen/index.ts';
import { demoExecutor } from './demo/index.ts';
import { createEmbedder, createLlmClient, type LlmClient, runUsage, usageRoutes } from './llm/index.ts';
import { ApiKeyStore } from './platform/auth/index.ts';
import { type Config, isLoopbackHost } from './platform/config.ts';
import { type Database, describeUrl, openDatabase } from './platform/db/client.ts';
import { captureError, startErrorTracking } from './platform/observability/errorTracking.ts';
import { createLogger } from './platform/observability/logger.ts';
import { startTracing } from './platform/observability/tracing.ts';
import { createJobQueue, type JobQueue, trackQueueDepth } from './platform/queue/index.ts';
import { createRateLimiter, parsePolicy, type RateLimiter } from './platform/ratelimit/index.ts';
import { ExecutorRegistry, RUN_QUEUE, RunEngine } from './platform/runs/index.ts';
import { Scheduler } from './platform/scheduler.ts';
import { loadSecrets } from './platform/secrets.ts';
import { buildApp } from './server/app.ts';
import type { HealthCheck } from './server/routes/health.ts';
import { version } from './version.ts';
import { createWorkflowExecutor, KnowledgeBase } from './workflowgen/index.ts';
import { MAX_DSL_BODY_BYTES, workflowRoutes } from './workflowgen/routes.ts';

/** The workflow knowledge base, ranking by meaning too when an embedding model is configured. */
export function knowledgeBase(config: Config, database: Database, logger?: Logger): KnowledgeBase {
  return new KnowledgeBase(database, {
    embedder: createEmbedder(config, { database }),
    onWarning: (message) => logger?.warn(message),
  });
}

/** The agent run kind. `any` local repository for the CLI on the user's own machine; the server's allowed roots otherwise. */
export function agentExecutor(
  config: Config,
  database: Database,
  options: { localRepositories?: 'allowed-roots' | 'any'; llm?: () => LlmClient } = {},
) {
  return createAgentExecutor({
    home: config.home,
    database,
    llm: options.llm ?? (() => createLlmClient(config, { database })),
    allowedRoots: options.localRepositories === 'any' ? 'any' : config.analysisRoots,
    limits: { maxSteps: config.agentMaxSteps, maxMinutes: config.agentMaxMinutes },
    github: { token: config.githubToken, apiUrl: config.githubApiUrl },
    encryptionKey: loadSecrets(config).encryptionKey,
  });
}

/** Every run kind Orbit knows. A capability adds its executor here. */
export function createRegistry(
  config: Config,
  database: Database,
  options: { localRepositories?: 'allowed-roots' | 'any' } = {},
): ExecutorRegistry {
  const registry = new ExecutorRegistry();
  registry.register(agentExecutor(config, database, options));
  registry.register(demoExecutor);
  registry.register(backendExecutor);
  registry.register(
    createAnalysisExecutor({
      allowedRoots: config.analysisRoots,
      maxRepoBytes: config.analysisMaxRepoMb * 1024 * 1024,
    }),
  );
  registry.register(
    createWorkflowExecutor({
      // Built per run, so a missing model fails that run with instructions rather than the server's start.
      llm: () => createLlmClient(config, { database }),
      knowledge: knowledgeBase(config, database),
    }),
  );
  return registry;
}

export function databaseLocation(config: Config): string {
  return config.databaseUrl
    ? `PostgreSQL at ${describeUrl(config.databaseUrl)}`
    : `PGlite in ${path.join(config.home, 'db')}`;
}

/** Opens (and migrates) the configured database: PostgreSQL when DATABASE_URL is set, else PGlite under ORBIT_HOME. */
export async function openConfiguredDatabase(config: Config): Promise<Database> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: path.join(config.home, 'db'),
    vector: Boolean(config.embeddingModel),
  });
  try {
    await database.migrate();
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  return database;
}

export interface Platform {
  config: Config;
  logger: Logger;
  database: Database;
  queue: JobQueue;
  engine: RunEngine;
  close(): Promise<void>;
}

/** Database, queue and run engine; with `workers`, this process also executes runs. */
export async function openPlatform(config: Config, options: { workers: boolean; logger?: Logger }): Promise<Platform> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const database = await openConfiguredDatabase(config);
  const seeded = await knowledgeBase(config, database, logger).seedBuiltins();
  if (seeded.rejected.length)
    logger.warn({ rejected: seeded.rejected }, 'some built-in example workflows were not loaded');
  const queue = createJobQueue(database);
  await queue.start();
  const scheduler = new Scheduler(queue);
  const engine = new RunEngine({
    database,
    registry: createRegistry(config, database),
    queue,
    artifactMaxBytes: config.artifactMaxBytes,
    defaultTimeoutMs: config.runTimeoutSeconds * 1000,
    heartbeatMs: config.heartbeatSeconds * 1000,
    logger,
  });
  trackQueueDepth(RUN_QUEUE, () => queue.depth(RUN_QUEUE));
  if (options.workers) {
    await engine.startWorkers(config.workerConcurrency);
    const cleanup = createCleanupJob({ database, home: config.home, ...cleanupOptionsFromConfig(config) });
    await scheduler.register(cleanup.name, cleanup.cron, async () => {
      await cleanup.runOnce();
    });
  }
  return {
    config,
    logger,
    database,
    queue,
    engine,
    async close() {
      await engine.stop();
      await queue.stop({ timeoutMs: 10_000 });
      await database.close();
    },
  };
}

export interface Server {
  platform: Platform;
  app: FastifyInstance;
  limiter: RateLimiter;
  url: string;
  close(): Promise<void>;
}

/** Starts the whole server: platform, optional workers, HTTP. */
export async function startServer(config: Config, options: { workers: boolean; logger?: Logger }): Promise<Server> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const tracing = await startTracing({ endpoint: config.otelEndpoint, serviceName: 'orbit', serviceVersion: version });
  const errors = await startErrorTracking({ dsn: config.sentryDsn, environment: 'production', release: version });
  const platform = await openPlatform(config, { workers: options.workers, logger });
  const secrets = loadSecrets(config);
  const keys = new ApiKeyStore(platform.database);
  const limiter = createRateLimiter({ redisUrl: config.redisUrl, policy: parsePolicy(config.rateLimits), logger });
  // Give the first Redis connection a moment, so a healthy server does not report itself degraded at boot.
  for (let waited = 0; config.redisUrl && !limiter.status().redisHealthy && waited < 2000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const allowAnonymousLocal = isLoopbackHost(config.host) && !config.requireAuth;

  const healthChecks: HealthCheck[] = [
    {
      name: 'database',
      required: true,
      async check() {
        const p = await platform.database.ping();
        return { ok: true, version: p.version, detail: databaseLocation(config) };
      },
    },
    {
      name: 'queue',
      required: true,
      async check() {
        const depth = await platform.queue.depth(RUN_QUEUE);
        return {
          ok: true,
          detail: `${depth} run(s) waiting; ${options.workers ? `${platform.engine.activeRuns} executing here` : 'no workers in this process'}`,
        };
      },
    },
    {
      name: 'rate-limit-store',
      required: false,
      async check() {
        const s = limiter.status();
        if (!s.redisConfigured) return { ok: true, detail: 'in-memory counters (REDIS_URL not set)' };
        return s.redisHealthy
          ? { ok: true, detail: 'Redis' }
          : {
              ok: false,
              detail: `Redis unreachable (${s.lastError ?? 'unknown error'}); limiting from memory until it returns`,
            };
      },
    },
  ];

  const app = await buildApp({
    logger,
    version,
    engine: platform.engine,
    keys,
    jwtSecret: secrets.jwtSecret,
    limiter,
    allowAnonymousLocal,
    trustedProxies: config.trustedProxies,
    corsOrigins: config.corsOrigins,
    metricsToken: config.metricsToken,
    healthChecks,
    routes: [
      { plugin: usageRoutes, options: { database: platform.database } },
      {
        plugin: agentRoutes,
        options: { database: platform.database, encryptionKey: secrets.encryptionKey, engine: platform.engine },
      },
      {
        plugin: githubWebhookPlugin,
        options: {
          database: platform.database,
          secret: config.githubWebhookSecret,
          triggerLabel: config.agentTriggerLabel,
          startRun: async (w: WebhookRunInput) => {
            const repo = githubRepoOf(w.repository.cloneUrl);
            const { run } = await platform.engine.submit({
              kind: 'agent',
              input: {
                repository: w.repository.cloneUrl,
                task: w.task,
                baseRef: w.repository.defaultBranch,
                ...(repo ? { github: repo } : {}),
                issue: { number: w.issue.number, url: w.issue.url },
              },
              owner: 'github-webhook',
              idempotencyKey: `github-delivery:${w.deliveryId}`,
            });
            return { id: run.id };
          },
        },
      },
      { plugin: backendRoutes },
      {
        plugin: workflowRoutes,
        options: { database: platform.database, knowledgeBase: knowledgeBase(config, platform.database, logger) },
      },
    ],
    startRoutes: [
      {
        path: '/v1/backends',
        kind: 'backend',
        summary: 'Generate a tested backend project (FastAPI or Fastify) from a JSON data model',
        bodyLimit: MAX_MODEL_BODY_BYTES,
      },
      {
        path: '/v1/analyses',
        kind: 'analysis',
        summary: 'Analyse a repository (a git URL, or a server path inside ORBIT_ALLOWED_ROOTS) with real tools',
      },
      {
        path: '/v1/agent/runs',
        kind: 'agent',
        summary:
          'Start the coding agent on a repository: it researches, asks and plans (waits for approval), implements, and opens a pull request',
      },
      {
        path: '/v1/workflows',
        kind: 'workflow',
        summary: 'Generate a Dify workflow from a plain-language request (or edit one)',
        bodyLimit: MAX_DSL_BODY_BYTES,
      },
    ],
    runUsage: async (runId): Promise<Record<string, number>> => {
      const t = await runUsage(platform.database, runId);
      if (t.calls === 0) return {};
      return {
        llmCalls: t.calls,
        llmFailedCalls: t.failedCalls,
        llmInputTokens: t.inputTokens,
        llmOutputTokens: t.outputTokens,
        llmCachedInputTokens: t.cachedInputTokens,
        llmCostMicros: t.costMicros,
        llmUnpricedCalls: t.unpricedCalls,
      };
    },
    onServerError: (err, request) =>
      captureError(err, {
        requestId: request.id,
        route: request.routeOptions.url,
        method: request.method,
        url: request.url,
        headers: request.headers,
        statusCode: 500,
      }),
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (allowAnonymousLocal) {
    logger.warn(
      `Listening on loopback only (${url}): requests without an API key act as a local admin. Bind to another address (ORBIT_HOST) and API keys are required.`,
    );
  } else {
    logger.info(
      `Listening on ${url}; every request needs an API key or token (create one with \`orbit keys create\`).`,
    );
  }
  return {
    platform,
    app,
    limiter,
    url,
    async close() {
      await app.close();
      await limiter.close();
      await platform.close();
      await errors.shutdown?.();
      await tracing.shutdown();
    },
  };
}
