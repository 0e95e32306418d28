import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  type Model,
  modelJsonSchema,
  planMarkdown,
  planModel,
  TARGET_NAMES,
  TARGETS,
  type Target,
  validateModel,
  writeProject,
} from '../../backendgen/index.ts';
import { CliError } from '../output.ts';
import { action } from '../run.ts';

function readModel(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read the model ${file}: ${(err as Error).message}`, 2);
  }
}

/** Validates a model file, printing every error with its pointer and hint; throws (exit 1) when it is invalid. */
function validOrExplain(file: string, out: { json: boolean; result(d: unknown, h: string): void }): Model {
  const v = validateModel(readModel(file));
  if (v.valid) return v.model;
  const lines = v.errors.map(
    (e) => `  ${e.pointer || '/'}  ${e.message}\n  ${' '.repeat((e.pointer || '/').length)}  → ${e.hint}`,
  );
  if (out.json) out.result({ valid: false, errors: v.errors }, '');
  throw new CliError(`${file}: ${v.errors.length} problem(s)\n${lines.join('\n')}`, 1, 'invalid-model');
}

const targetOption = () =>
  new Option('--target <target>', 'fastapi (FastAPI + SQLAlchemy) or fastify (Fastify + Drizzle)').choices(
    TARGET_NAMES,
  );

/** `orbit backend schema|validate|plan|generate`: from a JSON data model to a tested backend project, in-process. */
export function backendCommand(): Command {
  const backend = new Command('backend')
    .description('Turn a JSON data model into a working, tested backend project (FastAPI or Fastify).')
    .addHelpText(
      'after',
      `
Examples:
  $ orbit backend schema > backend-model.schema.json     the JSON Schema, for your editor
  $ orbit backend validate examples/models/blog.json
  $ orbit backend plan examples/models/blog.json --target fastapi
  $ orbit backend generate examples/models/blog.json --target fastapi --out ./blog-api`,
    );

  backend
    .command('schema')
    .description('Print the JSON Schema of the data model (point "$schema" at it for editor validation).')
    .action(
      action(async ({ out }) => {
        out.result(modelJsonSchema(), JSON.stringify(modelJsonSchema(), null, 2));
        return 0;
      }),
    );

  backend
    .command('validate')
    .description('Check a model: every problem at once, with a JSON pointer and a hint each. Exit 1 when invalid.')
    .argument('<model>', 'the model file (JSON)')
    .action(
      action(async ({ out }, file: string) => {
        const model = validOrExplain(file, out);
        const plan = planModel(model);
        out.result(
          {
            valid: true,
            tables: model.tables.length,
            relationships: model.relationships?.length ?? 0,
            warnings: plan.warnings,
          },
          `${file}: valid — ${model.tables.length} tables, ${model.relationships?.length ?? 0} relationships${plan.warnings.map((w) => `\n  warning: ${w}`).join('')}`,
        );
        return 0;
      }),
    );

  backend
    .command('plan')
    .description('Show what would be generated (tables, columns, relationships, files), without writing anything.')
    .argument('<model>', 'the model file (JSON)')
    .addOption(targetOption())
    .action(
      action(async ({ out }, file: string, opts: { target?: Target['name'] }) => {
        const model = validOrExplain(file, out);
        const targets = opts.target ? [TARGETS[opts.target]] : Object.values(TARGETS);
        const plan = planModel(model, targets);
        out.result(plan, planMarkdown(plan));
        return 0;
      }),
    );

  backend
    .command('generate')
    .description('Validate, plan and generate the project, then run its quality gate (lint, types, tests).')
    .argument('<model>', 'the model file (JSON)')
    .addOption(targetOption().makeOptionMandatory())
    .requiredOption('--out <dir>', 'where to write the project (must be empty unless --force)')
    .option('--force', 'write into a non-empty directory (files of the same name are replaced)')
    .option('--no-gate', 'skip the quality gate')
    .option('--plan-only', 'print the plan and write nothing')
    .addHelpText(
      'after',
      `
The quality gate installs the project's pinned dependencies once into a shared cache under $ORBIT_HOME/cache, then
runs its linter, type checker and generated tests in the sandbox without network. Exit codes: 0 generated (and the
gate passed); 1 invalid model or a failed gate; 2 bad usage (e.g. a non-empty --out without --force).

Examples:
  $ orbit backend generate examples/models/blog.json --target fastapi --out ./blog-api
  $ orbit backend generate shop.json --target fastify --out ./shop --no-gate
  $ orbit backend generate shop.json --target fastify --out ./shop --plan-only`,
    )
    .action(
      action(
        async (
          { out },
          file: string,
          opts: { target: Target['name']; out: string; force?: boolean; gate: boolean; planOnly?: boolean },
        ) => {
          const model = validOrExplain(file, out);
          const target = TARGETS[opts.target];
          const plan = planModel(model, [target]);
          if (opts.planOnly) {
            out.result(plan, planMarkdown(plan));
            return 0;
          }
          const dir = path.resolve(opts.out);
          if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !opts.force) {
            throw new CliError(`${opts.out} is not empty; choose an empty directory or pass --force.`, 2);
          }
          const files = target.generate(plan);
          writeProject(dir, files);
          out.info(`Wrote ${files.length} files for ${target.title} to ${dir}`);
          if (!opts.gate) {
            out.result(
              { dir, files: files.length, gate: null },
              `Done (quality gate skipped). Next: see ${path.join(opts.out, 'README.md')}`,
            );
            return 0;
          }
          out.info('Quality gate (the first run installs the pinned dependencies into a shared cache):');
          const report = await target.gate(dir, {
            onStep: (s) =>
              out.info(
                `  ${s.ok ? '✓' : '✗'} ${s.name.padEnd(16)} ${(s.durationMs / 1000).toFixed(1)} s${
                  s.counts
                    ? `  ${Object.entries(s.counts)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(' ')}`
                    : ''
                }`,
              ),
          });
          fs.writeFileSync(path.join(dir, '.orbit-gate.json'), `${JSON.stringify(report, null, 2)}\n`);
          const failed = report.steps.filter((s) => !s.ok);
          out.result(
            { dir, files: files.length, gate: report },
            failed.length === 0
              ? `Quality gate passed in ${(report.durationMs / 1000).toFixed(1)} s. Next: see ${path.join(opts.out, 'README.md')}`
              : `Quality gate FAILED at ${failed.map((s) => s.name).join(', ')}:\n${failed.map((s) => s.output.slice(-1500)).join('\n')}`,
          );
          return failed.length === 0 ? 0 : 1;
        },
      ),
    );
  return backend;
}
