/**
 * Scores the workflow generator on `examples/workflow-requests/` with whatever model is configured.
 *
 *   ORBIT_MODEL=openai-compatible:qwen2.5-coder OPENAI_BASE_URL=http://localhost:11434/v1 npx tsx bench/workflowgen.ts
 *   npx tsx bench/workflowgen.ts        # no model: the local scripted server, to prove the harness only
 *
 * Each request is one real `workflow` run (in-process engine, in-memory PGlite, the knowledge base seeded with the
 * shipped examples). A request scores the share of its expectations that the generated, validated workflow meets
 * (0 when the run failed). Prints a Markdown table (score, model, cost, time) for docs/performance.md.
 * BENCH_ONLY=id1,id2 limits the requests; BENCH_REPAIR_ROUNDS sets maxRepairRounds (default 3).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  createLlmClient,
  type LlmClient,
  LlmNotConfiguredError,
  type ModelServer,
  runUsage,
  startModelServer,
} from '../src/llm/index.ts';
import { text } from '../src/llm/testing/index.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/platform/db/client.ts';
import { ExecutorRegistry, RunEngine } from '../src/platform/runs/index.ts';
import {
  type Check,
  parseWorkflowRequest,
  scoreWorkflow,
  type WorkflowRequest,
} from '../src/workflowgen/agents/index.ts';
import { linearDraft, scriptedDesign, scriptedUnderstanding } from '../src/workflowgen/agents/scripted.ts';
import { createWorkflowExecutor } from '../src/workflowgen/executor.ts';
import { validateDsl } from '../src/workflowgen/index.ts';
import { KnowledgeBase } from '../src/workflowgen/kb/index.ts';

const REQUESTS_DIR = new URL('../examples/workflow-requests/', import.meta.url);
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const REPAIR_ROUNDS = Number(process.env.BENCH_REPAIR_ROUNDS ?? 3);

function loadRequests(): WorkflowRequest[] {
  const files = readdirSync(REQUESTS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const all = files.map((f) => parseWorkflowRequest(parse(readFileSync(new URL(f, REQUESTS_DIR), 'utf8')), f));
  return ONLY.length ? all.filter((r) => ONLY.includes(r.id)) : all;
}

const usd = (micros: number) => `$${(micros / 1_000_000).toFixed(4)}`;

interface Row {
  request: WorkflowRequest;
  status: string;
  score: number;
  failed: string[];
  repairRounds: number | undefined;
  calls: number;
  costMicros: number;
  unpriced: boolean;
  seconds: number;
}

async function main() {
  const requests = loadRequests();
  const database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  const knowledge = new KnowledgeBase(database);
  await knowledge.seedBuiltins();

  // The configured model, or the scripted local server when there is none (the harness proves itself either way).
  const config = loadConfig();
  let llm: LlmClient;
  let scripted: ModelServer | undefined;
  try {
    llm = createLlmClient(config, { database });
  } catch (err) {
    if (!(err instanceof LlmNotConfiguredError)) throw err;
    scripted = await startModelServer();
    llm = createLlmClient(
      {
        ...config,
        model: 'openai-compatible:scripted',
        openaiBaseUrl: scripted.baseUrl,
        openaiApiKey: 'bench',
        llmPrices: { ...config.llmPrices, 'openai-compatible:scripted': { input: 0, output: 0 } },
      },
      { database },
    );
    process.stderr.write(`\n*** NO MODEL CONFIGURED (${err.detail}) ***\n`);
    process.stderr.write(
      '*** Running against the LOCAL SCRIPTED SERVER: the score measures the script, NOT a model. ***\n\n',
    );
  }

  const registry = new ExecutorRegistry();
  registry.register(createWorkflowExecutor({ llm, knowledge }));
  const engine = new RunEngine({
    database,
    registry,
    artifactMaxBytes: 10 * 1024 * 1024,
    defaultTimeoutMs: 15 * 60_000,
    heartbeatMs: 5_000,
  });

  const rows: Row[] = [];
  for (const request of requests) {
    if (scripted) {
      // The script's plain answer: one LLM step between input and output, whatever was asked.
      scripted.enqueue(
        { reply: text(JSON.stringify(scriptedUnderstanding(request.request.slice(0, 80)))) },
        { reply: text(JSON.stringify(scriptedDesign(request.mode, request.id))) },
        { reply: text(JSON.stringify(linearDraft(request.mode, { name: request.id }))) },
      );
    }
    const started = performance.now();
    const run = await engine.runInline({
      kind: 'workflow',
      input: { request: request.request, mode: request.mode, maxRepairRounds: REPAIR_ROUNDS },
      owner: 'bench',
    });
    const seconds = (performance.now() - started) / 1000;
    const usage = await runUsage(database, run.id);
    let checks: Check[] = [];
    if (run.status === 'succeeded') {
      const art = await engine.artifacts.get(run.id, 'app.yml');
      const result = validateDsl(Buffer.from(art.data).toString('utf8'));
      // A succeeded run's file is valid by construction; checking again keeps the benchmark honest.
      if (!result.valid || !result.document) throw new Error(`run ${run.id} succeeded with an invalid app.yml`);
      checks = scoreWorkflow(request, result.document);
    }
    const passed = checks.filter((c) => c.passed).length;
    const output = run.output as { repairRounds?: number } | null;
    rows.push({
      request,
      status: run.status === 'succeeded' ? 'valid' : `failed: ${run.error?.type ?? '?'}`,
      score: checks.length ? passed / checks.length : 0,
      failed: checks.filter((c) => !c.passed).map((c) => `${c.name} (${c.detail})`),
      repairRounds: output?.repairRounds,
      calls: usage.calls,
      costMicros: usage.costMicros,
      unpriced: usage.unpricedCalls > 0,
      seconds,
    });
    process.stderr.write(`${request.id}: ${rows.at(-1)?.status} score ${rows.at(-1)?.score.toFixed(2)}\n`);
  }
  await engine.stop();
  await scripted?.close();
  await database.close();
  process.stdout.write(
    report(
      rows,
      scripted ? `${llm.provider}:${llm.model} (LOCAL SCRIPTED SERVER, not a model)` : `${llm.provider}:${llm.model}`,
      scripted !== undefined,
    ),
  );
}

function report(rows: Row[], model: string, scripted: boolean): string {
  const total = rows.reduce((s, r) => s + r.score, 0);
  const valid = rows.filter((r) => r.status === 'valid').length;
  const cost = rows.reduce((s, r) => s + r.costMicros, 0);
  const unpriced = rows.some((r) => r.unpriced);
  const seconds = rows.reduce((s, r) => s + r.seconds, 0);
  const lines = [
    `## Workflow generator benchmark (${new Date().toISOString().slice(0, 10)})`,
    '',
    ...(scripted
      ? [
          '> **HARNESS CHECK ONLY: no model was configured (ORBIT_MODEL), so every answer came from the local scripted',
          '> server (one LLM step for every request). The score below is what that script achieves, not a model.**',
          '',
        ]
      : []),
    '| model | requests | valid | score | cost | time |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${model} | ${rows.length} | ${valid}/${rows.length} | ${rows.length ? ((100 * total) / rows.length).toFixed(1) : '0.0'}% | ${usd(cost)}${unpriced ? ' (some calls unpriced)' : ''} | ${seconds.toFixed(1)} s |`,
    '',
    '| request | mode | result | score | repair rounds | calls | cost | time | unmet |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.request.id} | ${r.request.mode} | ${r.status} | ${(100 * r.score).toFixed(0)}% | ${r.repairRounds ?? '–'} | ${r.calls} | ${usd(r.costMicros)} | ${r.seconds.toFixed(1)} s | ${r.failed.join(', ') || '–'} |`,
    ),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

await main();
