import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelServer, startModelServer, text } from '../../src/llm/testing/index.ts';
import { linearDraft, scriptedDesign, scriptedUnderstanding } from '../../src/workflowgen/agents/scripted.ts';
import { validateDsl } from '../../src/workflowgen/index.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';

async function waitForRun(base: string, id: string) {
  for (let i = 0; i < 400; i++) {
    const r = await api(base, 'GET', `/v1/runs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(String(r.json.status))) return r.json;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`run ${id} did not finish`);
}

describe('workflow generation through the server, against an OpenAI-compatible model server', () => {
  let model: ModelServer;
  let t: TestServer;
  beforeAll(async () => {
    model = await startModelServer();
    t = await startTestServer({
      ORBIT_MODEL: 'openai-compatible:qwen2.5-coder',
      OPENAI_BASE_URL: model.baseUrl,
      ORBIT_LLM_PRICES: JSON.stringify({ 'openai-compatible:qwen2.5-coder': { input: 0.2, output: 0.6 } }),
    });
  });
  afterAll(async () => {
    await t.close();
    await model.close();
  });

  it('turns one sentence into a valid DSL, and records every call in the ledger with tokens and cost', async () => {
    model.enqueue(
      { reply: text(JSON.stringify(scriptedUnderstanding('Summarise a page')), { input: 800, output: 100 }) },
      { reply: text(JSON.stringify(scriptedDesign('workflow', 'Summariser')), { input: 1900, output: 400 }) },
      { reply: text(JSON.stringify(linearDraft('workflow', { name: 'Summariser' })), { input: 2600, output: 900 }) },
    );
    const r = await api(t.url, 'POST', '/v1/workflows', { body: { request: 'Summarise a web page in three bullets' } });
    expect(r.status).toBe(202);
    expect(r.json.kind).toBe('workflow');
    const done = await waitForRun(t.url, String(r.json.id));
    expect(done.status).toBe('succeeded');
    // 5,300 input tokens at $0.20/M + 1,400 output tokens at $0.60/M = $0.00190 = 1,900 micro-dollars.
    expect(done.usage).toMatchObject({ llmCalls: 3, llmInputTokens: 5300, llmOutputTokens: 1400, llmCostMicros: 1900 });
    const yml = await api(t.url, 'GET', `/v1/runs/${r.json.id}/artifacts/app.yml`);
    expect(yml.headers.get('content-type')).toMatch(/yaml/);
    expect(validateDsl(yml.text).valid).toBe(true);
    const usage = await api(t.url, 'GET', '/v1/usage?groupBy=kind');
    expect(usage.json.rows).toContainEqual(expect.objectContaining({ key: 'workflow', calls: 3, costMicros: 1900 }));
    expect(model.requests).toHaveLength(3);
    const explanation = await api(t.url, 'GET', `/v1/runs/${r.json.id}/artifacts/explanation.md`);
    expect(explanation.text).toContain('```mermaid\nflowchart LR');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/orbit_workflow_generations_total\{outcome="succeeded",mode="generate"\} [1-9]/);
    expect(metrics).toMatch(/orbit_workflow_repair_rounds_count [1-9]/);
  });

  it('validates a DSL through the real auth and rate-limit layers', async () => {
    const res = await fetch(`${t.url}/v1/workflows/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'app:\n  name: x\n  mode: workflow\nkind: app\nversion: 0.6.0\nworkflow:\n  graph:\n    nodes: []\n    edges: []\n',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBeTruthy();
    const body = (await res.json()) as { valid: boolean; errors: { rule: string }[] };
    expect(body.valid).toBe(false);
    expect(body.errors.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`orbit_workflow_validation_errors_total\\{rule="${body.errors[0]?.rule}"\\} [1-9]`),
    );
  });

  it('searches the built-in example workflows seeded at start-up', async () => {
    const r = await api(t.url, 'GET', '/v1/knowledge?q=classify&limit=5');
    expect(r.status).toBe(200);
    const hits = r.json.results as { name: string; source: string }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.source.startsWith('builtin:'))).toBe(true);
  });

  it('documents POST /v1/workflows with the executor input schema in the OpenAPI document', async () => {
    const doc = await api(t.url, 'GET', '/openapi.json');
    const paths = doc.json.paths as Record<string, { post?: { requestBody?: unknown } }>;
    expect(paths['/v1/workflows']?.post?.requestBody).toBeTruthy();
    expect(paths['/v1/workflows/validate']).toBeTruthy();
  });
});

describe('generation runs count against the generation tier', () => {
  it('limits POST /v1/runs of kind workflow by the generation tier, on top of the caller’s own', async () => {
    const t = await startTestServer({
      ORBIT_RATE_LIMITS: JSON.stringify({ generation: [{ limit: 2, windowSeconds: 60 }] }),
    });
    try {
      const start = () =>
        api(t.url, 'POST', '/v1/runs', { body: { kind: 'workflow', input: { request: 'anything' } } });
      expect((await start()).status).toBe(202);
      expect((await start()).status).toBe(202);
      const third = await start();
      expect(third.status).toBe(429);
      expect(String(third.json.detail)).toContain('"generation" tier');
      expect(
        (await api(t.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 1, delayMs: 0 } } })).status,
      ).toBe(202);
    } finally {
      await t.close();
    }
  });
});
