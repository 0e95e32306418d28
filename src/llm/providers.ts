import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { ProviderSettings } from './settings.ts';

/**
 * The AI SDK model for the configured provider, talking through `fetch` (our retrying transport). OpenAI is driven
 * through chat completions, not the Responses API: it is the protocol every OpenAI-compatible server and the local
 * test server speak, so one code path is exercised in tests and production.
 */
export function languageModel(settings: ProviderSettings, fetchImpl: typeof fetch): LanguageModel {
  switch (settings.provider) {
    case 'anthropic':
      return createAnthropic({
        apiKey: settings.apiKey,
        ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
        fetch: fetchImpl,
      })(settings.model);
    case 'openai':
      return createOpenAI({
        apiKey: settings.apiKey,
        ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
        fetch: fetchImpl,
      }).chat(settings.model);
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: settings.baseUrl!,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        includeUsage: true,
        supportsStructuredOutputs: true,
        fetch: fetchImpl,
      }).chatModel(settings.model);
  }
}
