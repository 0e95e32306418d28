import { ConfigError } from '../platform/config.ts';
import { DatabaseUnavailableError } from '../platform/db/client.ts';
import { OrbitError } from '../platform/errors.ts';

/** Every command prints either for people or, with --json, one JSON document (or JSON lines for streams). */
export interface Output {
  json: boolean;
  /** The result: `human` is printed as is; with --json, `data` is printed as one line of JSON. */
  result(data: unknown, human: string): void;
  /** A line of a stream: JSON lines with --json. */
  line(data: unknown, human: string): void;
  /** Informational text: stderr, so it never mixes with machine-readable output. */
  info(text: string): void;
}

export function output(json: boolean): Output {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
    },
    line(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
    },
    info(text) {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
}

/** Turns known errors into a clear message and an exit code; unknown ones keep their stack for a bug report. */
export function reportError(err: unknown, json: boolean): number {
  let message: string;
  let code = 1;
  let type = 'error';
  if (err instanceof ConfigError) {
    message = `Configuration error: ${err.message}`;
    code = 2;
    type = 'config-error';
  } else if (err instanceof DatabaseUnavailableError) {
    message = err.message;
    type = 'database-unavailable';
  } else if (err instanceof OrbitError) {
    message = err.detail;
    type = err.type;
    for (const e of err.extra.errors ?? []) message += `\n  ${e.pointer}: ${e.message}`;
  } else if (err instanceof CliError) {
    message = err.message;
    code = err.exitCode;
    type = err.type;
  } else {
    message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    type = 'internal-error';
  }
  if (json) process.stdout.write(`${JSON.stringify({ error: { type, message } })}\n`);
  else process.stderr.write(`orbit: ${message}\n`);
  return code;
}

/** An error the CLI reports without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly type = 'error',
  ) {
    super(message);
  }
}
