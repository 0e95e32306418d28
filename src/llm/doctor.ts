import { createLlmClient } from './client.ts';
import { LlmError, LlmNotConfiguredError } from './errors.ts';
import { type LlmConfig, type ProviderName, resolveProvider } from './settings.ts';

/** What `orbit doctor` prints about the LLM provider. */
export interface LlmCheck {
  configured: boolean;
  provider?: ProviderName;
  model?: string;
  /** The base URL in use, or `provider default`. */
  endpoint?: string;
  /** Whether a one-token call succeeded. */
  ok: boolean;
  latencyMs?: number;
  /** Why not, in words. */
  problem?: string;
  /** What to do about it. */
  fix?: string;
}

/** Which provider and model are configured and whether a one-token call to them succeeds. Never throws. */
export async function checkLlm(config: LlmConfig, options: { signal?: AbortSignal } = {}): Promise<LlmCheck> {
  let settings: ReturnType<typeof resolveProvider>;
  try {
    settings = resolveProvider(config);
  } catch (err) {
    if (!(err instanceof LlmNotConfiguredError)) throw err;
    return {
      configured: false,
      ok: false,
      problem: err.detail,
      fix: `Set ${err.variables.join(' and ')}, e.g. ORBIT_MODEL=openai-compatible:qwen2.5-coder OPENAI_BASE_URL=http://localhost:11434/v1`,
    };
  }
  const base = {
    configured: true,
    provider: settings.provider,
    model: settings.model,
    endpoint: settings.baseUrl ?? 'provider default',
  };
  // The probe must answer quickly: no retries, a short timeout.
  const client = createLlmClient({
    ...config,
    llmMaxRetries: 0,
    llmTimeoutSeconds: Math.min(config.llmTimeoutSeconds, 30),
  });
  const started = performance.now();
  try {
    await client.generateText(
      { prompt: 'Reply with the single word: ok', maxOutputTokens: 1 },
      { signal: options.signal },
    );
    return { ...base, ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const problem = err instanceof LlmError ? err.detail : String(err);
    const fix =
      err instanceof LlmError && err.outcome === 'auth_error'
        ? `Check ${settings.provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY'}.`
        : err instanceof LlmError && err.outcome === 'network_error'
          ? `Check that the server at ${base.endpoint} is running and ${settings.provider === 'anthropic' ? 'ANTHROPIC_BASE_URL' : 'OPENAI_BASE_URL'} is right.`
          : `Check that the model "${settings.model}" exists on ${base.endpoint}.`;
    return { ...base, ok: false, latencyMs: Math.round(performance.now() - started), problem, fix };
  }
}
