import type { Database } from '../platform/db/client.ts';
import { llmCalls } from '../platform/db/schema.ts';
import { newId } from '../platform/ids.ts';
import type { LlmOutcome } from './errors.ts';
import type { ProviderName } from './settings.ts';

/** One row of the usage ledger (`llm_calls`): every call, success or failure. */
export interface LedgerEntry {
  runId?: string | undefined;
  runKind?: string | undefined;
  apiKeyId?: string | undefined;
  provider: ProviderName;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  costMicros: number | null;
  unpriced: boolean;
  latencyMs: number;
  outcome: LlmOutcome;
}

export async function recordCall(database: Database, entry: LedgerEntry): Promise<string> {
  const id = newId();
  await database.db.insert(llmCalls).values({
    id,
    runId: entry.runId ?? null,
    runKind: entry.runKind ?? null,
    apiKeyId: entry.apiKeyId ?? null,
    provider: entry.provider,
    model: entry.model,
    inputTokens: entry.inputTokens,
    outputTokens: entry.outputTokens,
    cachedInputTokens: entry.cachedInputTokens,
    cacheWriteTokens: entry.cacheWriteTokens,
    costMicros: entry.costMicros,
    unpriced: entry.unpriced,
    latencyMs: Math.round(entry.latencyMs),
    outcome: entry.outcome,
  });
  return id;
}

export interface UsageTotals {
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  costMicros: number;
  /** Calls whose model had no price: their tokens count, their cost is unknown (not zero). */
  unpricedCalls: number;
}

export type UsageGroupBy = 'day' | 'model' | 'kind' | 'key';

export interface UsageRow extends UsageTotals {
  /** `YYYY-MM-DD` (UTC) for day, `provider:model` for model, the run kind or API key id; `null` when none. */
  key: string | null;
}

const totalsSql = `count(*) AS calls,
  count(*) FILTER (WHERE outcome <> 'ok') AS failed_calls,
  coalesce(sum(input_tokens), 0) AS input_tokens,
  coalesce(sum(output_tokens), 0) AS output_tokens,
  coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
  coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
  coalesce(sum(cost_micros), 0) AS cost_micros,
  count(*) FILTER (WHERE unpriced) AS unpriced_calls`;

type TotalsRow = Record<
  | 'calls'
  | 'failed_calls'
  | 'input_tokens'
  | 'output_tokens'
  | 'cached_input_tokens'
  | 'cache_write_tokens'
  | 'cost_micros'
  | 'unpriced_calls',
  string | number
>;

function totals(r: TotalsRow): UsageTotals {
  // PostgreSQL returns count/sum of bigint as strings; they fit in a double for any realistic ledger.
  return {
    calls: Number(r.calls),
    failedCalls: Number(r.failed_calls),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cachedInputTokens: Number(r.cached_input_tokens),
    cacheWriteTokens: Number(r.cache_write_tokens),
    costMicros: Number(r.cost_micros),
    unpricedCalls: Number(r.unpriced_calls),
  };
}

/** A run's total LLM usage. */
export async function runUsage(database: Database, runId: string): Promise<UsageTotals> {
  const rows = await database.query<TotalsRow>(`SELECT ${totalsSql} FROM llm_calls WHERE run_id = $1`, [runId]);
  return totals(rows[0]!);
}

const groupExpressions: Record<UsageGroupBy, string> = {
  day: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  model: `provider || ':' || model`,
  kind: 'run_kind',
  key: 'api_key_id',
};

export interface SummarizeOptions {
  groupBy: UsageGroupBy;
  /** Inclusive lower bound on the call time. */
  from?: Date | undefined;
  /** Exclusive upper bound on the call time. */
  to?: Date | undefined;
}

export async function summarizeUsage(database: Database, options: SummarizeOptions): Promise<UsageRow[]> {
  const group = groupExpressions[options.groupBy];
  if (!group) throw new Error(`groupBy must be one of ${Object.keys(groupExpressions).join(', ')}`);
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.from) {
    params.push(options.from.toISOString());
    where.push(`created_at >= $${params.length}`);
  }
  if (options.to) {
    params.push(options.to.toISOString());
    where.push(`created_at < $${params.length}`);
  }
  const rows = await database.query<TotalsRow & { key: string | null }>(
    `SELECT ${group} AS key, ${totalsSql} FROM llm_calls ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     GROUP BY 1 ORDER BY 1 NULLS LAST`,
    params,
  );
  return rows.map((r) => ({ key: r.key, ...totals(r) }));
}

/** Spend of a run so far, in micro-dollars. */
export async function runSpendMicros(database: Database, runId: string): Promise<number> {
  const rows = await database.query<{ s: string | number }>(
    'SELECT coalesce(sum(cost_micros), 0) AS s FROM llm_calls WHERE run_id = $1',
    [runId],
  );
  return Number(rows[0]?.s ?? 0);
}

/** Spend of an API key since `since`, in micro-dollars. */
export async function keySpendMicros(database: Database, apiKeyId: string, since: Date): Promise<number> {
  const rows = await database.query<{ s: string | number }>(
    'SELECT coalesce(sum(cost_micros), 0) AS s FROM llm_calls WHERE api_key_id = $1 AND created_at >= $2',
    [apiKeyId, since.toISOString()],
  );
  return Number(rows[0]?.s ?? 0);
}
