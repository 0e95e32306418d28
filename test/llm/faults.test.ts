import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BudgetExceededError,
  createLlmClient,
  LlmError,
  LlmNotConfiguredError,
  runUsage,
  type StreamPart,
} from '../../src/llm/index.ts';
import { failure, type ModelServer, startModelServer, text, toolCalls } from '../../src/llm/testing/index.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { anthropic, insertRun, ledgerRows, llmConfig, memoryLedger, openai, openaiCompatible } from './support.ts';

let server: ModelServer;
let database: Database;

beforeEach(async () => {
  server = await startModelServer();
  database = await memoryLedger();
});
afterEach(async () => {
  await server.close();
  await database.close();
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

const readFile = {
  readFile: {
    inputSchema: { type: 'object' as const, properties: { path: { type: 'string' as const } }, required: ['path'] },
  },
};

describe('configuration', () => {
  it('no provider configured: fails at once naming the variable to set', () => {
    expect(() => createLlmClient(llmConfig())).toThrow(LlmNotConfiguredError);
    expect(() => createLlmClient(llmConfig())).toThrow(/Set ORBIT_MODEL/);
    expect(() => createLlmClient(llmConfig({ model: 'anthropic:claude-haiku-4-5' }))).toThrow(
      /ANTHROPIC_API_KEY is not set/,
    );
    expect(() => createLlmClient(llmConfig({ model: 'openai:gpt-4o' }))).toThrow(/OPENAI_API_KEY is not set/);
    expect(() => createLlmClient(llmConfig({ model: 'openai-compatible:qwen' }))).toThrow(/OPENAI_BASE_URL is not set/);
  });
});

describe('provider faults', () => {
  it('invalid key: 401 becomes a clear error, is not retried, and is in the ledger', async () => {
    await server.close();
    server = await startModelServer({ apiKey: 'the-right-key' });
    for (const config of [openai(server.baseUrl), anthropic(server.baseUrl)]) {
      const client = createLlmClient(config, { database });
      const err = await rejection(client.generateText({ prompt: 'hi' }));
      expect(err).toBeInstanceOf(LlmError);
      expect((err as LlmError).outcome).toBe('auth_error');
      expect((err as LlmError).detail).toMatch(/rejected the API key \(HTTP 401/);
      expect((err as LlmError).detail).toMatch(
        config.model?.startsWith('anthropic') ? /ANTHROPIC_API_KEY/ : /OPENAI_API_KEY/,
      );
    }
    expect(server.requests).toHaveLength(2);
    expect((await ledgerRows(database)).map((r) => r.outcome)).toEqual(['auth_error', 'auth_error']);
  });

  it('rate limited then succeeding: waits as long as retry-after says, then answers', async () => {
    server.enqueue({ reply: failure(429, { 'retry-after': '1' }) }, { reply: text('finally') });
    const client = createLlmClient(openaiCompatible(server.baseUrl), { database });
    const r = await client.generateText({ prompt: 'hi' });
    expect(r.text).toBe('finally');
    expect(server.requests).toHaveLength(2);
    // A lower bound, not a timing claim: the retry must not come before the provider allowed it.
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(990);
    expect((await ledgerRows(database)).map((r) => r.outcome)).toEqual(['ok']);
  });

  it('server errors are retried with backoff, and give up after ORBIT_LLM_MAX_RETRIES', async () => {
    server.enqueue({ reply: failure(500) }, { reply: failure(503) }, { reply: failure(500) });
    const client = createLlmClient(anthropic(server.baseUrl, 'claude-haiku-4-5', { llmMaxRetries: 2 }), {
      database,
      retry: { baseDelayMs: 5 },
    });
    const err = await rejection(client.generateText({ prompt: 'hi' }));
    expect((err as LlmError).outcome).toBe('provider_error');
    expect(server.requests).toHaveLength(3);
  });

  it('a stream cut mid-answer: the text so far arrives, then a clear error, recorded as interrupted', async () => {
    server.enqueue({ reply: text('alpha beta gamma delta epsilon'), cutAfterChunks: 3 });
    const client = createLlmClient(openaiCompatible(server.baseUrl), { database });
    const stream = client.streamText({ prompt: 'go' });
    const seen: StreamPart[] = [];
    const err = await rejection(
      (async () => {
        for await (const p of stream) seen.push(p);
      })(),
    );
    expect(seen.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).outcome).toBe('stream_interrupted');
    expect(await rejection(stream.result)).toBe(err);
    expect((await ledgerRows(database)).map((r) => r.outcome)).toEqual(['stream_interrupted']);
  });

  it('a stream cut in the Anthropic protocol fails the same way', async () => {
    server.enqueue({ reply: text('alpha beta gamma delta'), cutAfterChunks: 4 });
    const client = createLlmClient(anthropic(server.baseUrl), { database });
    const err = await rejection(client.streamText({ prompt: 'go' }).result);
    expect((err as LlmError).detail).toMatch(/broke off before it finished/);
    expect((err as LlmError).outcome).toBe('stream_interrupted');
  });

  it('a malformed chunk fails the call with a clear error', async () => {
    server.enqueue({ reply: text('alpha beta'), malformedChunk: true });
    const client = createLlmClient(openaiCompatible(server.baseUrl), { database });
    const err = await rejection(client.streamText({ prompt: 'go' }).result);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).type).toBe('llm-malformed-response');
  });

  it('a tool call to an unknown tool fails clearly, naming the tool and the available ones', async () => {
    server.enqueue(
      { reply: toolCalls([{ name: 'deleteEverything', arguments: {} }]) },
      { reply: toolCalls([{ name: 'deleteEverything', arguments: {} }]) },
    );
    const client = createLlmClient(anthropic(server.baseUrl), { database });
    const err = await rejection(client.generateText({ prompt: 'clean up', tools: readFile }));
    expect((err as LlmError).outcome).toBe('unknown_tool');
    expect((err as LlmError).detail).toMatch(/"deleteEverything", which does not exist; available tools: readFile/);
    const streamed = await rejection(client.streamText({ prompt: 'clean up', tools: readFile }).result);
    expect((streamed as LlmError).outcome).toBe('unknown_tool');
    expect((await ledgerRows(database)).map((r) => r.outcome)).toEqual(['unknown_tool', 'unknown_tool']);
  });

  it('abort signal cancels an in-flight call', async () => {
    server.enqueue({ reply: text('too late'), delayMs: 30_000 });
    const client = createLlmClient(openaiCompatible(server.baseUrl), { database });
    const controller = new AbortController();
    const call = client.generateText({ prompt: 'hi' }, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('run cancelled'));
    const err = await rejection(call);
    expect((err as LlmError).outcome).toBe('aborted');
    expect((await ledgerRows(database)).map((r) => r.outcome)).toEqual(['aborted']);
  });

  it('a call slower than ORBIT_LLM_TIMEOUT_SECONDS is stopped with a timeout error', async () => {
    server.enqueue({ reply: text('too late'), delayMs: 30_000 });
    const client = createLlmClient(openaiCompatible(server.baseUrl, 'qwen', { llmTimeoutSeconds: 1 }), { database });
    const err = await rejection(client.generateText({ prompt: 'hi' }));
    expect((err as LlmError).outcome).toBe('timeout');
    expect((err as LlmError).detail).toMatch(/ORBIT_LLM_TIMEOUT_SECONDS/);
  });
});

