import { createRequire } from 'node:module';
import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { isSecretKey, maskKnownSecrets, REDACTED, redactText } from './redact.ts';

/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Spans leave over OTLP/HTTP (JSON) in
 * batches. What is traced, and how, given that Orbit starts as ESM through tsx and has already imported `pg` and
 * `node:http` by the time configuration is read (so "require hooks before the module loads" cannot be relied on):
 *
 *  - incoming HTTP: one SERVER span per request from Fastify hooks (`server/plugins/requestContext.ts`), named by
 *    route template, with the request ID; independent of load order;
 *  - PostgreSQL: `@opentelemetry/instrumentation-pg`, applied to the already-loaded `pg` module's prototypes here
 *    (`pg` is CommonJS, so the module `import pg from 'pg'` gave us is the very object patched);
 *  - outgoing `fetch` (LLM providers, GitHub): `@opentelemetry/instrumentation-undici`, which listens on undici's
 *    diagnostics channels and so works whenever it is enabled; it also propagates `traceparent`;
 *  - queue jobs and anything else: callers open spans with `withSpan` (or `@opentelemetry/api` directly).
 *
 * Without an SDK registered, `@opentelemetry/api` hands out no-op spans, so the hooks cost next to nothing.
 */
export interface TracingOptions {
  /** OTLP/HTTP base URL, e.g. `http://localhost:4318`; spans go to `<endpoint>/v1/traces`. Unset: tracing off. */
  endpoint: string | undefined;
  serviceName: string;
  serviceVersion?: string;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Sends spans still in the batch buffer. */
  forceFlush(): Promise<void>;
  /** Flushes, then stops exporting and removes the instrumentations' patches. */
  shutdown(): Promise<void>;
}

const disabled: Tracing = {
  enabled: false,
  async forceFlush() {},
  async shutdown() {},
};

/** OTLP convention: the base endpoint gets the signal path appended. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

function scrubAttributes(attributes: Attributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (isSecretKey(key)) attributes[key] = REDACTED;
    else if (typeof value === 'string') attributes[key] = redactText(value);
    else if (Array.isArray(value)) {
      attributes[key] = value.map((v) => (typeof v === 'string' ? redactText(v) : v)) as typeof value;
    }
  }
}

/**
 * Scrubs every finished span before the exporting processor sees it: instrumentations record URLs (with their
 * query strings), statements and error messages, any of which may hold a credential.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    scrubAttributes(span.attributes);
    for (const event of span.events) if (event.attributes) scrubAttributes(event.attributes);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const requireFromHere = createRequire(import.meta.url);

/** Patches the `pg` module already in memory (see the module comment); later `require`s are hooked by `enable()`. */
function patchLoadedPg(instrumentation: PgInstrumentation): void {
  const pg: unknown = requireFromHere('pg');
  const version = (requireFromHere('pg/package.json') as { version: string }).version;
  for (const definition of instrumentation.getModuleDefinitions()) {
    if (definition.name === 'pg') definition.patch?.(pg, version);
  }
}

export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.endpoint) return disabled;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
    }),
    // Processors run in order: scrub first, then batch for export.
    spanProcessors: [
      new RedactingSpanProcessor(),
      new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.endpoint) })),
    ],
  });
  // Global tracer provider, AsyncLocalStorage context manager, W3C traceparent/baggage propagation.
  provider.register();

  const pgInstrumentation = new PgInstrumentation({
    // Parameter values are never recorded: they may be secrets (key hashes, tokens).
    enhancedDatabaseReporting: false,
    requireParentSpan: true,
  });
  const instrumentations: Instrumentation[] = [
    pgInstrumentation,
    new UndiciInstrumentation({
      // No headers on spans: request headers carry provider keys.
      headersToSpanAttributes: { requestHeaders: [], responseHeaders: [] },
    }),
  ];
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations });
  patchLoadedPg(pgInstrumentation);

  return {
    enabled: true,
    async forceFlush() {
      await provider.forceFlush();
    },
    async shutdown() {
      unregister();
      await provider.shutdown();
      trace.disable();
    },
  };
}

const tracer = trace.getTracer('orbit');

/**
 * Runs `fn` inside a span (a child of whatever span is active), ending it when `fn` settles. A thrown error is
 * recorded with its message scrubbed, and rethrown. For queue jobs, run execution and other work with no
 * instrumentation of its own.
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const scrub = (text: string) => maskKnownSecrets(redactText(text));
      span.recordException({ name: e.name, message: scrub(e.message), stack: scrub(e.stack ?? '') });
      span.setStatus({ code: SpanStatusCode.ERROR, message: scrub(e.message) });
      throw err;
    } finally {
      span.end();
    }
  });
}
