import { type Static, Type } from '@sinclair/typebox';
import { type LlmClient, LlmNotConfiguredError } from '../llm/index.ts';
import type { ExecutorContext, ExecutorDefinition } from '../platform/runs/registry.ts';
import {
  DEFAULT_MAX_REPAIR_ROUNDS,
  generateWorkflow,
  renderSuggestions,
  WorkflowInvalidError,
  type WorkflowKnowledge,
} from './agents/index.ts';
import { DEFAULT_MAX_BYTES } from './dsl/index.ts';
import { workflowMetrics } from './metrics.ts';

/** The generator's public API beside its executor (the workflowgen entry re-exports this file). */
export * from './agents/index.ts';

export const WorkflowRunInput = Type.Object(
  {
    request: Type.String({
      minLength: 1,
      maxLength: 4000,
      pattern: '\\S',
      description: 'What the app should do, in plain language (not blank, at most 4000 characters).',
    }),
    mode: Type.Union([Type.Literal('workflow'), Type.Literal('advanced-chat')], { default: 'workflow' }),
    dsl: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: DEFAULT_MAX_BYTES,
        description: 'An existing DSL to change (edit mode).',
      }),
    ),
    maxRepairRounds: Type.Integer({ minimum: 0, maximum: 5, default: DEFAULT_MAX_REPAIR_ROUNDS }),
  },
  { additionalProperties: false },
);
export type WorkflowRunInput = Static<typeof WorkflowRunInput>;

const NodeRef = Type.Object({ id: Type.String(), type: Type.String(), title: Type.String() });
const EdgeRef = Type.Object({ source: Type.String(), sourceHandle: Type.String(), target: Type.String() });

export const WorkflowRunOutput = Type.Object({
  valid: Type.Literal(true),
  mode: Type.Union([Type.Literal('workflow'), Type.Literal('advanced-chat')]),
  name: Type.String(),
  nodes: Type.Integer(),
  edges: Type.Integer(),
  nodeTypes: Type.Array(Type.String()),
  repairRounds: Type.Integer(),
  warnings: Type.Integer(),
  examples: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), score: Type.Number() })),
  usage: Type.Object({
    calls: Type.Integer(),
    inputTokens: Type.Integer(),
    outputTokens: Type.Integer(),
    costMicros: Type.Integer(),
    unpriced: Type.Boolean(),
  }),
  diff: Type.Optional(
    Type.Object({
      nodes: Type.Object({
        added: Type.Array(NodeRef),
        removed: Type.Array(NodeRef),
        changed: Type.Array(Type.Object({ ...NodeRef.properties, fields: Type.Array(Type.String()) })),
      }),
      edges: Type.Object({ added: Type.Array(EdgeRef), removed: Type.Array(EdgeRef) }),
    }),
  ),
});
export type WorkflowRunOutput = Static<typeof WorkflowRunOutput>;

export interface WorkflowExecutorOptions {
  /** A client, or a factory called per run (so a missing configuration fails the run, not the server's start). */
  llm: LlmClient | (() => LlmClient);
  /** The knowledge base (`new KnowledgeBase(database)` from `./kb/index.ts`) or anything with its `search`. */
  knowledge: WorkflowKnowledge;
}

/** Owners that are not API keys (see `Principal.id`): their calls are not charged to a key's monthly cap. */
const NOT_A_KEY = new Set(['local', 'anonymous']);

/**
 * The `workflow` run kind: generates (or, given `dsl`, edits) a Dify app. Artifacts: `app.yml`, `explanation.md`,
 * and in edit mode `diff.md`. A run never succeeds with an invalid file: after `maxRepairRounds` it fails with the
 * validator's errors (and the rejected file as `rejected.yml`, for inspection).
 */
