import { randomBytes } from 'node:crypto';
import { pieces } from './openaiProtocol.ts';
import { DEFAULT_USAGE, type ScriptedReply, type ScriptedUsage } from './script.ts';

/** Anthropic Messages API shapes, as api.anthropic.com sends them (non-streaming body and SSE events). */
type Answer = Extract<ScriptedReply, { kind: 'answer' }>;

/** Anthropic counts `input_tokens` without cache reads and writes; the script's `input` includes them. */
function usageObject(u: ScriptedUsage, outputTokens: number) {
  const cacheRead = u.cacheRead ?? 0;
  const cacheWrite = u.cacheWrite ?? 0;
  return {
    input_tokens: u.input - cacheRead - cacheWrite,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function stopReason(a: Answer): string {
  if (a.finishReason === 'length') return 'max_tokens';
  if (a.finishReason === 'tool_calls' || (!a.finishReason && a.toolCalls?.length)) return 'tool_use';
  return 'end_turn';
}

function toolBlocks(a: Answer) {
  return (a.toolCalls ?? []).map((c, i) => ({
    type: 'tool_use' as const,
    id: c.id ?? `toolu_${i}${randomBytes(10).toString('hex')}`,
    name: c.name,
    argumentsText: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
}

export function anthropicMessage(a: Answer, requestedModel: string) {
  const content: Record<string, unknown>[] = [];
  if (a.text !== undefined && a.text !== '') content.push({ type: 'text', text: a.text });
  for (const b of toolBlocks(a)) {
    let input: unknown;
    try {
      input = JSON.parse(b.argumentsText);
    } catch {
      // Anthropic always sends an object; broken arguments can only be scripted for streams.
      input = {};
    }
    content.push({ type: 'tool_use', id: b.id, name: b.name, input });
  }
  const usage = a.usage ?? DEFAULT_USAGE;
  return {
    id: `msg_${randomBytes(12).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model: a.model ?? requestedModel,
    content,
    stop_reason: stopReason(a),
    stop_sequence: null,
    usage: usageObject(usage, usage.output),
  };
}

/** The SSE events of a streamed answer, in order: `[event name, JSON data]`. */
export function anthropicEvents(a: Answer, requestedModel: string): [string, string][] {
  const usage = a.usage ?? DEFAULT_USAGE;
  const ev = (name: string, data: Record<string, unknown>): [string, string] => [name, JSON.stringify(data)];
  const out: [string, string][] = [
    ev('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${randomBytes(12).toString('hex')}`,
        type: 'message',
        role: 'assistant',
        model: a.model ?? requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageObject(usage, 1),
      },
    }),
  ];
  let index = 0;
  if (a.text !== undefined && a.text !== '') {
    out.push(
      ev('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
    );
    out.push(ev('ping', { type: 'ping' }));
    for (const p of pieces(a.text)) {
      out.push(
        ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } }),
      );
    }
    out.push(ev('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  for (const b of toolBlocks(a)) {
    out.push(
      ev('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
      }),
    );
    out.push(
      ev('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: '' },
      }),
    );
    for (const part of b.argumentsText.match(/.{1,8}/gs) ?? []) {
      out.push(
        ev('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: part },
        }),
      );
    }
    out.push(ev('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  out.push(
    ev('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason(a), stop_sequence: null },
      usage: { output_tokens: usage.output },
    }),
  );
  out.push(ev('message_stop', { type: 'message_stop' }));
  return out;
}

const anthropicErrorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function anthropicError(status: number, message: string, errorType?: string) {
  return {
    type: 'error',
    error: { type: errorType ?? anthropicErrorTypes[status] ?? 'api_error', message },
    request_id: `req_${randomBytes(12).toString('hex')}`,
  };
}
