import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLlmClient, type LlmConfig } from '../../src/llm/index.ts';
import { failure, type ModelServer, type ScriptStep, startModelServer, text } from '../../src/llm/testing/index.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { ExecutorRegistry, RunEngine } from '../../src/platform/runs/index.ts';
import { draftToDocument } from '../../src/workflowgen/agents/index.ts';
import {
  branchingDraft,
  linearDraft,
  llmData,
  scriptedDesign,
  scriptedUnderstanding,
} from '../../src/workflowgen/agents/scripted.ts';
import { createWorkflowExecutor, type WorkflowExecutorOptions } from '../../src/workflowgen/executor.ts';
import { validateDsl } from '../../src/workflowgen/index.ts';
import { KnowledgeBase } from '../../src/workflowgen/kb/index.ts';
import { ledgerRows, llmConfig, memoryLedger, openaiCompatible } from '../llm/support.ts';

/**
 * Every path of the generation agents, through the real run engine on in-memory PGlite, against the local model
 * server over real HTTP (OpenAI-compatible protocol), with the real knowledge base seeded with the shipped examples.
 */
let database: Database;
let knowledge: KnowledgeBase;
let server: ModelServer;
let engine: RunEngine;

beforeAll(async () => {
  database = await memoryLedger();
  knowledge = new KnowledgeBase(database);
  await knowledge.seedBuiltins();
});
afterAll(() => database.close());
beforeEach(async () => {
  server = await startModelServer({ apiKey: 'test-key' });
});
afterEach(async () => {
  await engine?.stop();
  await server.close();
});

// Structured re-asks off: each scripted answer is exactly one request, so the script reads as the conversation.
const config = (extra: Partial<LlmConfig> = {}) =>
  openaiCompatible(server.baseUrl, 'qwen', { llmStructuredRetries: 0, llmMaxRetries: 1, ...extra });

function engineWith(llm: WorkflowExecutorOptions['llm']): RunEngine {
  const registry = new ExecutorRegistry();
  registry.register(createWorkflowExecutor({ llm, knowledge }));
  engine = new RunEngine({
    database,
    registry,
    artifactMaxBytes: 1024 * 1024,
    defaultTimeoutMs: 60_000,
    heartbeatMs: 500,
  });
  return engine;
}

const client = (extra: Partial<LlmConfig> = {}) =>
  createLlmClient(config(extra), { database, retry: { baseDelayMs: 5 } });

const answer = (value: unknown, usage = { input: 10, output: 5 }): ScriptStep => ({
  expect: { protocol: 'openai', stream: false },
  reply: text(JSON.stringify(value), usage),
});

const requestText = (i: number) => JSON.stringify(server.requests[i]?.body ?? {});

async function artifact(runId: string, name: string): Promise<string> {
  const a = await engine.artifacts.get(runId, name);
  return Buffer.from(a.data).toString('utf8');
}

async function stepEvents(runId: string) {
  return (await engine.events.list(runId)).filter((e) => e.type === 'workflow.step').map((e) => e.data);
}

