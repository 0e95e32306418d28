import fs from 'node:fs';
import { Command, Option } from 'commander';
import { createRegistry, knowledgeBase } from '../../orbit.ts';
import { openDatabase } from '../../platform/db/client.ts';
import { RunEngine } from '../../platform/runs/index.ts';
import { CliError } from '../output.ts';
import { ProgressDisplay } from '../progress.ts';
import { action } from '../run.ts';

/**
 * `orbit workflow generate`: runs the `workflow` executor in this process (no server, no database to set up: an
 * in-memory one holds the run), with the same steps, events and artifacts as a run on the server.
 */
export function workflowGenerateCommand(): Command {
  return new Command('generate')
    .description('Generate a Dify workflow (YAML DSL) from a plain-language request, or edit one with --from.')
    .argument('<request>', 'what the workflow should do, in plain language')
    .addOption(new Option('--mode <mode>', 'Dify app mode').choices(['workflow', 'advanced-chat']).default('workflow'))
    .option('--from <file>', 'an existing DSL file to change (edit mode)')
    .option('--out <file>', 'where to write the DSL', 'app.yml')
    .option('--force', 'overwrite --out if it exists')
    .option('--max-repairs <n>', 'validation repair rounds before giving up (0–5)', '3')
    .addHelpText(
      'after',
      `
Needs a model: set ORBIT_MODEL (and OPENAI_BASE_URL / OPENAI_API_KEY or ANTHROPIC_API_KEY); \`orbit doctor\` checks it.
Without one it fails at once and lists the closest example workflows to start from.

Examples:
  $ ORBIT_MODEL=openai-compatible:qwen2.5-coder OPENAI_BASE_URL=http://localhost:11434/v1 \\
      orbit workflow generate "Summarise a web page the user gives and translate it to French" --out summary.yml
  $ orbit workflow generate "add a moderation step before the answer" --from app.yml --out app-v2.yml
  $ orbit workflow generate "triage support emails into billing, bugs and other" --mode advanced-chat --json`,
    )
    .action(
      action(
        async (
          { out, config },
          request: string,
          opts: { mode: string; from?: string; out: string; force?: boolean; maxRepairs: string },
        ) => {
          if (fs.existsSync(opts.out) && !opts.force) {
            throw new CliError(`${opts.out} already exists; pass --force to overwrite it or choose another --out.`, 2);
          }
          let dsl: string | undefined;
          if (opts.from) {
            try {
              dsl = fs.readFileSync(opts.from, 'utf8');
            } catch (err) {
              throw new CliError(`Cannot read --from ${opts.from}: ${(err as Error).message}`, 2);
            }
          }
          const database = await openDatabase({ dataDir: 'memory://', vector: Boolean(config.embeddingModel) });
          try {
            await database.migrate();
            await knowledgeBase(config, database).seedBuiltins();
            const engine = new RunEngine({
              database,
              registry: createRegistry(config, database),
              artifactMaxBytes: config.artifactMaxBytes,
              defaultTimeoutMs: config.runTimeoutSeconds * 1000,
              heartbeatMs: config.heartbeatSeconds * 1000,
            });
            const progress = new ProgressDisplay(!out.json && Boolean(process.stderr.isTTY));
            const input = {
              request,
              mode: opts.mode,
              maxRepairRounds: Number(opts.maxRepairs),
              ...(dsl === undefined ? {} : { dsl }),
            };
            const run = await engine.runInline({ kind: 'workflow', input, owner: 'local' }, async (created) => {
              await engine.events.subscribe(created.id, 0, (e) => (out.json ? out.line(e, '') : progress.event(e)));
            });
            progress.stop();
            const artifacts = new Map((await engine.artifacts.list(run.id)).map((a) => [a.name, a]));
            if (run.status !== 'succeeded') {
              const extra = artifacts.has('suggestions.md')
                ? `\n\n${(await engine.artifacts.get(run.id, 'suggestions.md')).data.toString()}`
                : '';
              throw new CliError(`${run.error?.message ?? `the run ${run.status}`}${extra}`);
            }
            const yml = await engine.artifacts.get(run.id, 'app.yml');
            fs.writeFileSync(opts.out, yml.data);
            const diff = artifacts.has('diff.md')
              ? (await engine.artifacts.get(run.id, 'diff.md')).data.toString()
              : '';
            const o = run.output as {
              nodes?: number;
              repairRounds?: number;
              usage?: { calls?: number; costMicros?: number | null; unpriced?: boolean };
            };
            // An unpriced model's cost is unknown, not zero.
            const cost = o.usage?.unpriced
              ? 'cost unknown: the model has no price (set ORBIT_LLM_PRICES)'
              : `cost $${((o.usage?.costMicros ?? 0) / 1e6).toFixed(4)}`;
            out.result(
              { out: opts.out, run },
              `Wrote ${opts.out}: a valid ${opts.mode} with ${o.nodes ?? '?'} nodes (${o.repairRounds ?? 0} repair round(s), ${o.usage?.calls ?? '?'} model call(s), ${cost}).${diff ? `\n\n${diff}` : ''}`,
            );
            await engine.events.close();
            return 0;
          } finally {
            await database.close();
          }
        },
      ),
    );
}
