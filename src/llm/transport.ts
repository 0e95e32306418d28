/**
 * The HTTP layer under every provider: retries with exponential backoff and full jitter on 408/409/429/5xx and
 * network errors, honouring `retry-after-ms` / `retry-after`; never on 401/403 or other client errors. The AI SDK's
 * own retries are switched off so there is exactly one policy. Streams are retried only before their body starts.
 */
export interface RetryPolicy {
  maxRetries: number;
  /** First backoff; doubled each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `retry-after` longer than this is not waited for: the 429 is returned as the answer. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
};

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Milliseconds a response asks us to wait, or undefined when it does not say. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

export interface AttemptInfo {
  attempt: number;
  status?: number;
  error?: unknown;
  waitMs: number;
}

export function retryingFetch(
  policy: RetryPolicy,
  onRetry: (info: AttemptInfo) => void = () => {},
  inner: typeof fetch = fetch,
): typeof fetch {
  return async (input, init) => {
    const signal = init?.signal ?? undefined;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await inner(input, init);
      } catch (err) {
        if (signal?.aborted || attempt >= policy.maxRetries) throw err;
        const waitMs = backoffMs(attempt, policy);
        onRetry({ attempt, error: err, waitMs });
        await wait(waitMs, signal);
        continue;
      }
      if (!isRetryableStatus(response.status) || attempt >= policy.maxRetries) return response;
      const asked = retryAfterMs(response.headers);
      if (asked !== undefined && asked > policy.maxRetryAfterMs) return response;
      const waitMs = asked ?? backoffMs(attempt, policy);
      await response.body?.cancel().catch(() => {});
      onRetry({ attempt, status: response.status, waitMs });
      await wait(waitMs, signal);
    }
  };
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
