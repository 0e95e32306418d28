import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { OrbitError } from '../platform/errors.ts';
import type { ExecutorDefinition } from '../platform/runs/index.ts';
import { archiveProject, countLines, writeProject } from './generate.ts';
import { backendMetrics } from './metrics.ts';
import { planMarkdown, planModel } from './plan/index.ts';
import { TARGET_NAMES, TARGETS } from './targets/index.ts';
import { DEFAULT_LIMITS, type ModelError, validateModel } from './validate/index.ts';

export const backendInputSchema = Type.Object(
  {
    model: Type.Union(
      [Type.Object({}, { additionalProperties: true }), Type.String({ maxLength: DEFAULT_LIMITS.maxBytes })],
      {
        description:
          'The data model (docs/backend.md; `orbit backend schema` prints its JSON Schema), as JSON or JSON text.',
      },
    ),
    target: Type.Union(
      TARGET_NAMES.map((t) => Type.Literal(t)),
      { description: 'fastapi (FastAPI + SQLAlchemy + Alembic) or fastify (Fastify + Drizzle + TypeBox).' },
    ),
    gate: Type.Boolean({
      default: true,
      description: 'Run the quality gate (install, lint, types, tests) on the result.',
    }),
  },
  { additionalProperties: false },
);
export type BackendInput = Static<typeof backendInputSchema>;

export const backendOutputSchema = Type.Object({
  target: Type.String(),
  tables: Type.Integer(),
  files: Type.Integer(),
  lines: Type.Integer(),
  archive: Type.String(),
  gate: Type.Optional(
    Type.Object({
      ok: Type.Boolean(),
      durationMs: Type.Integer(),
      steps: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), durationMs: Type.Integer() })),
    }),
  ),
});

/** A model's validation errors as a 422 whose pointers lead into the run input. */
export function invalidModel(errors: readonly ModelError[], prefix = '/input/model'): OrbitError {
  const first = errors[0];
  return new OrbitError(
    'invalid-model',
    422,
    `The data model has ${errors.length} problem(s)${first ? `; first: ${first.message} ${first.hint}` : ''}`,
    {
      errors: errors.map((e) => ({ pointer: `${prefix}${e.pointer}`, message: `${e.message} Fix: ${e.hint}` })),
      modelErrors: errors,
    },
  );
}

/**
 * The `backend` run kind: validate → plan → generate → quality gate, each a stage with events; the project is an
 * archive artifact, with the plan and the gate report beside it. A failed gate fails the run, with its report kept.
 */
export const backendExecutor: ExecutorDefinition<typeof backendInputSchema, typeof backendOutputSchema> = {
  kind: 'backend',
  description: 'Generate a tested backend project (FastAPI or Fastify) from a JSON data model.',
  inputSchema: backendInputSchema,
  outputSchema: backendOutputSchema,
  maxAttempts: 1,
  timeoutMs: 30 * 60_000,
  rateLimitTier: 'generation',
  admit(input) {
    const v = validateModel(input.model);
    if (!v.valid) {
      backendMetrics.validations.inc({ result: 'invalid' });
      throw invalidModel(v.errors);
    }
  },
  async execute(ctx, input) {
    const target = TARGETS[input.target];
    const stage = async (name: string, total: number, done: number) => ctx.progress(done, total, name);
    const stages = input.gate ? 4 : 3;

    await stage('validate', stages, 0);
    const v = validateModel(input.model);
    backendMetrics.validations.inc({ result: v.valid ? 'valid' : 'invalid' });
    if (!v.valid) {
      backendMetrics.generations.inc({ target: target.name, outcome: 'invalid' });
      throw invalidModel(v.errors);
    }
    await ctx.emit('backend.validated', {
      tables: v.model.tables.length,
      relationships: v.model.relationships?.length ?? 0,
    });

    await stage('plan', stages, 1);
    const plan = planModel(v.model, [target]);
    await ctx.artifacts.put('plan.md', 'text/markdown; charset=utf-8', planMarkdown(plan));
    await ctx.artifacts.put('plan.json', 'application/json', JSON.stringify(plan, null, 2));
    await ctx.emit('backend.planned', {
      buildOrder: plan.buildOrder,
      files: plan.files.length,
      warnings: plan.warnings,
    });

    await stage('generate', stages, 2);
    const files = target.generate(plan);
    const lines = countLines(files);
    backendMetrics.files.inc({ target: target.name }, files.length);
    backendMetrics.lines.inc({ target: target.name }, lines);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `orbit-backend-${target.name}-`));
    try {
      const dir = path.join(work, plan.name);
      writeProject(dir, files);
      const archive = `${plan.name}-${target.name}.tar.gz`;
      await ctx.artifacts.put(archive, 'application/gzip', await archiveProject(dir, plan.name, files));
      await ctx.emit('backend.generated', { files: files.length, lines, archive });
      const output: Static<typeof backendOutputSchema> = {
        target: target.name,
        tables: plan.tables.length,
        files: files.length,
        lines,
        archive,
      };
      if (!input.gate) {
        backendMetrics.generations.inc({ target: target.name, outcome: 'succeeded' });
        return output;
      }

      await stage('quality gate', stages, 3);
      const report = await target.gate(dir, {
        signal: ctx.signal,
        onStep: (s) =>
          void ctx.emit('backend.gate.step', {
            name: s.name,
            ok: s.ok,
            durationMs: s.durationMs,
            ...(s.counts ? { counts: s.counts } : {}),
          }),
      });
      backendMetrics.gateDuration.observe({ target: target.name, ok: String(report.ok) }, report.durationMs / 1000);
      await ctx.artifacts.put('gate.json', 'application/json', JSON.stringify(report, null, 2));
      output.gate = {
        ok: report.ok,
        durationMs: Math.round(report.durationMs),
        steps: report.steps.map((s) => ({ name: s.name, ok: s.ok, durationMs: Math.round(s.durationMs) })),
      };
      if (!report.ok) {
        backendMetrics.generations.inc({ target: target.name, outcome: 'gate_failed' });
        const failed = report.steps.filter((s) => !s.ok);
        throw new OrbitError(
          'quality-gate-failed',
          422,
          `The generated ${target.title} project failed its quality gate at ${failed.map((s) => s.name).join(', ')}; gate.json holds each step's output. ${failed[0]?.output.slice(-500) ?? ''}`,
        );
      }
      await stage('done', stages, 4);
      backendMetrics.generations.inc({ target: target.name, outcome: 'succeeded' });
      return output;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};
