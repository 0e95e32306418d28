import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ProviderName } from './settings.ts';

/**
 * One span per LLM call with the OpenTelemetry GenAI semantic-convention attributes. Without an SDK registered the
 * API hands out no-op spans, so this costs nothing when tracing is off. Prompt and answer text are attached only
 * when ORBIT_LLM_TRACE_CONTENT=true.
 */
const tracer = trace.getTracer('orbit.llm');

const systemNames: Record<ProviderName, string> = {
  anthropic: 'anthropic',
  openai: 'openai',
  'openai-compatible': 'openai_compatible',
};

export function startLlmSpan(
  operation: 'chat' | 'generate_object',
  provider: ProviderName,
  model: string,
  extra: { maxOutputTokens?: number | undefined; temperature?: number | undefined },
): Span {
  const span = tracer.startSpan(`${operation} ${model}`, { kind: SpanKind.CLIENT });
  span.setAttribute('gen_ai.operation.name', operation === 'chat' ? 'chat' : 'generate_content');
  span.setAttribute('gen_ai.system', systemNames[provider]);
  span.setAttribute('gen_ai.provider.name', systemNames[provider]);
  span.setAttribute('gen_ai.request.model', model);
  if (extra.maxOutputTokens !== undefined) span.setAttribute('gen_ai.request.max_tokens', extra.maxOutputTokens);
  if (extra.temperature !== undefined) span.setAttribute('gen_ai.request.temperature', extra.temperature);
  return span;
}

export function endLlmSpan(
  span: Span,
  result: {
    responseModel?: string | undefined;
    inputTokens: number;
    outputTokens: number;
    finishReasons: string[];
    error?: { type: string; message: string } | undefined;
    prompt?: string | undefined;
    completion?: string | undefined;
  },
): void {
  if (result.responseModel) span.setAttribute('gen_ai.response.model', result.responseModel);
  span.setAttribute('gen_ai.usage.input_tokens', result.inputTokens);
  span.setAttribute('gen_ai.usage.output_tokens', result.outputTokens);
  if (result.finishReasons.length) span.setAttribute('gen_ai.response.finish_reasons', result.finishReasons);
  if (result.prompt !== undefined) span.setAttribute('gen_ai.input.messages', result.prompt);
  if (result.completion !== undefined) span.setAttribute('gen_ai.output.messages', result.completion);
  if (result.error) {
    span.setAttribute('error.type', result.error.type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.error.message });
  }
  span.end();
}