export function createWorkflowExecutor(
  options: WorkflowExecutorOptions,
): ExecutorDefinition<typeof WorkflowRunInput, typeof WorkflowRunOutput> {
  const knowledge = options.knowledge;
  return {
    kind: 'workflow',
    description: 'Generate or edit a Dify workflow (DSL YAML) from a plain-language request',
    inputSchema: WorkflowRunInput,
    outputSchema: WorkflowRunOutput,
    // A model that answered badly once will answer badly again; re-running costs money for nothing.
    maxAttempts: 1,
    // every run costs model calls: starting one counts against the generation tier too
    rateLimitTier: 'generation',
    async execute(ctx, input) {
      const llm = await resolveClient(options.llm, knowledge, ctx, input);
      try {
        const r = await generateWorkflow(
          {
            llm,
            knowledge,
            call: {
              runId: ctx.runId,
              runKind: 'workflow',
              ...(NOT_A_KEY.has(ctx.owner) ? {} : { apiKeyId: ctx.owner }),
            },
          },
          input,
          ctx,
        );
        workflowMetrics.generations.inc({ outcome: 'succeeded', mode: input.dsl ? 'edit' : 'generate' });
        workflowMetrics.repairRounds.observe(r.repairRounds);
        await ctx.artifacts.put('app.yml', 'application/yaml', r.yaml);
        await ctx.artifacts.put('explanation.md', 'text/markdown', r.explanation);
        if (r.diffMarkdown !== undefined) await ctx.artifacts.put('diff.md', 'text/markdown', r.diffMarkdown);
        const nodes = r.document.workflow.graph.nodes as { type?: string; data?: { type?: string } }[];
        return {
          valid: true as const,
          mode: r.mode,
          name: r.document.app.name,
          nodes: nodes.filter((n) => n.type !== 'custom-note').length,
          edges: r.document.workflow.graph.edges.length,
          nodeTypes: [...new Set(nodes.map((n) => n.data?.type ?? '').filter(Boolean))].sort(),
          repairRounds: r.repairRounds,
          warnings: r.warnings.length,
          examples: r.examples,
          usage: {
            calls: r.usage.calls,
            inputTokens: r.usage.inputTokens,
            outputTokens: r.usage.outputTokens,
            costMicros: r.usage.costMicros,
            unpriced: r.usage.unpriced,
          },
          ...(r.diff ? { diff: r.diff } : {}),
        };
      } catch (err) {
        const outcome = err instanceof WorkflowInvalidError ? 'invalid' : 'failed';
        workflowMetrics.generations.inc({ outcome, mode: input.dsl ? 'edit' : 'generate' });
        if (err instanceof WorkflowInvalidError) {
          workflowMetrics.repairRounds.observe(err.repairRounds);
          await ctx.artifacts.put(
            'rejected.yml',
            'application/yaml',
            `# NOT VALID: rejected by Orbit's validator after ${err.repairRounds} repair round(s); see the run's error.\n${err.yaml}`,
          );
        }
        throw err;
      }
    },
  };
}

/**
 * The model client, or, when none is configured, a failure at once that says how to configure one, after offering
 * the closest knowledge-base workflows as starting points (event `workflow.suggestions`, artifact `suggestions.md`).
 */
async function resolveClient(
  llm: WorkflowExecutorOptions['llm'],
  knowledge: WorkflowKnowledge,
  ctx: ExecutorContext,
  input: WorkflowRunInput,
): Promise<LlmClient> {
  if (typeof llm !== 'function') return llm;
  try {
    return llm();
  } catch (err) {
    if (!(err instanceof LlmNotConfiguredError)) throw err;
    workflowMetrics.generations.inc({ outcome: 'not_configured', mode: input.dsl ? 'edit' : 'generate' });
    // The suggestions are a courtesy: if the search itself fails, the run still fails for the real reason.
    let searchError: string | undefined;
    const hits = await knowledge.search(input.request, { limit: 5, mode: input.mode }).catch((e: unknown) => {
      searchError = e instanceof Error ? e.message : String(e);
      return [];
    });
    await ctx.emit('workflow.suggestions', {
      reason: err.detail,
      ...(searchError ? { searchError } : {}),
      suggestions: hits.map((h) => ({
        id: h.id,
        name: h.name,
        description: h.description,
        mode: h.mode,
        nodeTypes: h.nodeTypes,
        score: h.score,
      })),
    });
    const md = renderSuggestions(hits, 'Starting points from the knowledge base');
    await ctx.artifacts.put('suggestions.md', 'text/markdown', `${md}\nNo workflow was generated: ${err.detail}\n`);
    throw err;
  }
}
