import { prom, registry } from '../platform/observability/metrics.ts';

const labelNames = ['provider', 'model', 'kind'] as const;

export const llmMetrics = {
  tokens: new prom.Counter({
    name: 'orbit_llm_tokens_total',
    help: 'LLM tokens by provider, model, run kind and direction (input, output, cache_read, cache_write).',
    labelNames: [...labelNames, 'direction'],
    registers: [registry],
  }),
  cost: new prom.Counter({
    name: 'orbit_llm_cost_usd_total',
    help: 'LLM spend in USD by provider, model and run kind (priced calls only).',
    labelNames,
    registers: [registry],
  }),
  duration: new prom.Histogram({
    name: 'orbit_llm_request_duration_seconds',
    help: 'Wall time of LLM calls (retries included) by provider, model, run kind and outcome.',
    labelNames: [...labelNames, 'outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  }),
};
