import type { Database } from '../platform/db/client.ts';
import { OrbitError } from '../platform/errors.ts';
import { BudgetExceededError, usd } from './errors.ts';
import { keySpendMicros, runSpendMicros } from './ledger.ts';

export interface BudgetLimits {
  /** Default per-run cap; 0 = none. */
  runCapMicros: number;
  /** Highest cap a run may ask for; 0 = unlimited. */
  runCapMaxMicros: number;
  /** Per API key and UTC calendar month; 0 = none. */
  keyMonthlyCapMicros: number;
}

/** The cap that applies to a run: its own request (bounded by the maximum) or the default. */
export function effectiveRunCap(limits: BudgetLimits, requested: number | undefined): number {
  if (requested === undefined) return limits.runCapMicros;
  if (!Number.isInteger(requested) || requested < 0) {
    throw new OrbitError(
      'llm-cost-cap-invalid',
      400,
      `A run's cost cap must be a whole, non-negative number of micro-dollars, got ${requested}.`,
    );
  }
  if (limits.runCapMaxMicros > 0 && (requested === 0 || requested > limits.runCapMaxMicros)) {
    throw new OrbitError(
      'llm-cost-cap-too-high',
      400,
      `A run may cap its LLM spend at ${usd(limits.runCapMaxMicros)} at most (ORBIT_LLM_RUN_COST_CAP_MAX_USD); ${requested === 0 ? 'no cap' : usd(requested)} was asked for.`,
    );
  }
  return requested;
}

export function startOfUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/**
 * Checked against the ledger before every call. The cost of a call is known only after it, so the rule is: no call
 * starts once the spend has reached the cap; a single call may overshoot by its own cost.
 */
export async function assertWithinBudget(
  database: Database,
  limits: BudgetLimits,
  ctx: { runId?: string | undefined; apiKeyId?: string | undefined; costCapMicros?: number | undefined },
  now = new Date(),
): Promise<void> {
  const runCap = effectiveRunCap(limits, ctx.costCapMicros);
  if (ctx.runId && runCap > 0) {
    const spent = await runSpendMicros(database, ctx.runId);
    if (spent >= runCap) {
      throw new BudgetExceededError(
        'run',
        spent,
        runCap,
        `Run ${ctx.runId} has spent ${usd(spent)} on LLM calls, reaching its cap of ${usd(runCap)}; the call was not made. Start the run with a higher cost cap (at most ${limits.runCapMaxMicros > 0 ? usd(limits.runCapMaxMicros) : 'unlimited'}) or raise ORBIT_LLM_RUN_COST_CAP_USD.`,
      );
    }
  }
  if (ctx.apiKeyId && limits.keyMonthlyCapMicros > 0) {
    const since = startOfUtcMonth(now);
    const spent = await keySpendMicros(database, ctx.apiKeyId, since);
    if (spent >= limits.keyMonthlyCapMicros) {
      throw new BudgetExceededError(
        'api_key',
        spent,
        limits.keyMonthlyCapMicros,
        `API key ${ctx.apiKeyId} has spent ${usd(spent)} on LLM calls since ${since.toISOString().slice(0, 10)}, reaching the monthly cap of ${usd(limits.keyMonthlyCapMicros)}; the call was not made. Raise ORBIT_LLM_KEY_MONTHLY_CAP_USD or wait for the next month (UTC).`,
      );
    }
  }
}
