import type { ModelMessage } from 'ai';
import { stringify } from 'yaml';
import type { CallContext, LlmClient, LlmUsage } from '../../llm/index.ts';
import { OrbitError } from '../../platform/errors.ts';
import {
  DEFAULT_TARGET_VERSION,
  type DslDocument,
  formatIssues,
  type Issue,
  type TargetVersion,
  validateDsl,
} from '../dsl/index.ts';
import { countValidationErrors } from '../metrics.ts';
import { diffWorkflows, renderDiff, type WorkflowDiff } from './diff.ts';
import { explainWorkflow } from './explain.ts';
import type { KnowledgeHit, WorkflowKnowledge } from './knowledge.ts';
import { type AppMode, documentToDraft, draftToDocument } from './normalize.ts';
import { renderPrompt } from './prompts.ts';
import {
  type Design,
  DesignSchema,
  type Draft,
  DraftSchema,
  GENERATABLE_NODE_TYPES,
  type Understanding,
  UnderstandingSchema,
} from './schemas.ts';

export const DEFAULT_MAX_REPAIR_ROUNDS = 3;
/** Examples put into prompts, and the most of each one's YAML shown (real exports run to tens of kilobytes). */
const PROMPT_EXAMPLES = 2;
const EXAMPLE_CHARS = 6000;

export interface GenerateInput {
  request: string;
  mode: AppMode;
  /** An existing DSL to change (edit mode). Its own app mode wins over `mode`. */
  dsl?: string | undefined;
  maxRepairRounds?: number | undefined;
}

/** The part of a run's context the agents use: its event log, its usage counters and its abort signal. */
export interface StepContext {
  runId?: string | undefined;
  signal?: AbortSignal | undefined;
  emit(type: string, data?: Record<string, unknown>): Promise<unknown>;
  usage?: { add(amounts: Record<string, number>): Promise<void> };
}

export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** Sum over priced calls; `unpriced` says whether some calls had no price. */
  costMicros: number;
  unpriced: boolean;
}

export interface GenerateResult {
  mode: AppMode;
  yaml: string;
  document: DslDocument;
  explanation: string;
  understanding: Understanding;
  design: Design;
  examples: { id: string; name: string; score: number }[];
  repairRounds: number;
  warnings: Issue[];
  usage: UsageTotals;
  /** Edit mode only. */
  diff?: WorkflowDiff;
  diffMarkdown?: string;
}

/** The repair limit was reached with the DSL still invalid: the run fails with the errors, never with the file. */
export class WorkflowInvalidError extends OrbitError {
  constructor(
    readonly errors: Issue[],
    readonly yaml: string,
    readonly repairRounds: number,
  ) {
    super(
      'workflow-invalid',
      422,
      `The generated workflow is still invalid after ${repairRounds} repair round(s), the limit; Orbit does not return an invalid file. Errors:\n${formatIssues(errors)}`,
      { errors: errors.map((e) => ({ pointer: e.path, message: `${e.message} [${e.rule}]` })) },
    );
    this.name = 'WorkflowInvalidError';
  }
}

export interface AgentDependencies {
  llm: LlmClient;
  knowledge: WorkflowKnowledge;
  /** Ties every call to the run in the ledger and applies its budget. */
  call: CallContext;
}

/**
 * One generation (or edit): understand → retrieve → design → write → validate ⇄ repair (→ diff). Each step is an
 * agent with one job and one structured answer; every step is announced as a `workflow.step` event.
 */
