import {
  type Attributes,
  type AttributeValue,
  type Span,
  type SpanContext,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/index.ts';
import { failure, type ModelServer, startModelServer, text } from '../../src/llm/testing/index.ts';
import { openaiCompatible } from './support.ts';

/** A minimal real TracerProvider that keeps finished spans in memory (the OpenTelemetry SDK is set up elsewhere). */
class RecordedSpan implements Span {
  attributes: Attributes = {};
  status: SpanStatus | undefined;
  ended = false;
  constructor(readonly name: string) {}
  spanContext(): SpanContext {
    return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  }
  setAttribute(key: string, value: AttributeValue) {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(a: Attributes) {
    Object.assign(this.attributes, a);
    return this;
  }
  addEvent() {
    return this;
  }
  addLink() {
    return this;
  }
  addLinks() {
    return this;
  }
  setStatus(s: SpanStatus) {
    this.status = s;
    return this;
  }
  updateName() {
    return this;
  }
  end() {
    this.ended = true;
    spans.push(this);
  }
  isRecording() {
    return !this.ended;
  }
  recordException() {}
}
const spans: RecordedSpan[] = [];
const provider: TracerProvider = {
  getTracer: (): Tracer => ({
    startSpan: (name: string) => new RecordedSpan(name),
    startActiveSpan: (() => {
      throw new Error('not used');
    }) as Tracer['startActiveSpan'],
  }),
};

let server: ModelServer;
beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  server = await startModelServer();
});
afterAll(async () => {
  await server.close();
  trace.disable();
});

it('each call is a span with GenAI attributes and no prompt text by default', async () => {
  server.enqueue({ reply: text('the answer', { input: 11, output: 2 }) });
  await createLlmClient(openaiCompatible(server.baseUrl)).generateText({ prompt: 'secret prompt text' });
  const span = spans.at(-1)!;
  expect(span.name).toBe('chat qwen2.5-coder');
  expect(span.attributes).toMatchObject({
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': 'openai_compatible',
    'gen_ai.request.model': 'qwen2.5-coder',
    'gen_ai.response.model': 'qwen2.5-coder',
    'gen_ai.usage.input_tokens': 11,
    'gen_ai.usage.output_tokens': 2,
    'gen_ai.response.finish_reasons': ['stop'],
  });
  expect(JSON.stringify(span.attributes)).not.toContain('secret prompt text');
  expect(JSON.stringify(span.attributes)).not.toContain('the answer');
});

it('prompt and answer text are attached only when ORBIT_LLM_TRACE_CONTENT is on', async () => {
  server.enqueue({ reply: text('the answer') });
  await createLlmClient(openaiCompatible(server.baseUrl, 'qwen', { llmTraceContent: true })).generateText({
    prompt: 'visible prompt',
  });
  const span = spans.at(-1)!;
  expect(span.attributes['gen_ai.input.messages']).toContain('visible prompt');
  expect(span.attributes['gen_ai.output.messages']).toContain('the answer');
});

it('a failed call is a span with an error status and type', async () => {
  server.enqueue({ reply: failure(400, undefined, 'bad model') });
  await expect(createLlmClient(openaiCompatible(server.baseUrl)).generateText({ prompt: 'x' })).rejects.toThrow(
    /HTTP 400/,
  );
  const span = spans.at(-1)!;
  expect(span.status?.code).toBe(2);
  expect(span.attributes['error.type']).toBe('llm-bad-request');
});
