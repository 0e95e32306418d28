import { OrbitError } from '../platform/errors.ts';

/**
 * Every failure of an LLM call is one of these, each with a stable `type` and a `detail` that says what to do.
 * `outcome` is the word written to the ledger's `outcome` column for a call that failed this way.
 */
export type LlmOutcome =
  | 'ok'
  | 'auth_error'
  | 'rate_limited'
  | 'provider_error'
  | 'bad_request'
  | 'network_error'
  | 'stream_interrupted'
  | 'timeout'
  | 'aborted'
  | 'invalid_output'
  | 'unknown_tool'
  | 'invalid_tool_input';

export class LlmError extends OrbitError {
  constructor(
    type: string,
    status: number,
    detail: string,
    readonly outcome: LlmOutcome,
    extra: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(type, status, detail, extra);
    this.name = 'LlmError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** No usable provider: names the variable(s) to set. */
export class LlmNotConfiguredError extends OrbitError {
  constructor(
    detail: string,
    readonly variables: string[],
  ) {
    super('llm-not-configured', 503, detail, { variables });
    this.name = 'LlmNotConfiguredError';
  }
}

/** A call that would exceed a run's or an API key's cap; it was not sent. */
export class BudgetExceededError extends OrbitError {
  constructor(
    readonly scope: 'run' | 'api_key',
    readonly spentMicros: number,
    readonly capMicros: number,
    detail: string,
  ) {
    super('llm-budget-exceeded', 402, detail, { scope, spentMicros, capMicros });
    this.name = 'BudgetExceededError';
  }
}

export function usd(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(micros % 10_000 === 0 ? 2 : 6)}`;
}
