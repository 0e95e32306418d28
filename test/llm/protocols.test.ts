import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmClient, type LlmClient, type StreamPart } from '../../src/llm/index.ts';
import { type ModelServer, startModelServer, text, toolCalls } from '../../src/llm/testing/index.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { anthropic, ledgerRows, memoryLedger, openai, openaiCompatible } from './support.ts';

let server: ModelServer;
let database: Database;

beforeAll(async () => {
  server = await startModelServer();
  database = await memoryLedger();
});
afterAll(async () => {
  await server.close();
  await database.close();
});

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream) parts.push(p);
  return parts;
}

const protocols: [string, (url: string) => ReturnType<typeof openai>, 'openai' | 'anthropic'][] = [
  ['OpenAI chat completions (openai provider)', (u) => openai(u), 'openai'],
  ['OpenAI chat completions (openai-compatible provider)', (u) => openaiCompatible(u), 'openai'],
  ['Anthropic Messages', (u) => anthropic(u), 'anthropic'],
];

describe.each(protocols)('%s over real HTTP', (_name, configFor, protocol) => {
  let client: LlmClient;
  beforeAll(() => {
    client = createLlmClient(configFor(server.baseUrl), { database });
  });

  it('answers a non-streaming text request with its usage', async () => {
    server.enqueue({
      expect: { protocol, stream: false, bodyContains: 'Say hi' },
      reply: text('Hello there!', { input: 12, output: 3 }),
    });
    const r = await client.generateText({ prompt: 'Say hi' });
    expect(server.mismatches).toEqual([]);
    expect(r.text).toBe('Hello there!');
    expect(r.finishReason).toBe('stop');
    expect(r.usage.inputTokens).toBe(12);
    expect(r.usage.outputTokens).toBe(3);
  });

  it('streams text deltas and reports usage from the final chunk', async () => {
    server.enqueue({ expect: { protocol, stream: true }, reply: text('one two three four', { input: 20, output: 4 }) });
    const s = client.streamText({ prompt: 'Count' });
    const parts = await collect(s);
    const deltas = parts.filter((p) => p.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((p) => (p.type === 'text-delta' ? p.text : '')).join('')).toBe('one two three four');
    const result = await s.result;
    expect(result.usage.inputTokens).toBe(20);
    expect(result.usage.outputTokens).toBe(4);
    expect(result.finishReason).toBe('stop');
  });

  it('returns tool calls, streamed as argument deltas and not', async () => {
    const tools = {
      readFile: {
        description: 'Read a file',
        inputSchema: { type: 'object' as const, properties: { path: { type: 'string' as const } }, required: ['path'] },
      },
    };
    server.enqueue({
      expect: { protocol, stream: false },
      reply: toolCalls([{ name: 'readFile', arguments: { path: 'README.md' } }]),
    });
    const r = await client.generateText({ prompt: 'Read the readme', tools });
    expect(r.finishReason).toBe('tool-calls');
    expect(r.toolCalls).toMatchObject([{ name: 'readFile', input: { path: 'README.md' } }]);

    server.enqueue({
      expect: { protocol, stream: true },
      reply: toolCalls([{ name: 'readFile', arguments: { path: 'src/a-rather-long-file-name.ts' } }]),
    });
    const s = client.streamText({ prompt: 'Read it', tools });
    const parts = await collect(s);
    expect(parts.filter((p) => p.type === 'tool-call')).toMatchObject([
      { call: { name: 'readFile', input: { path: 'src/a-rather-long-file-name.ts' } } },
    ]);
    expect((await s.result).finishReason).toBe('tool-calls');
  });
});

it('sends the key the way each provider expects and every call lands in the ledger', async () => {
  const byProtocol = server.requests.map((r) => [
    r.protocol,
    r.protocol === 'openai' ? r.headers.authorization : r.headers['x-api-key'],
  ]);
  expect(byProtocol).toContainEqual(['openai', 'Bearer test-key']);
  expect(byProtocol).toContainEqual(['anthropic', 'test-key']);
  const rows = await ledgerRows(database);
  expect(rows.length).toBe(server.requests.length);
  expect(rows.every((r) => r.outcome === 'ok')).toBe(true);
});
