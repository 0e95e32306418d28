/**
 * What the local model server is told to answer. A script is a queue of steps; each request takes the next step,
 * checks the step's expectations and answers with its reply. Faults (slow answers, malformed chunks, cut streams)
 * are properties of a step, so a test reads top to bottom as the conversation it simulates.
 */
export type Protocol = 'openai' | 'anthropic';

export interface ScriptedUsage {
  /** Prompt tokens, cache reads and writes included (the OpenAI meaning; the Anthropic answer splits them). */
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** An object is serialised; a string is sent as-is (to script broken JSON). */
  arguments: Record<string, unknown> | string;
}

export type ScriptedReply =
  | {
      kind: 'answer';
      text?: string;
      toolCalls?: ScriptedToolCall[];
      usage?: ScriptedUsage;
      /** Default: `tool_calls`/`tool_use` when there are tool calls, otherwise `stop`/`end_turn`. */
      finishReason?: 'stop' | 'length' | 'tool_calls';
      /** Model name in the answer; default: the requested one. */
      model?: string;
    }
  | {
      kind: 'error';
      status: number;
      /** Provider error type, e.g. `rate_limit_error`; a fitting one is picked from the status otherwise. */
      errorType?: string;
      message?: string;
      headers?: Record<string, string>;
    };

export interface ScriptStep {
  /** The request must match these or the server answers 400 and records a mismatch. */
  expect?: {
    protocol?: Protocol;
    model?: string;
    stream?: boolean;
    /** Text that must appear somewhere in the request body. */
    bodyContains?: string;
  };
  reply: ScriptedReply;
  /** Wait this long before answering (a slow provider). */
  delayMs?: number;
  /** Streaming only: send this many chunks of the answer, then destroy the connection. */
  cutAfterChunks?: number;
  /** Streaming only: send an unparseable `data:` line after the first chunk. */
  malformedChunk?: boolean;
}

export const text = (t: string, usage?: ScriptedUsage): ScriptedReply => ({
  kind: 'answer',
  text: t,
  ...(usage ? { usage } : {}),
});

export const toolCalls = (calls: ScriptedToolCall[], usage?: ScriptedUsage): ScriptedReply => ({
  kind: 'answer',
  toolCalls: calls,
  ...(usage ? { usage } : {}),
});

export const failure = (status: number, headers?: Record<string, string>, message?: string): ScriptedReply => ({
  kind: 'error',
  status,
  ...(headers ? { headers } : {}),
  ...(message ? { message } : {}),
});

export const DEFAULT_USAGE: ScriptedUsage = { input: 10, output: 5 };
