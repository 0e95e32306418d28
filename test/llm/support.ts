import type { LlmConfig } from '../../src/llm/index.ts';
import { type Database, openDatabase } from '../../src/platform/db/client.ts';
import { newId } from '../../src/platform/ids.ts';

/** A complete LLM configuration pointing at the local model server; tests override what they exercise. */
export function llmConfig(overrides: Partial<LlmConfig> = {}): LlmConfig {
  return {
    model: undefined,
    anthropicApiKey: undefined,
    anthropicBaseUrl: undefined,
    openaiApiKey: undefined,
    openaiBaseUrl: undefined,
    llmTimeoutSeconds: 30,
    llmMaxRetries: 3,
    llmStructuredRetries: 2,
    llmRunCostCapMicros: 5_000_000,
    llmRunCostCapMaxMicros: 50_000_000,
    llmKeyMonthlyCapMicros: 0,
    llmPrices: {},
    llmTraceContent: false,
    ...overrides,
  };
}

export function openaiCompatible(baseUrl: string, model = 'qwen2.5-coder', extra: Partial<LlmConfig> = {}): LlmConfig {
  return llmConfig({ model: `openai-compatible:${model}`, openaiBaseUrl: baseUrl, openaiApiKey: 'test-key', ...extra });
}

export function anthropic(baseUrl: string, model = 'claude-sonnet-4-5', extra: Partial<LlmConfig> = {}): LlmConfig {
  return llmConfig({ model: `anthropic:${model}`, anthropicBaseUrl: baseUrl, anthropicApiKey: 'test-key', ...extra });
}

export function openai(baseUrl: string, model = 'gpt-4o-mini', extra: Partial<LlmConfig> = {}): LlmConfig {
  return llmConfig({ model: `openai:${model}`, openaiBaseUrl: baseUrl, openaiApiKey: 'test-key', ...extra });
}

export async function memoryLedger(): Promise<Database> {
  const database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  return database;
}

/** `llm_calls.run_id` references `runs`, so a ledger row for a run needs the run. */
export async function insertRun(database: Database, kind = 'workflow'): Promise<string> {
  const id = newId();
  await database.query(
    `INSERT INTO runs (id, kind, status, input, owner) VALUES ($1, $2, 'running', '{}'::jsonb, 'test')`,
    [id, kind],
  );
  return id;
}

export async function ledgerRows(database: Database) {
  return database.query<{
    run_id: string | null;
    run_kind: string | null;
    api_key_id: string | null;
    provider: string;
    model: string;
    input_tokens: number;
    output_tokens: number;
    cached_input_tokens: number;
    cache_write_tokens: number;
    cost_micros: string | number | null;
    unpriced: boolean;
    latency_ms: number;
    outcome: string;
  }>('SELECT * FROM llm_calls ORDER BY id');
}
