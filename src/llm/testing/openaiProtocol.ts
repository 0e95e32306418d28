import { randomBytes } from 'node:crypto';
import { DEFAULT_USAGE, type ScriptedReply, type ScriptedUsage } from './script.ts';

/** OpenAI chat-completions shapes, as api.openai.com sends them (non-streaming body and SSE chunks). */
type Answer = Extract<ScriptedReply, { kind: 'answer' }>;

const fingerprint = 'fp_orbit_test';

function usageObject(u: ScriptedUsage) {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishReason(a: Answer): string {
  if (a.finishReason) return a.finishReason;
  return a.toolCalls?.length ? 'tool_calls' : 'stop';
}

function toolCallsOf(a: Answer) {
  return (a.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i}_${randomBytes(6).toString('hex')}`,
    type: 'function' as const,
    function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
  }));
}

export function openaiCompletion(a: Answer, requestedModel: string) {
  const calls = toolCallsOf(a);
  return {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: a.model ?? requestedModel,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: a.text ?? null,
          refusal: null,
          annotations: [],
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(a),
      },
    ],
    usage: usageObject(a.usage ?? DEFAULT_USAGE),
    service_tier: 'default',
    system_fingerprint: fingerprint,
  };
}

/** Splits text the way a model streams it: a few characters per chunk. */
export function pieces(text: string): string[] {
  return text.match(/\S*\s*/g)?.filter((p) => p !== '') ?? [];
}

/** The `data:` payloads of a streamed answer, in order, ending with `[DONE]`. */
export function openaiChunks(a: Answer, requestedModel: string, includeUsage: boolean): string[] {
  const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const model = a.model ?? requestedModel;
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: fingerprint,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const out = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  for (const p of pieces(a.text ?? '')) out.push(chunk({ content: p }, null));
  toolCallsOf(a).forEach((call, index) => {
    out.push(
      chunk(
        {
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        },
        null,
      ),
    );
    for (const part of call.function.arguments.match(/.{1,8}/gs) ?? []) {
      out.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }, null));
    }
  });
  out.push(chunk({}, finishReason(a)));
  if (includeUsage) {
    out.push(
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        service_tier: 'default',
        system_fingerprint: fingerprint,
        choices: [],
        usage: usageObject(a.usage ?? DEFAULT_USAGE),
      }),
    );
  }
  out.push('[DONE]');
  return out;
}

const openaiErrorTypes: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'invalid_request'],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', 'server_error'],
  503: ['server_error', 'service_unavailable'],
};

export function openaiError(status: number, message: string, errorType?: string) {
  const [type, code] = openaiErrorTypes[status] ?? ['server_error', 'server_error'];
  return { error: { message, type: errorType ?? type, param: null, code } };
}
