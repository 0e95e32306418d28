import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLlm, createLlmClient, recordCall, runUsage, summarizeUsage, usageRoutes } from '../../src/llm/index.ts';
import { startModelServer, text } from '../../src/llm/testing/index.ts';
import { type Database, openDatabase } from '../../src/platform/db/client.ts';
import { createTestDatabase, hasPostgres, itWhen, POSTGRES_MISSING } from '../support/services.ts';
import { insertRun, llmConfig, memoryLedger, openaiCompatible } from './support.ts';

const base = {
  provider: 'openai' as const,
  inputTokens: 100,
  outputTokens: 10,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  unpriced: false,
  latencyMs: 12,
  outcome: 'ok' as const,
};

async function seed(database: Database) {
  const runId = await insertRun(database, 'agent');
  await recordCall(database, { ...base, runId, runKind: 'agent', apiKeyId: 'k1', model: 'gpt-4o', costMicros: 1000 });
  await recordCall(database, {
    ...base,
    runId,
    runKind: 'agent',
    apiKeyId: 'k1',
    model: 'gpt-4o',
    costMicros: 500,
    outcome: 'rate_limited',
  });
  await recordCall(database, {
    ...base,
    runKind: 'workflow',
    apiKeyId: 'k2',
    model: 'local',
    costMicros: null,
    unpriced: true,
  });
  await database.query(`UPDATE llm_calls SET created_at = '2026-01-02T10:00:00Z' WHERE model = 'local'`);
  return runId;
}

describe('usage ledger on PGlite', () => {
  let database: Database;
  let runId: string;
  beforeAll(async () => {
    database = await memoryLedger();
    runId = await seed(database);
  });
  afterAll(async () => database.close());

  it("a run's total usage sums its calls, failures included", async () => {
    expect(await runUsage(database, runId)).toEqual({
      calls: 2,
      failedCalls: 1,
      inputTokens: 200,
      outputTokens: 20,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      costMicros: 1500,
      unpricedCalls: 0,
    });
  });

  it('summarises by model, kind, key and day, and filters by time', async () => {
    const byModel = await summarizeUsage(database, { groupBy: 'model' });
    expect(byModel.map((r) => [r.key, r.calls, r.costMicros, r.unpricedCalls])).toEqual([
      ['openai:gpt-4o', 2, 1500, 0],
      ['openai:local', 1, 0, 1],
    ]);
    expect((await summarizeUsage(database, { groupBy: 'kind' })).map((r) => r.key)).toEqual(['agent', 'workflow']);
    expect((await summarizeUsage(database, { groupBy: 'key' })).map((r) => r.key)).toEqual(['k1', 'k2']);
    const byDay = await summarizeUsage(database, { groupBy: 'day' });
    expect(byDay[0]).toMatchObject({ key: '2026-01-02', calls: 1 });
    const january = await summarizeUsage(database, {
      groupBy: 'model',
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
    });
    expect(january.map((r) => r.key)).toEqual(['openai:local']);
  });

  it('GET /v1/usage answers the summary and rejects a bad groupBy', async () => {
    const app = Fastify();
    await app.register(usageRoutes, { database });
    const ok = await app.inject({ method: 'GET', url: '/v1/usage?groupBy=kind' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      groupBy: 'kind',
      from: null,
      rows: [{ key: 'agent', costMicros: 1500, costUsd: 0.0015 }, { key: 'workflow' }],
    });
    const bad = await app.inject({ method: 'GET', url: '/v1/usage?groupBy=colour' });
    expect(bad.statusCode).toBe(400);
    const backwards = await app.inject({
      method: 'GET',
      url: '/v1/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    });
    expect(backwards.statusCode).toBe(400);
    await app.close();
  });
});

describe('usage ledger on PostgreSQL', () => {
  itWhen(hasPostgres, POSTGRES_MISSING)('records calls and sums a run the same way', async () => {
    const target = await createTestDatabase();
    const database = await openDatabase({ url: target.url, poolSize: 2 });
    const server = await startModelServer({ script: [{ reply: text('hello', { input: 10, output: 5 }) }] });
    try {
      await database.migrate();
      const runId = await insertRun(database, 'workflow');
      const client = createLlmClient(
        openaiCompatible(server.baseUrl, 'qwen', { llmPrices: { 'openai-compatible:qwen': { input: 2, output: 4 } } }),
        { database },
      );
      await client.generateText({ prompt: 'hi' }, { runId, runKind: 'workflow' });
      expect(await runUsage(database, runId)).toMatchObject({
        calls: 1,
        inputTokens: 10,
        outputTokens: 5,
        costMicros: 40,
      });
      expect((await summarizeUsage(database, { groupBy: 'kind' }))[0]).toMatchObject({
        key: 'workflow',
        costMicros: 40,
      });
    } finally {
      await server.close();
      await database.close();
      await target.drop();
    }
  });
});

describe('checkLlm (orbit doctor)', () => {
  it('names the variable to set when nothing is configured', async () => {
    const r = await checkLlm(llmConfig());
    expect(r).toMatchObject({ configured: false, ok: false });
    expect(r.fix).toMatch(/ORBIT_MODEL/);
  });

  it('reports the provider, model and a successful one-token call', async () => {
    const server = await startModelServer({
      script: [{ expect: { bodyContains: '"max_tokens":1' }, reply: text('ok') }],
    });
    try {
      const r = await checkLlm(openaiCompatible(server.baseUrl));
      expect(server.mismatches).toEqual([]);
      expect(r).toMatchObject({
        configured: true,
        ok: true,
        provider: 'openai-compatible',
        model: 'qwen2.5-coder',
        endpoint: server.baseUrl,
      });
    } finally {
      await server.close();
    }
  });

  it('reports a rejected key with what to check', async () => {
    const server = await startModelServer({ apiKey: 'other' });
    try {
      const r = await checkLlm(openaiCompatible(server.baseUrl));
      expect(r).toMatchObject({ configured: true, ok: false });
      expect(r.fix).toMatch(/OPENAI_API_KEY/);
    } finally {
      await server.close();
    }
  });
});
