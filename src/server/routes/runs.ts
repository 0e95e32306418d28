import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OrbitError } from '../../platform/errors.ts';
import { isId } from '../../platform/ids.ts';
import { type Run, type RunEngine, type RunEvent, TERMINAL_EVENT_TYPES } from '../../platform/runs/index.ts';
import { ArtifactSchema, problems, RunEventSchema, RunSchema, RunStatusSchema } from '../schemas.ts';

/**
 * A capability's own "start a run" endpoint, e.g. `POST /v1/workflows` for kind `workflow`: the body is the run's
 * input (documented with the executor's schema), and the answer is the same 202 run as `POST /v1/runs`.
 */
export interface RunStartRoute {
  path: string;
  kind: string;
  summary: string;
  /** Default 1 MB; 10 MB for uploads such as data models and DSL files. */
  bodyLimit?: number;
}

export interface RunsRoutesOptions {
  engine: RunEngine;
  startRoutes?: RunStartRoute[];
  /** Extra usage counters for one run (e.g. LLM tokens and cost), merged into `usage` on GET /v1/runs/:id. */
  runUsage?: ((runId: string) => Promise<Record<string, number>>) | undefined;
  /** Seconds between SSE keep-alive comments. */
  sseKeepAliveSeconds?: number;
}

const IdParams = Type.Object({ id: Type.String({ description: 'Run id' }) }, { additionalProperties: false });

export function runLinks(id: string) {
  return { self: `/v1/runs/${id}`, events: `/v1/runs/${id}/events`, artifacts: `/v1/runs/${id}/artifacts` };
}

export function presentRun(run: Run) {
  const { workerId: _worker, ...rest } = run;
  return { ...rest, links: runLinks(run.id) };
}

function checkId(id: string) {
  if (!isId(id)) throw new OrbitError('run-not-found', 404, `No run with id "${id}" exists (run ids are UUIDs).`);
}

