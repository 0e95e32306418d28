import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { OrbitError } from '../../platform/errors.ts';
import { prom, registry } from '../../platform/observability/metrics.ts';
import { routeTemplate } from './requestContext.ts';

/**
 * HTTP metrics in Prometheus conventions (base units: seconds and bytes; `_total` counters) and `GET /metrics`.
 *
 * Labels are the route TEMPLATE (`/v1/runs/:id`), never the raw URL, and `not_found` when no route matched: a
 * scanner probing random paths must not create a series per path.
 *
 * `/metrics` itself is not counted: every scrape would add a request that measures the scraper, and its latency
 * is the time to serialise these very metrics. `/health*` IS counted (under its own route label) because a
 * readiness probe answering 503 is exactly what an operator wants to see; dashboards filter by route anyway.
 */
export const METRICS_PATH = '/metrics';
export const NOT_FOUND_ROUTE = 'not_found';

const labelNames = ['method', 'route', 'status_code'] as const;
const sizeBuckets = prom.exponentialBuckets(64, 4, 10); // 64 B … 16 MiB

export const httpRequestsTotal = new prom.Counter({
  name: 'orbit_http_requests_total',
  help: 'HTTP requests answered, by method, route template and status code.',
  labelNames,
  registers: [registry],
});

export const httpRequestDuration = new prom.Histogram({
  name: 'orbit_http_request_duration_seconds',
  help: 'Time from receiving a request to finishing its response, in seconds.',
  labelNames,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const httpRequestSize = new prom.Histogram({
  name: 'orbit_http_request_size_bytes',
  help: 'Size of request bodies in bytes (Content-Length; 0 when there is no body).',
  labelNames,
  buckets: sizeBuckets,
  registers: [registry],
});

export const httpResponseSize = new prom.Histogram({
  name: 'orbit_http_response_size_bytes',
  help: 'Size of response bodies in bytes (Content-Length; bytes written to the socket for streamed responses).',
  labelNames,
  buckets: sizeBuckets,
  registers: [registry],
});

export interface MetricsPluginOptions {
  /** When set, non-loopback clients may scrape with `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

function contentLength(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const LOOPBACK_RE = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * The TCP peer is loopback and no proxy says it forwarded the request. The socket address is used rather than
 * `request.ip`, which a trusted proxy's headers can change; a reverse proxy on the same host forwards outside
 * clients from 127.0.0.1, so a forwarding header means "not local".
 */
export function isLocalRequest(request: FastifyRequest): boolean {
  const peer = request.socket.remoteAddress ?? '';
  const h = request.headers;
  return LOOPBACK_RE.test(peer) && !h['x-forwarded-for'] && !h.forwarded && !h['x-real-ip'];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison of the presented bearer token with the configured one. */
function hasMetricsToken(request: FastifyRequest, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

const bytesWrittenAtStart = new WeakMap<FastifyRequest, number>();

function observe(request: FastifyRequest, reply: FastifyReply): void {
  const labels = {
    method: request.method,
    route: routeTemplate(request) ?? NOT_FOUND_ROUTE,
    status_code: String(reply.statusCode),
  };
  httpRequestsTotal.inc(labels);
  httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  httpRequestSize.observe(labels, contentLength(request.headers['content-length']) ?? 0);
  const written = (request.socket.bytesWritten ?? 0) - (bytesWrittenAtStart.get(request) ?? 0);
  httpResponseSize.observe(labels, contentLength(reply.getHeader('content-length')) ?? Math.max(0, written));
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: MetricsPluginOptions) => {
    const token = opts.metricsToken && opts.metricsToken !== '' ? opts.metricsToken : undefined;

    app.addHook('onRequest', async (request) => {
      bytesWrittenAtStart.set(request, request.socket.bytesWritten ?? 0);
    });
    app.addHook('onResponse', async (request, reply) => {
      if (request.routeOptions.url === METRICS_PATH && !request.is404) return;
      observe(request, reply);
    });

    app.get(
      METRICS_PATH,
      { schema: { hide: true }, config: { auth: 'public', rateLimit: false } },
      async (request, reply) => {
        if (!isLocalRequest(request) && !(token && hasMetricsToken(request, token))) {
          throw new OrbitError(
            'forbidden',
            403,
            token
              ? 'Metrics are served to loopback clients and to scrapers that send `Authorization: Bearer <ORBIT_METRICS_TOKEN>`; the token sent is missing or wrong.'
              : 'Metrics are served to loopback clients only. Set ORBIT_METRICS_TOKEN on the server and scrape with `Authorization: Bearer <token>` to allow others.',
          );
        }
        const body = await registry.metrics();
        return reply.type(registry.contentType).send(body);
      },
    );
  },
  { name: 'orbit-metrics' },
);
