import type { Config } from '../platform/config.ts';
import { LlmNotConfiguredError } from './errors.ts';

export type ProviderName = 'anthropic' | 'openai' | 'openai-compatible';

/** The part of Orbit's configuration the LLM layer reads. */
export type LlmConfig = Pick<
  Config,
  | 'model'
  | 'anthropicApiKey'
  | 'anthropicBaseUrl'
  | 'openaiApiKey'
  | 'openaiBaseUrl'
  | 'llmTimeoutSeconds'
  | 'llmMaxRetries'
  | 'llmStructuredRetries'
  | 'llmRunCostCapMicros'
  | 'llmRunCostCapMaxMicros'
  | 'llmKeyMonthlyCapMicros'
  | 'llmPrices'
  | 'llmTraceContent'
>;

export interface ProviderSettings {
  provider: ProviderName;
  model: string;
  apiKey: string | undefined;
  baseUrl: string | undefined;
}

/**
 * Which provider and model `ORBIT_MODEL` selects, with its key and base URL, or an error naming exactly the
 * variables still missing.
 */
export function resolveProvider(config: LlmConfig): ProviderSettings {
  if (!config.model) {
    const hint = config.anthropicApiKey
      ? ' (ANTHROPIC_API_KEY is set: e.g. ORBIT_MODEL=anthropic:claude-sonnet-4-5)'
      : config.openaiApiKey
        ? ' (OPENAI_API_KEY is set: e.g. ORBIT_MODEL=openai:gpt-4.1-mini)'
        : config.openaiBaseUrl
          ? ' (OPENAI_BASE_URL is set: e.g. ORBIT_MODEL=openai-compatible:qwen2.5-coder)'
          : '';
    throw new LlmNotConfiguredError(
      `No LLM provider is configured. Set ORBIT_MODEL to provider:model${hint}, plus ANTHROPIC_API_KEY for anthropic, OPENAI_API_KEY for openai, or OPENAI_BASE_URL for an OpenAI-compatible server such as Ollama.`,
      ['ORBIT_MODEL'],
    );
  }
  const colon = config.model.indexOf(':');
  const provider = config.model.slice(0, colon) as ProviderName;
  const model = config.model.slice(colon + 1);
  if (provider === 'anthropic') {
    if (!config.anthropicApiKey) {
      throw new LlmNotConfiguredError(
        `ORBIT_MODEL selects anthropic:${model} but ANTHROPIC_API_KEY is not set. Set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a proxy).`,
        ['ANTHROPIC_API_KEY'],
      );
    }
    return { provider, model, apiKey: config.anthropicApiKey, baseUrl: config.anthropicBaseUrl };
  }
  if (provider === 'openai') {
    if (!config.openaiApiKey) {
      throw new LlmNotConfiguredError(
        `ORBIT_MODEL selects openai:${model} but OPENAI_API_KEY is not set. Set OPENAI_API_KEY.`,
        ['OPENAI_API_KEY'],
      );
    }
    return { provider, model, apiKey: config.openaiApiKey, baseUrl: config.openaiBaseUrl };
  }
  if (!config.openaiBaseUrl) {
    throw new LlmNotConfiguredError(
      `ORBIT_MODEL selects openai-compatible:${model} but OPENAI_BASE_URL is not set. Set OPENAI_BASE_URL to the server's /v1 URL, e.g. http://localhost:11434/v1 for Ollama (OPENAI_API_KEY if it needs one).`,
      ['OPENAI_BASE_URL'],
    );
  }
  return { provider, model, apiKey: config.openaiApiKey, baseUrl: config.openaiBaseUrl };
}