/** Runs of every kind: start, list, read, cancel, follow events, download artifacts. */
export const runsRoutes: FastifyPluginAsyncTypebox<RunsRoutesOptions> = async (app, opts) => {
  const { engine } = opts;

  /** Submits a run for the caller: 202 with Location, or 200 when an Idempotency-Key replays an earlier one. */
  async function startRun(request: FastifyRequest, reply: FastifyReply, kind: string, input: unknown) {
    const { run, created } = await engine.submit({
      kind,
      input,
      owner: request.principal.id,
      idempotencyKey: request.headers['idempotency-key'] as string | undefined,
    });
    reply.header('location', `/v1/runs/${run.id}`);
    if (!created) reply.header('idempotent-replayed', 'true');
    return reply.status(created ? 202 : 200).send(presentRun(run));
  }

  app.post(
    '/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Start a run',
        description:
          "Validates `input` against the kind's schema, stores the run and queues it. Send an `Idempotency-Key` header to make a retried POST return the same run.",
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        body: Type.Object(
          {
            kind: Type.String({ minLength: 1, maxLength: 100, description: 'Run kind, e.g. `demo`' }),
            input: Type.Unknown({ description: 'Input for the kind; see GET /v1/run-kinds' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: RunSchema, 202: RunSchema, ...problems(400, 401, 403, 409, 413, 415, 429) },
      },
      config: { auth: 'member' },
    },
    async (request, reply) => {
      const tier = engine.registry.get(request.body.kind).rateLimitTier;
      if (tier) await request.limitTier(tier, reply);
      return startRun(request, reply, request.body.kind, request.body.input);
    },
  );

  for (const route of opts.startRoutes ?? []) {
    const def = engine.registry.get(route.kind);
    app.post(
      route.path,
      {
        schema: {
          tags: ['runs'],
          summary: route.summary,
          description: `${def.description} Starts a run of kind \`${route.kind}\`; follow it at \`/v1/runs/{id}/events\`. Same as POST /v1/runs with \`{"kind":"${route.kind}","input":…}\`.`,
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
          body: def.inputSchema,
          response: { 200: RunSchema, 202: RunSchema, ...problems(400, 401, 403, 409, 413, 415, 429) },
        },
        bodyLimit: route.bodyLimit,
        config: { auth: 'member', ...(def.rateLimitTier ? { rateLimit: def.rateLimitTier } : {}) },
      },
      async (request, reply) => {
        return startRun(request, reply, route.kind, request.body);
      },
    );
  }

  app.get(
    '/v1/run-kinds',
    {
      schema: {
        tags: ['runs'],
        summary: 'List run kinds and their input schemas',
        response: {
          200: Type.Object({
            kinds: Type.Array(
              Type.Object({ kind: Type.String(), description: Type.String(), inputSchema: Type.Unknown() }),
            ),
          }),
        },
      },
      config: { auth: 'viewer' },
    },
    async () => ({
      kinds: engine.registry.kinds().map((kind) => {
        const def = engine.registry.get(kind);
        return { kind, description: def.description, inputSchema: def.inputSchema };
      }),
    }),
  );

  app.get(
    '/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'List runs, newest first',
        querystring: Type.Object(
          {
            kind: Type.Optional(Type.String()),
            status: Type.Optional(RunStatusSchema),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            cursor: Type.Optional(Type.String({ description: 'The `nextCursor` of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ runs: Type.Array(RunSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...problems(400, 401, 403, 429),
        },
      },
      config: { auth: 'viewer' },
    },
    async (request) => {
      const { kind, status, limit, cursor } = request.query;
      if (cursor !== undefined && !isId(cursor)) {
        throw new OrbitError(
          'invalid-cursor',
          400,
          'The cursor is not one this API handed out; pass `nextCursor` unchanged.',
          {
            errors: [{ pointer: '/querystring/cursor', message: 'must be a nextCursor value' }],
          },
        );
      }
      const rows = await engine.store.list({ kind, status, limit: limit + 1, before: cursor });
      const page = rows.slice(0, limit);
      return { runs: page.map(presentRun), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'Get a run',
        params: IdParams,
        response: { 200: RunSchema, ...problems(401, 403, 404, 429) },
      },
      config: { auth: 'viewer' },
    },
    async (request) => {
      checkId(request.params.id);
      const run = await engine.store.get(request.params.id);
      const extra = opts.runUsage ? await opts.runUsage(run.id) : {};
      return presentRun({ ...run, usage: { ...run.usage, ...extra } });
    },
  );

  app.post(
    '/v1/runs/:id/cancel',
    {
      schema: {
        tags: ['runs'],
        summary: 'Cancel a run',
        description:
          'A queued or waiting run is cancelled at once; a running one receives an abort signal and becomes `cancelled` when its executor stops. Cancelling a finished run is a 409.',
        params: IdParams,
        response: { 202: RunSchema, ...problems(401, 403, 404, 409, 429) },
      },
      config: { auth: 'member' },
    },
    async (request, reply) => {
      checkId(request.params.id);
      return reply.status(202).send(presentRun(await engine.cancel(request.params.id)));
    },
  );

  app.post(
    '/v1/runs/:id/input',
    {
      schema: {
        tags: ['runs'],
        summary: 'Answer a waiting run (a question or an approval), or leave a working run a note',
        description:
          'A `waiting` run asks something (its `input.requested` event says what): answer a question with `text`; approve a plan with `{"approve": true}`, or send `text` saying what to change. The run is queued again and continues where it stopped. A queued or running run takes `text` as a note it reads at its next step. To stop a run instead, cancel it.',
        params: IdParams,
        body: Type.Object(
          {
            text: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000 })),
            approve: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({ run: RunSchema, answered: Type.Union([Type.String(), Type.Null()]) }),
          ...problems(400, 401, 403, 404, 409, 429),
        },
      },
      config: { auth: 'member' },
    },
    async (request, reply) => {
      checkId(request.params.id);
      const r = await engine.provideInput(request.params.id, { ...request.body, by: request.principal.id });
      return reply.status(202).send({ run: presentRun(r.run), answered: r.answered });
    },
  );

  app.get(
    '/v1/runs/:id/events',
    {
      schema: {
        tags: ['runs'],
        summary: "Follow a run's events (Server-Sent Events, or JSON with Accept: application/json)",
        description:
          "Streams every event after `Last-Event-ID` (or `?after=`) and then live ones; the stream ends after the run finishes. Each SSE message has `id` = the event's gapless sequence number, so a reconnecting client misses nothing and sees nothing twice.",
        params: IdParams,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$' })) }),
        querystring: Type.Object(
          { after: Type.Optional(Type.Integer({ minimum: 0 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ events: Type.Array(RunEventSchema) }), ...problems(400, 401, 403, 404, 429) },
      },
      config: { auth: 'viewer' },
    },
    async (request, reply) => {
      checkId(request.params.id);
      const run = await engine.store.get(request.params.id);
      const header = request.headers['last-event-id'];
      const after = header !== undefined ? Number(header) : (request.query.after ?? 0);
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        return { events: await engine.events.list(run.id, after, 10_000) };
      }
      return streamEvents(request.raw, reply, engine, run.id, after, request.id, opts.sseKeepAliveSeconds ?? 15);
    },
  );

  app.get(
    '/v1/runs/:id/artifacts',
    {
      schema: {
        tags: ['runs'],
        summary: "List a run's artifacts",
        params: IdParams,
        response: { 200: Type.Object({ artifacts: Type.Array(ArtifactSchema) }), ...problems(401, 403, 404, 429) },
      },
      config: { auth: 'viewer' },
    },
    async (request) => {
      checkId(request.params.id);
      const run = await engine.store.get(request.params.id);
      const list = await engine.artifacts.list(run.id);
      return {
        artifacts: list.map((a) => ({ ...a, href: `/v1/runs/${run.id}/artifacts/${encodeURIComponent(a.name)}` })),
      };
    },
  );

  app.get(
    '/v1/runs/:id/artifacts/:name',
    {
      schema: {
        tags: ['runs'],
        summary: 'Download an artifact with its content type',
        params: Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false }),
        response: { ...problems(400, 401, 403, 404, 429) },
      },
      config: { auth: 'viewer' },
    },
    async (request, reply) => {
      checkId(request.params.id);
      const a = await engine.artifacts.get(request.params.id, request.params.name);
      reply.header('content-type', a.contentType);
      reply.header('content-length', String(a.size));
      reply.header('etag', `"${a.sha256}"`);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('content-disposition', `attachment; filename="${a.name}"`);
      return reply.send(a.data);
    },
  );
};

/**
 * Writes SSE by hand on the raw socket: `id` is the event's sequence number, so `Last-Event-ID` resumes exactly.
 * Ends after a terminal event, or at once if the run already finished and everything was sent.
 */
async function streamEvents(
  raw: import('node:http').IncomingMessage,
  reply: import('fastify').FastifyReply,
  engine: RunEngine,
  runId: string,
  after: number,
  requestId: string,
  keepAliveSeconds: number,
) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
  res.write(': orbit run events\n\n');
  let closed = false;
  let unsubscribe: () => void = () => {};
  const end = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    unsubscribe();
    res.end();
  };
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveSeconds * 1000);
  keepAlive.unref();
  raw.on('close', end);
  const send = (e: RunEvent) => {
    if (closed) return;
    res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    if (TERMINAL_EVENT_TYPES.has(e.type)) end();
  };
  unsubscribe = await engine.events.subscribe(runId, after, send);
  if (closed) unsubscribe();
  // A run that finished before `after` has nothing more to say.
  const run = await engine.store.get(runId);
  if (['succeeded', 'failed', 'cancelled'].includes(run.status)) {
    const rest = await engine.events.list(runId, after, 1);
    if (rest.length === 0) end();
  }
}
