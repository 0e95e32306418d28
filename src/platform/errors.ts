/**
 * Errors that carry their own HTTP meaning. The server turns any OrbitError into RFC 9457 problem+json with
 * `type: https://orbit.dev/problems/<type>`; the CLI prints `detail`. Anything that is not an OrbitError is a bug
 * (500) and is reported as such.
 */
export interface FieldError {
  /** JSON pointer (RFC 6901) of the bad field, e.g. `/input/tables/0/name`. */
  pointer: string;
  message: string;
}

export class OrbitError extends Error {
  constructor(
    /** Stable, machine-readable slug, e.g. `run-not-found`. */
    readonly type: string,
    readonly status: number,
    /** What happened and what to do next. */
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'OrbitError';
  }
}

export class NotFoundError extends OrbitError {
  constructor(what: string, id: string) {
    super(`${what}-not-found`, 404, `No ${what} with id "${id}" exists.`);
  }
}

export class ValidationError extends OrbitError {
  constructor(detail: string, errors: FieldError[]) {
    super('validation-failed', 400, detail, { errors });
  }
}

export class ConflictError extends OrbitError {
  constructor(type: string, detail: string, extra: Record<string, unknown> = {}) {
    super(type, 409, detail, extra);
  }
}

/** Thrown by an executor for a failure worth retrying (network blip, busy dependency). */
export class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}