export async function generateWorkflow(
  deps: AgentDependencies,
  input: GenerateInput,
  ctx: StepContext,
): Promise<GenerateResult> {
  const maxRepairRounds = input.maxRepairRounds ?? DEFAULT_MAX_REPAIR_ROUNDS;
  const usage: UsageTotals = {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    costMicros: 0,
    unpriced: false,
  };
  const step = (name: string, data: Record<string, unknown> = {}) => ctx.emit('workflow.step', { step: name, ...data });
  const ask = async <T>(name: string, system: string, messages: ModelMessage[], schema: object): Promise<T> => {
    const r = await deps.llm.generateObject<T>(
      { system, messages, schema, schemaName: name, temperature: 0.2 },
      { ...deps.call, signal: ctx.signal },
    );
    account(usage, r.usage);
    await ctx.usage?.add({
      llmCalls: 1,
      llmInputTokens: r.usage.inputTokens,
      llmOutputTokens: r.usage.outputTokens,
      ...(r.usage.costMicros !== null ? { llmCostMicros: r.usage.costMicros } : {}),
    });
    return r.object;
  };

  // Edit mode: the file to change must at least read as a DSL document; its own problems are for the repair loop.
  const base = input.dsl === undefined ? undefined : readBase(input.dsl);
  const mode: AppMode = base ? (base.document.app.mode as AppMode) : input.mode;
  const targetVersion: TargetVersion =
    base && String(base.document.version).startsWith('0.7.') ? '0.7.0' : DEFAULT_TARGET_VERSION;
  if (base && base.document.app.mode !== input.mode) {
    await step('edit', { note: `the existing app is of mode ${mode}; that mode is kept` });
  }
  const system = renderPrompt('system', { version: targetVersion, mode });
  const currentDraft = base ? documentToDraft(base.document) : undefined;

  await step('understand', { status: 'started' });
  const understanding = await ask<Understanding>(
    'understanding',
    system,
    [{ role: 'user', content: renderPrompt('understand', { request: input.request }) }],
    UnderstandingSchema,
  );
  await step('understand', { status: 'done', understanding });

  await step('retrieve', { status: 'started' });
  let hits = await deps.knowledge.search(input.request, { limit: 3, mode });
  if (hits.length === 0) hits = await deps.knowledge.search(understanding.summary, { limit: 3, mode });
  const examples = hits.map((h) => ({ id: h.id, name: h.name, score: h.score }));
  await step('retrieve', { status: 'done', examples });
  const examplesText = renderExamples(hits);

  await step('design', { status: 'started' });
  const currentJson = currentDraft ? JSON.stringify(currentDraft, null, 2) : '';
  const design = await ask<Design>(
    'design',
    system,
    [
      {
        role: 'user',
        content: [
          currentDraft
            ? renderPrompt('edit', { request: input.request, current: currentJson, currentProblems: '' })
            : '',
          renderPrompt('design', {
            request: input.request,
            understanding: JSON.stringify(understanding, null, 2),
            examples: examplesText,
            nodeTypes: GENERATABLE_NODE_TYPES.join(', '),
          }),
        ]
          .filter(Boolean)
          .join('\n\n'),
      },
    ],
    DesignSchema,
  );
  await step('design', {
    status: 'done',
    nodes: design.nodes.map((n) => ({ id: n.id, type: n.type, title: n.title })),
    edges: design.edges.length,
  });

  const writePrompt = renderPrompt('write', {
    request: input.request,
    design: JSON.stringify(design, null, 2),
    nodeReference: renderPrompt('node-reference'),
    examples: examplesText,
  });
  const messages: ModelMessage[] = [
    {
      role: 'user',
      content: currentDraft
        ? `${renderPrompt('edit', {
            request: input.request,
            current: currentJson,
            currentProblems: base?.errors.length
              ? `It currently has these validation errors, which your answer must also fix:\n${formatIssues(base.errors)}`
              : '',
          })}\n\n${writePrompt}`
        : writePrompt,
    },
  ];
  for (let round = 0; ; round++) {
    const stepName = round === 0 ? 'write' : 'repair';
    await step(stepName, { status: 'started', round });
    const draft = await ask<Draft>('dsl', system, messages, DraftSchema);
    const document = draftToDocument(draft, mode, base?.document);
    const yaml = stringify(document, { lineWidth: 0 });
    // The text is what the user gets, so the text is what is validated (not only the in-memory value).
    const result = validateDsl(yaml, { targetVersion });
    countValidationErrors(result.errors);
    await step(stepName, {
      status: 'done',
      round,
      nodes: document.workflow.graph.nodes.length,
      edges: document.workflow.graph.edges.length,
    });
    await step('validate', {
      round,
      valid: result.valid,
      errors: result.errors.slice(0, 20).map(({ rule, path, message }) => ({ rule, path, message })),
      errorCount: result.errors.length,
      warningCount: result.warnings.length,
    });
    if (result.valid) {
      const done: GenerateResult = {
        mode,
        yaml,
        document,
        explanation: explainWorkflow(document, design),
        understanding,
        design,
        examples,
        repairRounds: round,
        warnings: result.warnings,
        usage,
      };
      if (base) {
        done.diff = diffWorkflows(base.document, document);
        done.diffMarkdown = renderDiff(done.diff);
        await step('diff', {
          added: done.diff.nodes.added.length,
          removed: done.diff.nodes.removed.length,
          changed: done.diff.nodes.changed.length,
          edgesAdded: done.diff.edges.added.length,
          edgesRemoved: done.diff.edges.removed.length,
        });
      }
      return done;
    }
    if (round >= maxRepairRounds) throw new WorkflowInvalidError(result.errors, yaml, round);
    messages.push(
      { role: 'assistant', content: JSON.stringify(draft) },
      { role: 'user', content: renderPrompt('repair', { errors: formatIssues(result.errors) }) },
    );
  }
}

function account(total: UsageTotals, u: LlmUsage): void {
  total.calls += 1;
  total.inputTokens += u.inputTokens;
  total.outputTokens += u.outputTokens;
  total.cachedInputTokens += u.cachedInputTokens;
  if (u.costMicros === null) total.unpriced = true;
  else total.costMicros += u.costMicros;
}

function readBase(text: string): { document: DslDocument; errors: Issue[] } {
  let result = validateDsl(text);
  if (!result.document && result.errors.some((e) => e.rule === 'document.version-unsupported')) {
    result = validateDsl(text, { targetVersion: '0.7.0' });
  }
  if (!result.document) {
    throw new OrbitError(
      'workflow-dsl-unreadable',
      400,
      `The DSL to edit cannot be read as a Dify workflow or advanced-chat app:\n${formatIssues(result.errors)}`,
      { errors: result.errors.map((e) => ({ pointer: `/input/dsl${e.path}`, message: e.message })) },
    );
  }
  return { document: result.document, errors: result.errors };
}

function renderExamples(hits: readonly KnowledgeHit[]): string {
  if (hits.length === 0) return '';
  const blocks = hits.slice(0, PROMPT_EXAMPLES).map((h) => {
    const dsl = h.dsl.length > EXAMPLE_CHARS ? `${h.dsl.slice(0, EXAMPLE_CHARS)}\n# … (truncated)` : h.dsl;
    return `### ${h.name} (${h.mode}; nodes: ${h.nodeTypes.join(', ')})\n${h.description}\n\`\`\`yaml\n${dsl}\n\`\`\``;
  });
  return renderPrompt('examples', { examples: blocks.join('\n\n') });
}