describe('structured output', () => {
  const schema = {
    type: 'object' as const,
    properties: { name: { type: 'string' as const }, tables: { type: 'integer' as const } },
    required: ['name', 'tables'],
    additionalProperties: false,
  };

  it('malformed JSON is re-asked with the validation error, then fails after N re-asks', async () => {
    server.enqueue(
      { reply: text('{"name": "shop", ') },
      { reply: text('{"name": "shop"}') },
      { reply: text('sorry, here it is: name=shop') },
    );
    const client = createLlmClient(openaiCompatible(server.baseUrl, 'qwen', { llmStructuredRetries: 2 }), { database });
    const err = await rejection(client.generateObject({ prompt: 'Describe the model', schema }));
    expect((err as LlmError).type).toBe('llm-invalid-output');
    expect((err as LlmError).detail).toMatch(/after 3 attempts/);
    expect(server.requests).toHaveLength(3);
    const second = JSON.stringify(server.requests[1]!.body);
    expect(second).toContain('Your answer was not valid: not valid JSON');
    expect(JSON.stringify(server.requests[2]!.body)).toContain("must have required property 'tables'");
    expect((await ledgerRows(database)).map((r) => r.outcome)).toEqual([
      'invalid_output',
      'invalid_output',
      'invalid_output',
    ]);
  });

  it('a re-asked answer that is valid is returned with the attempts it took', async () => {
    server.enqueue({ reply: text('{"name": 3}') }, { reply: text('{"name": "shop", "tables": 4}') });
    const client = createLlmClient(openaiCompatible(server.baseUrl), { database });
    const r = await client.generateObject<{ name: string; tables: number }>({ prompt: 'Describe', schema });
    expect(r.object).toEqual({ name: 'shop', tables: 4 });
    expect(r.attempts).toBe(2);
    expect(server.requests[0]!.body.response_format).toMatchObject({ type: 'json_schema' });
  });
});

