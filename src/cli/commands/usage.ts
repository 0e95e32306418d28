import { Command, Option } from 'commander';
import { ApiClient } from '../client.ts';
import { action } from '../run.ts';

interface UsageRow {
  key: string | null;
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  unpricedCalls: number;
}

function usd(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(4)}`;
}

export function usageCommand(): Command {
  return new Command('usage')
    .description('LLM token usage and cost from the ledger, grouped by day, model, run kind or API key.')
    .addOption(new Option('--by <group>', 'how to group').choices(['day', 'model', 'kind', 'key']).default('day'))
    .option('--from <date>', 'from this time (ISO 8601, inclusive), e.g. 2026-11-01')
    .option('--to <date>', 'until this time (ISO 8601, exclusive)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit usage\n  $ orbit usage --by model --from 2026-11-01\n  $ orbit usage --by key --json',
    )
    .action(
      action(async ({ out, config }, opts: { by: string; from?: string; to?: string }) => {
        const q = new URLSearchParams({ groupBy: opts.by });
        if (opts.from) q.set('from', opts.from);
        if (opts.to) q.set('to', opts.to);
        const res = await ApiClient.fromConfig(config).request<{ rows: UsageRow[] }>('GET', `/v1/usage?${q}`);
        const rows = res.rows ?? [];
        const human = rows.length
          ? [
              `${opts.by.toUpperCase().padEnd(28)} ${'CALLS'.padStart(6)} ${'IN TOKENS'.padStart(10)} ${'OUT TOKENS'.padStart(10)} ${'COST'.padStart(10)}`,
              ...rows.map(
                (r) =>
                  `${String(r.key ?? '(none)').padEnd(28)} ${String(r.calls).padStart(6)} ${String(r.inputTokens).padStart(10)} ${String(r.outputTokens).padStart(10)} ${usd(r.costMicros).padStart(10)}${r.unpricedCalls ? `  (+${r.unpricedCalls} unpriced)` : ''}`,
              ),
            ].join('\n')
          : 'No LLM calls recorded in that period.';
        out.result(res, human);
        return 0;
      }),
    );
}
