/**
 * Backend generator: validation + planning + generation time against model size (5, 50, 500 tables), with the cost
 * of merely parsing and serialising the same model as the in-run baseline, and the quality gate's time per target.
 *
 *   npx tsx bench/backendgen.ts            # BENCH_ROUNDS=5 BENCH_GATE=1 by default
 *
 * Prints Markdown tables (medians of BENCH_ROUNDS rounds) for docs/performance.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeProject } from '../src/backendgen/generate.ts';
import { planModel } from '../src/backendgen/plan/index.ts';
import { TARGETS } from '../src/backendgen/targets/index.ts';
import { DEFAULT_LIMITS, validateModel } from '../src/backendgen/validate/index.ts';
import { median } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GATE = process.env.BENCH_GATE !== '0';
const SIZES = [5, 50, 500];
const LIMITS = { ...DEFAULT_LIMITS, maxTables: 1000, maxRelationshipsPerTable: 1000 };

/** A model of `n` tables with six typed columns each, a chain of optional foreign keys and a join every tenth table. */
export function syntheticModel(n: number): string {
  const tables = Array.from({ length: n }, (_, i) => ({
    name: `items_${i}`,
    columns: [
      { name: 'title', type: 'string', length: 120, check: { minLength: 1 } },
      { name: 'code', type: 'string', length: 20, unique: true },
      { name: 'amount', type: 'decimal', precision: 10, scale: 2, check: { min: 0 } },
      { name: 'quantity', type: 'integer', default: 0, check: { min: 0, max: 1000 } },
      { name: 'state', type: 'enum', values: ['open', 'closed'], default: 'open', index: true },
      { name: 'created_at', type: 'datetime', default: 'now' },
    ],
  }));
  const relationships = [
    ...Array.from({ length: n - 1 }, (_, i) => ({
      kind: 'one-to-many',
      parent: `items_${i}`,
      child: `items_${i + 1}`,
    })),
    ...Array.from({ length: Math.floor(n / 10) }, (_, i) => ({
      kind: 'many-to-many',
      parent: `items_${i * 10}`,
      child: `items_${i * 10 + 1}`,
      joinTable: { name: `links_${i}` },
      parentField: `linked_from_${i}`,
      childField: `linked_to_${i}`,
    })),
  ];
  return JSON.stringify({ name: 'bench', tables, relationships });
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const rows: string[] = [];
for (const n of SIZES) {
  const text = syntheticModel(n);
  const baseline: number[] = [];
  const validate: number[] = [];
  const plan: number[] = [];
  const gen: Record<string, number[]> = { fastapi: [], fastify: [] };
  let files = 0;
  let lines = 0;
  for (let r = 0; r < ROUNDS; r++) {
    baseline.push(time(() => JSON.stringify(JSON.parse(text))));
    let v = validateModel(text, LIMITS);
    validate.push(
      time(() => {
        v = validateModel(text, LIMITS);
      }),
    );
    if (!v.valid) throw new Error(JSON.stringify(v.errors.slice(0, 3)));
    const model = v.model;
    let p = planModel(model);
    plan.push(
      time(() => {
        p = planModel(model, Object.values(TARGETS));
      }),
    );
    files = 0;
    lines = 0;
    for (const target of Object.values(TARGETS)) {
      gen[target.name]?.push(
        time(() => {
          const out = target.generate(p);
          files += out.length;
          lines += out.reduce((s, f) => s + f.content.split('\n').length, 0);
        }),
      );
    }
  }
  const total = median(validate) + median(plan) + median(gen.fastapi ?? []) + median(gen.fastify ?? []);
  rows.push(
    `| ${n} | ${(text.length / 1024).toFixed(0)} KiB | ${median(baseline).toFixed(1)} | ${median(validate).toFixed(1)} | ${median(plan).toFixed(1)} | ${median(gen.fastapi ?? []).toFixed(1)} | ${median(gen.fastify ?? []).toFixed(1)} | ${(total / n).toFixed(2)} | ${(total / median(baseline)).toFixed(0)}× | ${files} / ${lines} |`,
  );
  process.stderr.write(`${n} tables done\n`);
}

console.log(
  `Machine: ${os.cpus().length} cores, Node ${process.version}; medians of ${ROUNDS} rounds, milliseconds.\n`,
);
console.log(
  '| tables | model | parse+serialise (baseline) | validate | plan | generate fastapi | generate fastify | ms per table (all stages) | all stages / baseline | files / lines (both targets) |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(r);

if (GATE) {
  const blog = validateModel(
    fs.readFileSync(path.resolve(import.meta.dirname, '../examples/models/blog.json'), 'utf8'),
  );
  if (!blog.valid) throw new Error('blog.json is invalid');
  console.log('\nQuality gate on examples/models/blog.json (dependencies already cached; one run each):\n');
  console.log('| target | total | steps |');
  console.log('| --- | ---: | --- |');
  for (const target of Object.values(TARGETS)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-gate-${target.name}-`));
    writeProject(dir, target.generate(planModel(blog.model, [target])));
    const report = await target.gate(dir, {});
    const steps = report.steps
      .map((s) => `${s.name} ${(s.durationMs / 1000).toFixed(1)} s${s.ok ? '' : ' (failed)'}`)
      .join(', ');
    console.log(`| ${target.name} | ${(report.durationMs / 1000).toFixed(1)} s | ${steps} |`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
