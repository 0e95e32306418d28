import {
  APICallError,
  InvalidToolInputError,
  JSONParseError,
  NoSuchToolError,
  RetryError,
  TypeValidationError,
} from 'ai';
import { LlmError } from './errors.ts';
import type { ProviderSettings } from './settings.ts';

const keyVariable = (s: ProviderSettings) => (s.provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY');
const where = (s: ProviderSettings) => s.baseUrl ?? `the ${s.provider} API`;

/** Turns whatever the AI SDK, fetch or an abort threw into one LlmError with an outcome for the ledger. */
export function toLlmError(
  err: unknown,
  s: ProviderSettings,
  why: { aborted: boolean; timedOut: boolean; timeoutSeconds: number; streaming: boolean },
): LlmError {
  if (err instanceof LlmError) return err;
  if (why.aborted) {
    return new LlmError(
      'llm-aborted',
      499,
      `The call to ${s.provider}:${s.model} was cancelled.`,
      'aborted',
      {},
      { cause: err },
    );
  }
  if (why.timedOut) {
    return new LlmError(
      'llm-timeout',
      504,
      `The call to ${s.provider}:${s.model} took longer than ${why.timeoutSeconds}s (ORBIT_LLM_TIMEOUT_SECONDS) and was stopped.`,
      'timeout',
      {},
      { cause: err },
    );
  }
  const e = RetryError.isInstance(err) ? err.lastError : err;
  if (NoSuchToolError.isInstance(e)) {
    return new LlmError(
      'llm-unknown-tool',
      502,
      `The model called a tool named "${e.toolName}", which does not exist; available tools: ${(e.availableTools ?? []).join(', ') || 'none'}.`,
      'unknown_tool',
      { toolName: e.toolName, availableTools: e.availableTools ?? [] },
      { cause: e },
    );
  }
  if (InvalidToolInputError.isInstance(e)) {
    return new LlmError(
      'llm-invalid-tool-input',
      502,
      `The model called tool "${e.toolName}" with input that does not match its schema: ${messageOf(e.cause)}.`,
      'invalid_tool_input',
      { toolName: e.toolName },
      { cause: e },
    );
  }
  if (APICallError.isInstance(e)) {
    const status = e.statusCode;
    const said = providerMessage(e.responseBody) ?? e.message;
    if (status !== undefined && status < 300) {
      // The answer started (HTTP 2xx) and its body could not be read to the end: the connection broke mid-answer.
      return new LlmError(
        'llm-stream-interrupted',
        502,
        `The answer from ${s.provider}:${s.model} broke off before it finished: ${messageOf(e.cause) || e.message}.`,
        'stream_interrupted',
        {},
        { cause: e },
      );
    }
    if (status === 401 || status === 403) {
      return new LlmError(
        'llm-auth-failed',
        502,
        `${s.provider} rejected the API key (HTTP ${status}: ${said}). Check ${keyVariable(s)}; the call was not retried.`,
        'auth_error',
        { providerStatus: status },
        { cause: e },
      );
    }
    if (status === 429) {
      return new LlmError(
        'llm-rate-limited',
        503,
        `${s.provider} is still rate limiting after the retries (ORBIT_LLM_MAX_RETRIES): ${said}.`,
        'rate_limited',
        { providerStatus: status },
        { cause: e },
      );
    }
    if (status !== undefined && status >= 500) {
      return new LlmError(
        'llm-provider-error',
        502,
        `${s.provider} failed with HTTP ${status} after the retries: ${said}.`,
        'provider_error',
        { providerStatus: status },
        { cause: e },
      );
    }
    if (status !== undefined) {
      return new LlmError(
        'llm-bad-request',
        502,
        `${s.provider} refused the request with HTTP ${status}: ${said}.`,
        'bad_request',
        { providerStatus: status },
        { cause: e },
      );
    }
    return new LlmError(
      'llm-unreachable',
      502,
      `Cannot reach ${where(s)}: ${messageOf(e.cause) || e.message}.`,
      'network_error',
      {},
      { cause: e },
    );
  }
  if (JSONParseError.isInstance(e) || TypeValidationError.isInstance(e)) {
    return new LlmError(
      'llm-malformed-response',
      502,
      `${s.provider} sent a response Orbit cannot read (not the provider's protocol): ${messageOf(e)}.`,
      'provider_error',
      {},
      { cause: e },
    );
  }
  if (why.streaming) {
    return new LlmError(
      'llm-stream-interrupted',
      502,
      `The answer stream from ${s.provider}:${s.model} broke off before it finished: ${messageOf(e)}.`,
      'stream_interrupted',
      {},
      { cause: e },
    );
  }
  return new LlmError(
    'llm-unreachable',
    502,
    `The call to ${where(s)} failed: ${messageOf(e)}.`,
    'network_error',
    {},
    { cause: e },
  );
}

function providerMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err ?? '');
}
