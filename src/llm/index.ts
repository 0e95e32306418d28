/**
 * The LLM layer: the only place in Orbit that talks to a model. Everything else goes through this entry.
 */
export type { BudgetLimits } from './budget.ts';
export { assertWithinBudget, effectiveRunCap } from './budget.ts';
export type {
  CallContext,
  CreateLlmClientOptions,
  LlmClient,
  LlmStream,
  LlmUsage,
  ObjectRequest,
  ObjectResult,
  Schema,
  StreamPart,
  TextRequest,
  TextResult,
  ToolCall,
  ToolDefinition,
} from './client.ts';
export { createLlmClient } from './client.ts';
export type { LlmCheck } from './doctor.ts';
export { checkLlm } from './doctor.ts';
export { createEmbedder, type Embedder } from './embeddings.ts';
export type { LlmOutcome } from './errors.ts';
export { BudgetExceededError, LlmError, LlmNotConfiguredError } from './errors.ts';
export type { LedgerEntry, SummarizeOptions, UsageGroupBy, UsageRow, UsageTotals } from './ledger.ts';
export { keySpendMicros, recordCall, runSpendMicros, runUsage, summarizeUsage } from './ledger.ts';
export { llmMetrics } from './metrics.ts';
export type { CallCost, ModelPrice, PriceLookup, PriceOverrides, PriceRow, TokenCounts } from './pricing.ts';
export { costOf, findPrice, PRICE_TABLE } from './pricing.ts';
export type { LlmConfig, ProviderName, ProviderSettings } from './settings.ts';
export { resolveProvider } from './settings.ts';
export * as llmTesting from './testing/index.ts';
export { type ModelServer, type ScriptStep, startModelServer } from './testing/index.ts';
export { usageRoutes } from './usageRoutes.ts';
