import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

/** One part the server depends on, as a health check sees it. */
export interface HealthCheck {
  name: string;
  /** A required part that is down makes the server not ready (503); an optional one only degrades it. */
  required: boolean;
  check(): Promise<{ ok: boolean; detail?: string; version?: string }>;
}

export interface HealthRoutesOptions {
  checks: HealthCheck[];
  version: string;
}

const ComponentSchema = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  required: Type.Boolean(),
  latencyMs: Type.Number(),
  detail: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
});

const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  components: Type.Array(Type.Omit(ComponentSchema, ['version'])),
});

const PUBLIC = { auth: 'public', rateLimit: false } as const;
const CHECK_TIMEOUT_MS = 3000;

async function runCheck(c: HealthCheck) {
  const started = performance.now();
  let result: { ok: boolean; detail?: string; version?: string };
  try {
    result = await Promise.race([
      c.check(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref(),
      ),
    ]);
  } catch (err) {
    result = { ok: false, detail: (err as Error).message };
  }
  return {
    name: c.name,
    status: result.ok ? ('up' as const) : ('down' as const),
    required: c.required,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    ...(result.detail ? { detail: result.detail } : {}),
    ...(result.version ? { version: result.version } : {}),
  };
}

/** `/health` (up), `/health/live` (can serve), `/health/ready` (dependencies), `/health/detailed` (admin). */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, opts) => {
  const started = Date.now();

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
      config: PUBLIC,
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'The process can serve requests (liveness)',
        response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeSeconds: Type.Number() }) },
      },
      config: PUBLIC,
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Dependencies are reachable (readiness)',
        description:
          '503 when a required part (database, queue) is down; `degraded` when an optional one (Redis) is down and the server runs on its fallback.',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
      config: PUBLIC,
    },
    async (_request, reply) => {
      const components = await Promise.all(opts.checks.map(runCheck));
      const requiredDown = components.some((c) => c.required && c.status === 'down');
      const optionalDown = components.some((c) => !c.required && c.status === 'down');
      const status = requiredDown ? 'unavailable' : optionalDown ? 'degraded' : 'ready';
      return reply
        .status(requiredDown ? 503 : 200)
        .send({ status, components: components.map(({ version: _v, ...c }) => c) });
    },
  );

  app.get(
    '/health/detailed',
    {
      schema: {
        tags: ['health'],
        summary: 'Each component with latency and version (admin)',
        response: {
          200: Type.Object({
            status: Type.String(),
            version: Type.String(),
            node: Type.String(),
            uptimeSeconds: Type.Number(),
            memory: Type.Object({ rssBytes: Type.Number(), heapUsedBytes: Type.Number() }),
            components: Type.Array(ComponentSchema),
          }),
        },
      },
      config: { auth: 'admin', rateLimit: false },
    },
    async () => {
      const components = await Promise.all(opts.checks.map(runCheck));
      const requiredDown = components.some((c) => c.required && c.status === 'down');
      const mem = process.memoryUsage();
      return {
        status: requiredDown ? 'unavailable' : components.some((c) => c.status === 'down') ? 'degraded' : 'ready',
        version: opts.version,
        node: process.version,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
        components,
      };
    },
  );
};
