import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from '../config.ts';
import { isSecretKey, maskKnownSecrets, REDACTED, redactPaths, redactText, scrubError, scrubValue } from './redact.ts';

/**
 * pino JSON logs, one object per line, with secrets removed three ways:
 *  1. `redact` paths mask known locations (headers, body fields) before serialisation;
 *  2. `formatters.log` masks secret-named fields at any depth of a logged object;
 *  3. the `streamWrite` hook runs `redactText` over the finished line, so a secret inside a message, an error
 *     stack or a URL is masked too, whatever code logged it, and masks the credentials the current request
 *     carried verbatim (`maskKnownSecrets`), which catches secrets of no recognisable shape.
 */
export interface CreateLoggerOptions {
  level?: LogLevel;
  /** Where lines go; stdout when absent. Tests pass a stream they read back. */
  destination?: DestinationStream;
  /** Static fields on every line, e.g. `{ service: 'orbit-worker' }`. */
  base?: Record<string, unknown>;
}

/** What a request looks like in a log line: no headers, no body, the URL with credential-shaped values masked. */
function serializeRequest(req: IncomingMessage & { ip?: string; hostname?: string }): Record<string, unknown> {
  return {
    method: req.method,
    url: redactText(req.url ?? ''),
    host: req.headers?.host,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
    remotePort: req.socket?.remotePort,
  };
}

function serializeResponse(res: ServerResponse & { statusCode: number }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

function serializeError(err: unknown): unknown {
  if (err instanceof Error) {
    const extra = err as { statusCode?: unknown; validation?: unknown };
    return {
      ...scrubError(err),
      ...(extra.statusCode === undefined ? {} : { statusCode: extra.statusCode }),
    };
  }
  return scrubValue(err);
}

/** Top-level errors are left to the `err` serializer (it keeps `statusCode`); everything else is scrubbed. */
function scrubLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v instanceof Error) out[k] = v;
    else if (isSecretKey(k) && v !== undefined && v !== null && v !== '') out[k] = REDACTED;
    else out[k] = scrubValue(v, 8);
  }
  return out;
}

export const logSerializers = {
  req: serializeRequest,
  res: serializeResponse,
  err: serializeError,
  error: serializeError,
};

/** pino options shared by every Orbit logger (exported so a child process or a test can build the same one). */
export function loggerOptions(level: LogLevel = 'info', base: Record<string, unknown> = {}): LoggerOptions {
  return {
    level,
    base: { pid: process.pid, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    redact: { paths: redactPaths(), censor: REDACTED },
    serializers: logSerializers,
    formatters: {
      level: (label) => ({ level: label }),
      log: scrubLogObject,
    },
    hooks: {
      streamWrite: (line) => maskKnownSecrets(redactText(line)),
    },
  };
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const opts = loggerOptions(options.level ?? 'info', options.base);
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/**
 * What to pass to `Fastify({...})` so request logs carry the request ID as `reqId` and use our logger. Spread it
 * together with `genReqId` and `requestIdHeader: false` from `server/plugins/requestContext.ts`.
 */
export function fastifyLoggerOptions(logger: Logger): { loggerInstance: Logger; requestIdLogLabel: 'reqId' } {
  return { loggerInstance: logger, requestIdLogLabel: 'reqId' };
}
