import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embedMany } from 'ai';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db/client.ts';
import type { CallContext } from './client.ts';
import { recordCall } from './ledger.ts';
import { costOf, findPrice } from './pricing.ts';

export type EmbeddingConfig = Pick<
  Config,
  'embeddingModel' | 'openaiApiKey' | 'openaiBaseUrl' | 'llmPrices' | 'llmTimeoutSeconds'
>;

/** Turns texts into vectors; every call is a row in the usage ledger like any other model call. */
export interface Embedder {
  /** `provider:model`, stored beside each vector so a model change re-embeds. */
  readonly model: string;
  embed(texts: string[], ctx?: CallContext): Promise<number[][]>;
}

/** The configured embedder, or undefined when ORBIT_EMBEDDING_MODEL is unset (embeddings are optional). */
export function createEmbedder(config: EmbeddingConfig, deps: { database?: Database } = {}): Embedder | undefined {
  if (!config.embeddingModel) return undefined;
  const at = config.embeddingModel.indexOf(':');
  const provider = config.embeddingModel.slice(0, at) as 'openai' | 'openai-compatible';
  const name = config.embeddingModel.slice(at + 1);
  if (provider === 'openai-compatible' && !config.openaiBaseUrl) {
    throw new Error(
      `ORBIT_EMBEDDING_MODEL=${config.embeddingModel} needs OPENAI_BASE_URL (the OpenAI-compatible server that serves it).`,
    );
  }
  const model =
    provider === 'openai'
      ? createOpenAI({
          apiKey: config.openaiApiKey,
          ...(config.openaiBaseUrl ? { baseURL: config.openaiBaseUrl } : {}),
        }).textEmbeddingModel(name)
      : createOpenAICompatible({
          name: 'openai-compatible',
          baseURL: config.openaiBaseUrl as string,
          ...(config.openaiApiKey ? { apiKey: config.openaiApiKey } : {}),
        }).textEmbeddingModel(name);
  return {
    model: config.embeddingModel,
    async embed(texts, ctx = {}) {
      const started = performance.now();
      let outcome: 'ok' | 'provider_error' = 'ok';
      let tokens = 0;
      try {
        const r = await embedMany({
          model,
          values: texts,
          maxRetries: 2,
          abortSignal: ctx.signal ?? AbortSignal.timeout(config.llmTimeoutSeconds * 1000),
        });
        tokens = r.usage.tokens;
        return r.embeddings;
      } catch (err) {
        outcome = 'provider_error';
        throw err;
      } finally {
        if (deps.database) {
          const cost = costOf(
            { input: tokens, output: 0, cacheRead: 0, cacheWrite: 0 },
            findPrice(provider, name, config.llmPrices),
          );
          await recordCall(deps.database, {
            runId: ctx.runId,
            runKind: ctx.runKind ?? 'embedding',
            apiKeyId: ctx.apiKeyId,
            provider,
            model: name,
            inputTokens: tokens,
            outputTokens: 0,
            cachedInputTokens: 0,
            cacheWriteTokens: 0,
            costMicros: cost.costMicros,
            unpriced: cost.unpriced,
            latencyMs: performance.now() - started,
            outcome,
          }).catch(() => {});
        }
      }
    },
  };
}
