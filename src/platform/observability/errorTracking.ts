import * as Sentry from '@sentry/node';
import { currentKnownSecrets, maskKnownSecrets, REDACTED, redactText, scrubHeaders, scrubValue } from './redact.ts';

/**
 * Error tracking with Sentry, off unless SENTRY_DSN is set. Only errors are sent (no performance tracing: that is
 * OpenTelemetry's job, and Sentry's own OpenTelemetry setup is skipped so the two never fight over the global
 * tracer provider). Sentry's automatic integrations that collect request data, console output or outgoing HTTP
 * breadcrumbs are left out: they are where secrets leak. Whatever still reaches `beforeSend` is scrubbed through
 * the shared redaction rules.
 */
export interface ErrorTrackingOptions {
  dsn: string | undefined;
  environment: string;
  release: string;
}

export interface ErrorTracking {
  readonly enabled: boolean;
  /** Waits until queued events are sent (or the timeout passes); true when the queue drained. */
  flush(timeoutMs?: number): Promise<boolean>;
  shutdown(timeoutMs?: number): Promise<void>;
}

/** What is known about where an error happened; every field becomes a searchable tag or context. */
export interface ErrorContext {
  requestId?: string | undefined;
  /** Route template, e.g. `/v1/runs/:id`. */
  route?: string | undefined;
  method?: string | undefined;
  url?: string | undefined;
  /** Request headers; secret-bearing ones are masked before sending. */
  headers?: Record<string, unknown> | undefined;
  statusCode?: number | undefined;
  runId?: string | undefined;
  /** Principal id (API key id), never the key itself. */
  principalId?: string | undefined;
  extra?: Record<string, unknown> | undefined;
}

let started = false;

const disabled: ErrorTracking = {
  enabled: false,
  async flush() {
    return true;
  },
  async shutdown() {},
};

/** Everything secret-shaped or secret-named removed from an outgoing event. Exported for tests and reuse. */
export function scrubEvent<E extends Sentry.Event>(event: E): E {
  const scrubbed = scrubValue(event, 16) as E;
  if (scrubbed.request) {
    const request = scrubbed.request;
    if (request.headers) request.headers = scrubHeaders(request.headers) as Record<string, string>;
    if (request.cookies) request.cookies = { cookies: REDACTED };
    if (request.data !== undefined) request.data = scrubValue(request.data);
    if (typeof request.query_string === 'string') request.query_string = redactText(request.query_string);
  }
  return scrubbed;
}

export async function startErrorTracking(options: ErrorTrackingOptions): Promise<ErrorTracking> {
  if (!options.dsn) return disabled;
  Sentry.init({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    sendDefaultPii: false,
    skipOpenTelemetrySetup: true,
    tracesSampleRate: undefined,
    defaultIntegrations: false,
    integrations: [
      Sentry.eventFiltersIntegration(),
      Sentry.functionToStringIntegration(),
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.nodeContextIntegration(),
      Sentry.contextLinesIntegration(),
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration(),
    ],
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (crumb) => scrubValue(crumb) as Sentry.Breadcrumb,
  });
  started = true;
  return {
    enabled: true,
    flush: (timeoutMs = 5000) => Sentry.flush(timeoutMs),
    async shutdown(timeoutMs = 5000) {
      started = false;
      await Sentry.close(timeoutMs);
    },
  };
}

/**
 * Reports one error (a 5xx, a failed job) with where it happened. Returns the Sentry event id, or `undefined`
 * when error tracking is off. Never throws: reporting must not turn one failure into two.
 */
export function captureError(err: unknown, context: ErrorContext = {}): string | undefined {
  if (!started) return undefined;
  try {
    return Sentry.withScope((scope) => {
      if (context.requestId) scope.setTag('request_id', context.requestId);
      if (context.route) scope.setTag('route', context.route);
      if (context.method) scope.setTag('http.method', context.method);
      if (context.statusCode !== undefined) scope.setTag('http.status_code', String(context.statusCode));
      if (context.runId) scope.setTag('run_id', context.runId);
      if (context.principalId) scope.setUser({ id: context.principalId });
      if (context.method || context.url || context.headers) {
        const request: Sentry.RequestEventData = {
          ...(context.method ? { method: context.method } : {}),
          ...(context.url ? { url: redactText(context.url) } : {}),
          ...(context.headers ? { headers: scrubHeaders(context.headers) as Record<string, string> } : {}),
        };
        scope.addEventProcessor((event) => ({ ...event, request: { ...event.request, ...request } }));
      }
      // Read now, synchronously: Sentry processes the event later, outside the request's async context.
      const secrets = currentKnownSecrets();
      if (secrets) {
        scope.addEventProcessor(
          (event) => JSON.parse(maskKnownSecrets(JSON.stringify(event), secrets)) as Sentry.Event,
        );
      }
      if (context.extra) scope.setContext('orbit', scrubValue(context.extra) as Record<string, unknown>);
      return Sentry.captureException(err);
    });
  } catch {
    return undefined;
  }
}
