import type { IncomingMessage } from 'node:http';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { newId } from '../../platform/ids.ts';
import {
  maskKnownSecrets,
  redactText,
  rememberSecretFields,
  rememberSecretHeaders,
  runWithSecretScope,
} from '../../platform/observability/redact.ts';

/**
 * Request identity and timing: every request gets an ID (the caller's when well-formed, else a sortable UUIDv7),
 * echoed as `X-Request-ID` and used by Fastify as `request.id`, hence as `reqId` on every request log line.
 * `X-Response-Time` tells the caller how long the server spent. When OpenTelemetry is on, the request is also one
 * SERVER span (parented on an incoming `traceparent`) that the handler's own spans (database, queue, LLM) nest in.
 */
export const REQUEST_ID_HEADER = 'x-request-id';
export const RESPONSE_TIME_HEADER = 'x-response-time';
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_RE.test(value);
}

/**
 * Fastify's `genReqId`. Pass it with `requestIdHeader: false`: Fastify would otherwise take any header value
 * verbatim (no length or character check) and never call this.
 */
export function genReqId(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return isWellFormedRequestId(incoming) ? incoming : newId();
}

/** `3.21ms`: milliseconds with two decimals, the common format of this header. */
export function formatResponseTime(ms: number): string {
  return `${ms.toFixed(2)}ms`;
}

const tracer = trace.getTracer('orbit.http');
const spans = new WeakMap<FastifyRequest, Span>();

/** The route template (`/v1/runs/:id`) or `undefined` for a request no route matched. */
export function routeTemplate(request: FastifyRequest): string | undefined {
  return request.is404 ? undefined : request.routeOptions.url;
}

function startRequestSpan(request: FastifyRequest): Span {
  const parent = propagation.extract(context.active(), request.headers);
  const route = routeTemplate(request);
  const span = tracer.startSpan(
    route ? `${request.method} ${route}` : request.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'url.path': redactText(request.url.split('?')[0] ?? ''),
        'url.scheme': request.protocol,
        'client.address': request.socket.remoteAddress ?? '',
        'orbit.request_id': request.id,
        ...(route ? { 'http.route': route } : {}),
      },
    },
    parent,
  );
  spans.set(request, span);
  return span;
}

/** Ends the request's span; `reply` is absent when the client went away before the response was sent. */
function endRequestSpan(request: FastifyRequest, reply: FastifyReply | undefined): void {
  const span = spans.get(request);
  if (!span) return;
  spans.delete(request);
  if (reply) {
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  } else {
    span.setAttribute('orbit.request_aborted', true);
  }
  span.end();
}

export const requestContextPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', (request, reply, done) => {
      // On the raw response, so hijacked replies (SSE) that write their own head carry it too.
      reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
      const span = startRequestSpan(request);
      // The rest of the request runs inside the span's context (so nested spans find their parent) and inside a
      // scope remembering the credentials it carries (so logs and error reports mask them wherever they appear).
      runWithSecretScope(() => {
        rememberSecretHeaders(request.headers);
        context.with(trace.setSpan(context.active(), span), done);
      });
    });
    app.addHook('preValidation', async (request) => {
      rememberSecretFields(request.body);
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header(RESPONSE_TIME_HEADER, formatResponseTime(reply.elapsedTime));
      return payload;
    });
    app.addHook('onError', async (request, _reply, err) => {
      const span = spans.get(request);
      if (!span) return;
      // Only server faults are span errors; the message and stack may quote secrets, so scrub them.
      const status = (err as { statusCode?: number }).statusCode;
      if (status === undefined || status >= 500) {
        const scrub = (text: string) => maskKnownSecrets(redactText(text));
        span.recordException({ name: err.name, message: scrub(err.message), stack: scrub(err.stack ?? '') });
      }
    });
    app.addHook('onResponse', async (request, reply) => endRequestSpan(request, reply));
    app.addHook('onRequestAbort', async (request) => endRequestSpan(request, undefined));
  },
  { name: 'orbit-request-context' },
);
