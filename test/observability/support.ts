import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { createLogger, fastifyLoggerOptions } from '../../src/platform/observability/logger.ts';
import { errorsPlugin } from '../../src/server/plugins/errors.ts';
import { metricsPlugin } from '../../src/server/plugins/metrics.ts';
import { genReqId, requestContextPlugin } from '../../src/server/plugins/requestContext.ts';

/** A pino destination that keeps every line, so a test can grep the whole log of a request cycle. */
export function captureLog(): { stream: DestinationStream; lines: string[]; text(): string } {
  const lines: string[] = [];
  return {
    stream: {
      write(line: string) {
        lines.push(line);
      },
    },
    lines,
    text: () => lines.join(''),
  };
}

/** Secrets a careless client and careless code could put everywhere. */
export const SECRETS = {
  apiKeySecret: 'Zk3qL9xW2vB7nM4pR8tY1uC6',
  get apiKey() {
    return `orbit_abcd1234_${this.apiKeySecret}`;
  },
  headerKey: 'hdr-key-5f1e2d3c4b5a69788796a5b4',
  cookie: 'sess-9c8b7a6f5e4d3c2b1a0f9e8d',
  bodyApiKey: 'body-key-1a2b3c4d5e6f7a8b9c0d',
  password: 'hunter2-correct-horse-battery',
  providerKey: 'sk-ant-api03-QWERTYUIOPasdfghjkl1234567890',
  queryToken: 'qtok-77aa88bb99cc00dd11ee',
};

export interface TestAppOptions {
  log: DestinationStream;
  metricsToken?: string;
  onServerError?: (err: unknown, request: FastifyRequest) => void;
  /** More routes, added before the app boots. */
  routes?: (app: FastifyInstance) => void;
}

/**
 * The production layer's own plugins in the order the server registers them, around a few routes that behave
 * like careless code: they log whole headers and bodies and throw errors quoting credentials.
 */
export async function buildTestApp(options: TestAppOptions): Promise<FastifyInstance> {
  const logger = createLogger({ level: 'info', destination: options.log });
  const app = Fastify({ ...fastifyLoggerOptions(logger), genReqId, requestIdHeader: false });
  await app.register(errorsPlugin, { onServerError: options.onServerError });
  await app.register(requestContextPlugin);
  await app.register(metricsPlugin, { metricsToken: options.metricsToken });

  app.post('/v1/things/:id', async (request) => {
    request.log.info({ headers: request.headers, body: request.body }, 'received a thing');
    return { id: (request.params as { id: string }).id, ok: true };
  });
  app.get('/v1/things/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.post('/v1/boom', async (request) => {
    const body = request.body as { apiKey?: string };
    throw new Error(`upstream refused ${request.headers.authorization} and key ${body.apiKey}`);
  });
  app.get('/health/live', async () => ({ status: 'up' }));
  // Like the SSE route: the reply is hijacked and the head written on the raw response.
  app.get('/v1/stream', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.end('data: done\n\n');
  });
  options.routes?.(app as unknown as FastifyInstance);
  await app.ready();
  return app as unknown as FastifyInstance;
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export interface RecordedPost {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server standing in for an OTLP collector or Sentry's ingest: it records every request. */
export async function startRecorder(): Promise<{
  url: string;
  posts: RecordedPost[];
  waitFor(predicate: (p: RecordedPost) => boolean, timeoutMs?: number): Promise<RecordedPost>;
  close(): Promise<void>;
}> {
  const posts: RecordedPost[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      posts.push({ path: req.url ?? '', headers: req.headers, body: raw.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    posts,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = posts.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching request arrived; got ${posts.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