describe('workflow generation runs', () => {
  it('a valid first answer: succeeds with app.yml that validates, an explanation, usage and step events', async () => {
    server.enqueue(
      answer(scriptedUnderstanding('Reply to support tickets, urgent ones differently.')),
      answer(scriptedDesign('workflow', 'Ticket triage')),
      answer(branchingDraft()),
    );
    const run = await engineWith(client()).runInline({
      kind: 'workflow',
      input: { request: 'Translate support tickets; urgent tickets get an escalation reply.' },
      owner: 'local',
    });
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.input).toMatchObject({ mode: 'workflow', maxRepairRounds: 3 });
    expect(run.output).toMatchObject({
      valid: true,
      mode: 'workflow',
      name: 'Ticket triage',
      nodes: 6,
      edges: 6,
      repairRounds: 0,
      nodeTypes: ['end', 'if-else', 'llm', 'start', 'variable-aggregator'],
      usage: { calls: 3, inputTokens: 30, outputTokens: 15 },
    });
    const yml = await artifact(run.id, 'app.yml');
    const check = validateDsl(yml);
    expect(check.errors).toEqual([]);
    expect(check.document?.app.mode).toBe('workflow');
    const explanation = await artifact(run.id, 'explanation.md');
    for (const title of ['Start', 'Urgent?', 'Escalate', 'Reply', 'Join', 'End'])
      expect(explanation).toContain(`### ${title} (`);
    expect(explanation).toContain('`urgent` → Escalate; `false` → Reply');

    const steps = await stepEvents(run.id);
    expect(steps.filter((s) => s.status === 'done').map((s) => s.step)).toEqual([
      'understand',
      'retrieve',
      'design',
      'write',
    ]);
    expect(steps.find((s) => s.step === 'validate')).toMatchObject({ valid: true, round: 0, errorCount: 0 });
    // the knowledge base was searched and its closest example went into the design prompt
    const retrieved = steps.find((s) => s.step === 'retrieve' && s.status === 'done')?.examples as unknown[];
    expect(retrieved.length).toBeGreaterThan(0);
    expect(requestText(1)).toContain('Real Dify apps similar to this one');
    expect(requestText(1)).toContain('Translate support tickets; urgent tickets');
    // every call is in the ledger, tied to the run
    const rows = (await ledgerRows(database)).filter((r) => r.run_id === run.id);
    expect(rows.map((r) => [r.run_kind, r.outcome])).toEqual([
      ['workflow', 'ok'],
      ['workflow', 'ok'],
      ['workflow', 'ok'],
    ]);
    expect(run.usage).toMatchObject({ llmCalls: 3, llmInputTokens: 30, llmOutputTokens: 15 });
    expect(server.mismatches).toEqual([]);
  });

  it('an invalid answer is repaired on the second round: the validation errors go back to the model', async () => {
    server.enqueue(
      answer(scriptedUnderstanding()),
      answer(scriptedDesign('advanced-chat')),
      answer(linearDraft('advanced-chat', { output: 'txt' })),
      answer(linearDraft('advanced-chat')),
    );
    const run = await engineWith(client()).runInline({
      kind: 'workflow',
      input: { request: 'A chatbot that answers questions politely.', mode: 'advanced-chat' },
      owner: 'local',
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({ valid: true, mode: 'advanced-chat', repairRounds: 1, usage: { calls: 4 } });
    const repair = requestText(3);
    expect(repair).toContain('Orbit');
    expect(repair).toContain('validator rejected that document');
    expect(repair).toContain('[reference.unknown-output]');
    expect(repair).toMatch(/writer.*has no output \\"txt\\"/);
    // the model sees its own rejected answer before the errors
    expect(repair).toContain('{{#writer.txt#}}');
    const validations = (await stepEvents(run.id)).filter((s) => s.step === 'validate');
    expect(validations.map((v) => v.valid)).toEqual([false, true]);
    expect(validateDsl(await artifact(run.id, 'app.yml')).valid).toBe(true);
  });

  it('never-valid answers hit the repair limit: the run fails with the errors and no app.yml', async () => {
    const bad = linearDraft('workflow', { output: 'txt' });
    server.enqueue(answer(scriptedUnderstanding()), answer(scriptedDesign('workflow')), answer(bad), answer(bad));
    const run = await engineWith(client()).runInline({
      kind: 'workflow',
      input: { request: 'Summarise a text.', maxRepairRounds: 1 },
      owner: 'local',
    });
    expect(run.status).toBe('failed');
    expect(run.error?.type).toBe('workflow-invalid');
    expect(run.error?.message).toMatch(/still invalid after 1 repair round/);
    expect(run.error?.message).toContain('/workflow/graph/nodes/2/data/outputs/0/value_selector');
    expect(run.error?.message).toContain('[reference.unknown-output]');
    expect(server.requests).toHaveLength(4);
    const names = (await engine.artifacts.list(run.id)).map((a) => a.name);
    expect(names).toEqual(['rejected.yml']);
    expect(await artifact(run.id, 'rejected.yml')).toMatch(/^# NOT VALID/);
    expect(run.output).toBeNull();
  });

  it('a provider that keeps failing with 500 fails the run with the provider error, after the retries', async () => {
    server.enqueue({ reply: failure(500) }, { reply: failure(500) });
    const run = await engineWith(client()).runInline({
      kind: 'workflow',
      input: { request: 'Summarise a text.' },
      owner: 'local',
    });
    expect(run.status).toBe('failed');
    expect(run.error?.type).toBe('llm-provider-error');
    expect(server.requests).toHaveLength(2); // the first try and ORBIT_LLM_MAX_RETRIES=1 retry
    expect((await ledgerRows(database)).filter((r) => r.run_id === run.id).map((r) => r.outcome)).toEqual([
      'provider_error',
    ]);
  });

  it('a rejected API key (401) fails the run at the first call, naming the key to fix', async () => {
    const run = await engineWith(createLlmClient({ ...config(), openaiApiKey: 'wrong-key' }, { database })).runInline({
      kind: 'workflow',
      input: { request: 'Summarise a text.' },
      owner: 'local',
    });
    expect(run.status).toBe('failed');
    expect(run.error?.type).toBe('llm-auth-failed');
    expect(run.error?.message).toContain('OPENAI_API_KEY');
    expect(server.requests).toHaveLength(1);
  });

  it('the budget running out: the second call is refused, never sent, and the run fails saying so', async () => {
    // 1000 USD per million tokens = 1000 micro-dollars a token: the first call (10 + 5 tokens) costs 15 000.
    const priced = client({
      llmPrices: { 'openai-compatible:qwen': { input: 1000, output: 1000 } },
      llmRunCostCapMicros: 10_000,
    });
    server.enqueue(answer(scriptedUnderstanding()), answer(scriptedDesign('workflow')));
    const run = await engineWith(priced).runInline({
      kind: 'workflow',
      input: { request: 'Summarise a text.' },
      owner: 'local',
    });
    expect(run.status).toBe('failed');
    expect(run.error?.type).toBe('llm-budget-exceeded');
    expect(run.error?.message).toMatch(/reaching its cap of \$0\.01; the call was not made/);
    expect(server.requests).toHaveLength(1);
    expect(run.usage).toMatchObject({ llmCalls: 1, llmCostMicros: 15_000 });
  });

  it('edit mode: changes an existing DSL and reports the node and edge diff', async () => {
    const before = stringify(draftToDocument(linearDraft('workflow', { name: 'Summariser' }), 'workflow'));
    const moderated = linearDraft('workflow', { name: 'Summariser' });
    const graph = moderated.workflow.graph;
    graph.nodes.splice(2, 0, {
      id: 'moderate',
      data: llmData('Moderate', 'Remove anything offensive from: {{#writer.text#}}'),
    });
    graph.nodes[3] = {
      id: 'end',
      data: { type: 'end', title: 'End', outputs: [{ variable: 'result', value_selector: ['moderate', 'text'] }] },
    };
    graph.edges = [
      { source: 'start', target: 'writer' },
      { source: 'writer', target: 'moderate' },
      { source: 'moderate', target: 'end' },
    ];
    server.enqueue(answer(scriptedUnderstanding()), answer(scriptedDesign('workflow')), answer(moderated));
    const run = await engineWith(client()).runInline({
      kind: 'workflow',
      input: { request: 'Add a moderation step before the end.', dsl: before },
      owner: 'local',
    });
    expect(run.error).toBeNull();
    expect(run.output).toMatchObject({
      valid: true,
      nodes: 4,
      diff: {
        nodes: {
          added: [{ id: 'moderate', type: 'llm', title: 'Moderate' }],
          removed: [],
          changed: [{ id: 'end', type: 'end', title: 'End', fields: ['outputs'] }],
        },
        edges: {
          added: [
            { source: 'writer', sourceHandle: 'source', target: 'moderate' },
            { source: 'moderate', sourceHandle: 'source', target: 'end' },
          ],
          removed: [{ source: 'writer', sourceHandle: 'source', target: 'end' }],
        },
      },
    });
    const diff = await artifact(run.id, 'diff.md');
    expect(diff).toContain('+ `moderate` llm "Moderate"');
    expect(diff).toContain('~ `end` end "End": outputs');
    expect(diff).toContain('− `writer` → `end`');
    // the model was shown the app it must change
    expect(requestText(2)).toContain('Change this existing Dify app');
    expect(requestText(2)).toContain('\\"id\\": \\"writer\\"');
    const after = validateDsl(await artifact(run.id, 'app.yml'));
    expect(after.valid).toBe(true);
    // kept nodes keep their editor fields (position) from the original file
    const positionOf = (doc: typeof after.document) =>
      (doc?.workflow.graph.nodes[0] as { position?: unknown } | undefined)?.position;
    expect(positionOf(after.document)).toEqual(positionOf(validateDsl(before).document));
    expect(positionOf(after.document)).toBeDefined();
  });

  it('edit mode refuses a DSL that cannot be read, before any model call', async () => {
    const run = await engineWith(client()).runInline({
      kind: 'workflow',
      input: { request: 'Add a step.', dsl: 'app: [unclosed' },
      owner: 'local',
    });
    expect(run.status).toBe('failed');
    expect(run.error?.type).toBe('workflow-dsl-unreadable');
    expect(run.error?.message).toContain('[yaml.syntax]');
    expect(server.requests).toHaveLength(0);
  });

  it('no model configured: fails at once saying how to configure one, and offers knowledge-base suggestions', async () => {
    const run = await engineWith(() => createLlmClient(llmConfig(), { database })).runInline({
      kind: 'workflow',
      input: { request: 'Translate a text into another language', mode: 'workflow' },
      owner: 'local',
    });
    expect(run.status).toBe('failed');
    expect(run.error?.type).toBe('llm-not-configured');
    expect(run.error?.message).toMatch(/Set ORBIT_MODEL/);
    const events = await engine.events.list(run.id);
    expect(events.some((e) => e.type === 'workflow.step')).toBe(false);
    const suggestions = events.find((e) => e.type === 'workflow.suggestions')?.data.suggestions as {
      name: string;
      mode: string;
    }[];
    expect(suggestions.length).toBeGreaterThan(0);
    expect(suggestions.every((s) => s.mode === 'workflow')).toBe(true);
    const md = await artifact(run.id, 'suggestions.md');
    expect(md).toContain(`## ${suggestions[0]?.name}`);
    expect(md).toMatch(/No workflow was generated: No LLM provider is configured/);
    expect(server.requests).toHaveLength(0);
  });

  it('an empty or blank request is rejected by the input schema before a run exists', async () => {
    const e = engineWith(client());
    const before = (await e.store.list({ limit: 500 })).length;
    for (const request of ['', '   \n ']) {
      await expect(e.runInline({ kind: 'workflow', input: { request }, owner: 'local' })).rejects.toMatchObject({
        status: 400,
        extra: { errors: expect.arrayContaining([expect.objectContaining({ pointer: '/input/request' })]) },
      });
    }
    await expect(
      e.runInline({ kind: 'workflow', input: { request: 'x', maxRepairRounds: 9, mode: 'chat' }, owner: 'local' }),
    ).rejects.toMatchObject({
      extra: {
        errors: expect.arrayContaining([
          expect.objectContaining({ pointer: '/input/maxRepairRounds' }),
          expect.objectContaining({ pointer: '/input/mode' }),
        ]),
      },
    });
    expect((await e.store.list({ limit: 500 })).length).toBe(before);
  });
});
