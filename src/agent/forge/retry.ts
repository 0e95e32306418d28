/** Retries with backoff for GitHub calls: 5xx, 429 and rate-limit 403s, honouring `retry-after` and `x-ratelimit-reset`. */
export interface RetryOptions {
  /** Attempts after the first. Default 4. */
  retries?: number;
  /** Base delay for 5xx backoff (doubles each attempt). Default 1000 ms. */
  baseMs?: number;
  /** Longest wait accepted from a header; longer waits fail at once. Default 60 000 ms. */
  maxWaitMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

export function isHttpError(err: unknown): err is HttpErrorLike {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}

function header(err: HttpErrorLike, name: string): string | undefined {
  const v = err.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
}

/** A 403/429 that is GitHub's primary or secondary rate limit (documented signals: retry-after, x-ratelimit-remaining: 0, message). */
export function isRateLimited(err: HttpErrorLike): boolean {
  if (err.status === 429) return true;
  if (err.status !== 403) return false;
  return (
    header(err, 'retry-after') !== undefined ||
    header(err, 'x-ratelimit-remaining') === '0' ||
    /rate limit/i.test(err.message)
  );
}

/** The wait before the next attempt, or undefined when the error is not worth retrying. */
export function retryDelay(err: unknown, attempt: number, o: RetryOptions = {}): number | undefined {
  if (!isHttpError(err)) return undefined;
  const now = o.now ?? Date.now;
  const base = o.baseMs ?? 1000;
  if (isRateLimited(err)) {
    const after = header(err, 'retry-after');
    if (after !== undefined && /^\d+$/.test(after)) return Number(after) * 1000;
    const reset = header(err, 'x-ratelimit-reset');
    if (header(err, 'x-ratelimit-remaining') === '0' && reset !== undefined && /^\d+$/.test(reset)) {
      return Math.max(0, Number(reset) * 1000 - now());
    }
    // Secondary limit without a header: GitHub documents waiting at least a minute.
    return Math.max(60_000, base * 2 ** attempt);
  }
  if (err.status >= 500) return base * 2 ** attempt;
  return undefined;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions = {}, signal?: AbortSignal): Promise<T> {
  const retries = o.retries ?? 4;
  const maxWait = o.maxWaitMs ?? 60_000;
  const sleep = o.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = retryDelay(err, attempt, o);
      if (wait === undefined || attempt >= retries || wait > maxWait) throw err;
      await sleep(wait, signal);
    }
  }
}
