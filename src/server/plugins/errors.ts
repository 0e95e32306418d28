import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type FieldError, OrbitError } from '../../platform/errors.ts';

export const PROBLEM_BASE = 'https://orbit.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Ajv's `instancePath` is already a JSON pointer; a missing property is reported on its parent, so add the name. */
function validationErrors(err: FastifyError): FieldError[] {
  const part = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    let pointer = `/${part}${v.instancePath}`;
    let message = v.message ?? 'is invalid';
    if (v.keyword === 'required' && typeof params.missingProperty === 'string') {
      pointer += `/${params.missingProperty}`;
      message = 'is required';
    } else if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      pointer += `/${params.additionalProperty}`;
      message = 'is not a known field; remove it';
    }
    return { pointer, message };
  });
}

/**
 * The database (or another dependency) is down: connection refused or reset, PostgreSQL shutting down or starting
 * (57P0x), or a connection exception (class 08). That is a 503 to retry later, not a bug.
 */
export function isDependencyOutage(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03'].includes(code) ||
    code.startsWith('08')
  ) {
    return true;
  }
  const message = typeof e.message === 'string' ? e.message : '';
  if (
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    )
  ) {
    return true;
  }
  return e.cause !== undefined && e.cause !== err && isDependencyOutage(e.cause);
}

/** Maps any error to a problem. Anything not recognised as the client's mistake is a 500. */
export function toProblem(err: unknown, request: FastifyRequest): Problem {
  const base = { instance: request.url.split('?')[0] ?? request.url, requestId: request.id };
  if (err instanceof OrbitError) {
    const { errors, ...rest } = err.extra;
    // Extension members first: they can add to a problem, never replace its standard members.
    return {
      ...rest,
      type: PROBLEM_BASE + err.type,
      title: TITLES[err.status] ?? 'Error',
      status: err.status,
      detail: err.detail,
      ...base,
      ...(errors ? { errors } : {}),
    };
  }
  const e = err as FastifyError;
  if (e.validation) {
    const errors = validationErrors(e);
    return {
      type: `${PROBLEM_BASE}validation-failed`,
      title: TITLES[400]!,
      status: 400,
      detail: `The request ${e.validationContext ?? 'body'} is invalid: ${errors.map((x) => `${x.pointer} ${x.message}`).join('; ')}.`,
      ...base,
      errors,
    };
  }
  const known: Record<string, [number, string, string]> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: [
      415,
      'unsupported-media-type',
      `Content-Type "${request.headers['content-type'] ?? ''}" is not accepted here; send application/json.`,
    ],
    FST_ERR_CTP_BODY_TOO_LARGE: [
      413,
      'body-too-large',
      `The request body is larger than this endpoint accepts (${request.routeOptions.bodyLimit ?? 1048576} bytes).`,
    ],
    FST_ERR_CTP_EMPTY_JSON_BODY: [
      400,
      'malformed-json',
      'The body is empty but Content-Type says JSON; send a JSON document.',
    ],
    FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed-json', `The body is not valid JSON: ${e.message}.`],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad-content-length', 'Content-Length does not match the body sent.'],
    FST_ERR_BAD_URL: [400, 'bad-url', 'The URL is malformed.'],
  };
  const k = e.code ? known[e.code] : undefined;
  if (k) return { type: PROBLEM_BASE + k[1], title: TITLES[k[0]] ?? 'Error', status: k[0], detail: k[2], ...base };
  if (e instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(e.message))) {
    return {
      type: `${PROBLEM_BASE}malformed-json`,
      title: TITLES[400]!,
      status: 400,
      detail: `The body is not valid JSON: ${e.message}.`,
      ...base,
    };
  }
  if (isDependencyOutage(err)) {
    return {
      type: `${PROBLEM_BASE}service-unavailable`,
      title: TITLES[503]!,
      status: 503,
      detail:
        'The database is not reachable right now; nothing was changed. Retry in a few seconds; /health/ready shows when it is back.',
      retryAfter: 5,
      ...base,
    };
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      type: `${PROBLEM_BASE}bad-request`,
      title: TITLES[e.statusCode] ?? 'Error',
      status: e.statusCode,
      detail: e.message,
      ...base,
    };
  }
  return {
    type: `${PROBLEM_BASE}internal-error`,
    title: TITLES[500]!,
    status: 500,
    detail: `Something went wrong on the server. It has been logged; quote request ID ${request.id} when reporting it.`,
    ...base,
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer');
  if (typeof problem.retryAfter === 'number') reply.header('retry-after', String(problem.retryAfter));
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

export interface ErrorsPluginOptions {
  /** Called for server faults (5xx) after logging, e.g. to send them to Sentry. */
  onServerError?: (err: unknown, request: FastifyRequest) => void;
}

/** RFC 9457 problem+json for every error and for unknown routes. A client's mistake is never a 5xx. */
export const errorsPlugin = fp(
  async (app: FastifyInstance, opts: ErrorsPluginOptions) => {
    app.setErrorHandler((err, request, reply) => {
      const problem = toProblem(err, request);
      if (problem.status === 503) {
        request.log.warn({ err: (err as Error).message }, 'dependency unavailable');
      } else if (problem.status >= 500) {
        request.log.error({ err }, 'request failed');
        opts.onServerError?.(err, request);
      } else {
        request.log.info({ problem: problem.type, status: problem.status }, 'request rejected');
      }
      return sendProblem(reply, problem);
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, {
        type: `${PROBLEM_BASE}not-found`,
        title: TITLES[404]!,
        status: 404,
        detail: `No route ${request.method} ${request.url.split('?')[0]}. The API reference is at /docs; the OpenAPI document at /openapi.json.`,
        instance: request.url.split('?')[0] ?? request.url,
        requestId: request.id,
      }),
    );
  },
  { name: 'orbit-errors' },
);