describe('budgets', () => {
  // 1000 USD per million tokens = 1000 micro-dollars per token: 10 input + 5 output tokens cost 15 000 micros.
  const priced = { llmPrices: { 'openai-compatible:qwen': { input: 1000, output: 1000 } } };

  it('budget exhausted mid-run: the second call is refused and never sent', async () => {
    const runId = await insertRun(database);
    const client = createLlmClient(openaiCompatible(server.baseUrl, 'qwen', priced), { database });
    server.enqueue({ reply: text('first', { input: 10, output: 5 }) }, { reply: text('second') });
    await client.generateText({ prompt: 'one' }, { runId, runKind: 'workflow', costCapMicros: 10_000 });
    const err = await rejection(client.generateText({ prompt: 'two' }, { runId, costCapMicros: 10_000 }));
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).detail).toMatch(
      /spent \$0\.015000 on LLM calls, reaching its cap of \$0\.01; the call was not made/,
    );
    expect(server.requests).toHaveLength(1);
    expect(await runUsage(database, runId)).toMatchObject({ calls: 1, costMicros: 15_000, inputTokens: 10 });
  });

  it('an API key over its monthly cap is refused before the call', async () => {
    const client = createLlmClient(
      openaiCompatible(server.baseUrl, 'qwen', { ...priced, llmKeyMonthlyCapMicros: 15_000 }),
      {
        database,
      },
    );
    server.enqueue({ reply: text('first', { input: 10, output: 5 }) });
    await client.generateText({ prompt: 'one' }, { apiKeyId: 'key-1' });
    const err = await rejection(client.generateText({ prompt: 'two' }, { apiKeyId: 'key-1' }));
    expect((err as BudgetExceededError).scope).toBe('api_key');
    expect(server.requests).toHaveLength(1);
    // Another key is not affected.
    server.enqueue({ reply: text('ok') });
    await client.generateText({ prompt: 'three' }, { apiKeyId: 'key-2' });
  });

  it('a run may not ask for a cap above the configured maximum', async () => {
    const client = createLlmClient(openaiCompatible(server.baseUrl, 'qwen', { llmRunCostCapMaxMicros: 1_000_000 }), {
      database,
    });
    const runId = await insertRun(database);
    const err = await rejection(client.generateText({ prompt: 'x' }, { runId, costCapMicros: 2_000_000 }));
    expect((err as LlmError).type).toBe('llm-cost-cap-too-high');
    expect(server.requests).toHaveLength(0);
  });
});

describe('cost', () => {
  it('cost is computed from the pricing table, cache reads and writes included', async () => {
    server.enqueue(
      { reply: text('a', { input: 1000, output: 500, cacheRead: 200 }) },
      { reply: text('b', { input: 1300, output: 500, cacheRead: 200, cacheWrite: 100 }) },
    );
    await createLlmClient(openai(server.baseUrl, 'gpt-4o-mini'), { database }).generateText({ prompt: 'x' });
    await createLlmClient(anthropic(server.baseUrl, 'claude-sonnet-4-5-20250929'), { database }).generateText({
      prompt: 'x',
    });
    const rows = await ledgerRows(database);
    // gpt-4o-mini: 800 × 0.15 + 200 × 0.075 + 500 × 0.6
    expect(rows[0]).toMatchObject({
      provider: 'openai',
      input_tokens: 1000,
      cached_input_tokens: 200,
      unpriced: false,
    });
    expect(Number(rows[0]!.cost_micros)).toBe(435);
    // claude-sonnet-4-5: 1000 × 3 + 200 × 0.3 + 100 × 3.75 + 500 × 15
    expect(rows[1]).toMatchObject({ input_tokens: 1300, cached_input_tokens: 200, cache_write_tokens: 100 });
    expect(Number(rows[1]!.cost_micros)).toBe(10_935);
  });

  it('unpriced model flagged: tokens recorded, cost unknown', async () => {
    server.enqueue({ reply: text('hi', { input: 7, output: 2 }) });
    const r = await createLlmClient(openaiCompatible(server.baseUrl, 'my-local-model'), { database }).generateText({
      prompt: 'x',
    });
    expect(r.usage).toMatchObject({ unpriced: true, costMicros: null, inputTokens: 7, outputTokens: 2 });
    expect((await ledgerRows(database))[0]).toMatchObject({ unpriced: true, cost_micros: null, input_tokens: 7 });
  });
});
