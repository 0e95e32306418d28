import type { TSchema } from '@sinclair/typebox';
import {
  generateObject,
  generateText,
  type JSONSchema7,
  jsonSchema,
  type LanguageModel,
  type ModelMessage,
  NoObjectGeneratedError,
  NoSuchToolError,
  type StopCondition,
  stepCountIs,
  streamText,
  type Tool,
  type ToolSet,
} from 'ai';
import { Ajv } from 'ajv';
import type { Database } from '../platform/db/client.ts';
import { assertWithinBudget, type BudgetLimits } from './budget.ts';
import { toLlmError } from './errorMapping.ts';
import { LlmError, type LlmOutcome } from './errors.ts';
import { recordCall } from './ledger.ts';
import { llmMetrics } from './metrics.ts';
import { costOf, findPrice, type TokenCounts } from './pricing.ts';
import { languageModel } from './providers.ts';
import { type LlmConfig, type ProviderName, type ProviderSettings, resolveProvider } from './settings.ts';
import { endLlmSpan, startLlmSpan } from './tracing.ts';
import { DEFAULT_RETRY_POLICY, retryingFetch } from './transport.ts';

/** Who a call is for: ties it to a run and an API key in the ledger and selects the budgets that apply. */
export interface CallContext {
  runId?: string | undefined;
  runKind?: string | undefined;
  apiKeyId?: string | undefined;
  /** The run's abort signal: cancels an in-flight call. */
  signal?: AbortSignal | undefined;
  /** This run's cost cap in micro-dollars, up to ORBIT_LLM_RUN_COST_CAP_MAX_USD; default ORBIT_LLM_RUN_COST_CAP_USD. */
  costCapMicros?: number | undefined;
}

/** A JSON Schema, plain or built with TypeBox. */
export type Schema = JSONSchema7 | TSchema;

export interface ToolDefinition {
  description?: string;
  inputSchema: Schema;
  /** When given, the SDK runs the tool and feeds the result back (up to `maxSteps`); otherwise calls are returned. */
  execute?: (input: unknown, options: { signal: AbortSignal }) => Promise<unknown>;
}

export interface TextRequest {
  system?: string;
  prompt?: string;
  messages?: ModelMessage[];
  tools?: Record<string, ToolDefinition>;
  toolChoice?: 'auto' | 'required' | 'none' | { type: 'tool'; toolName: string };
  maxOutputTokens?: number;
  temperature?: number;
  /** Model round-trips when tools have `execute`; default 1. */
  maxSteps?: number;
  /**
   * `fail` (default): a call of an unknown tool or with input that fails its schema fails the request. `return`:
   * such a call is returned with `invalid` set, for a caller (an agent loop) that answers the model with the error.
   */
  invalidToolCalls?: 'fail' | 'return';
}

export interface ObjectRequest {
  system?: string;
  prompt?: string;
  messages?: ModelMessage[];
  schema: Schema;
  schemaName?: string;
  schemaDescription?: string;
  maxOutputTokens?: number;
  temperature?: number;
}

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
  /** Why the call is invalid (unknown tool, input that fails the schema); only with `invalidToolCalls: 'return'`. */
  invalid?: string;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  costMicros: number | null;
  unpriced: boolean;
}

export interface TextResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: string;
  usage: LlmUsage;
  responseModel: string | undefined;
  /** Assistant (and tool) messages to append to `messages` to continue the conversation. */
  responseMessages: ModelMessage[];
}

export interface ObjectResult<T> {
  object: T;
  /** 1 + the number of re-asks it took. */
  attempts: number;
  usage: LlmUsage;
}

export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'finish'; result: TextResult };

/** Iterate for parts as they arrive; `result` settles when the answer is complete (whether or not you iterate). */
export interface LlmStream extends AsyncIterable<StreamPart> {
  result: Promise<TextResult>;
}

export interface LlmClient {
  readonly provider: ProviderName;
  readonly model: string;
  generateText(request: TextRequest, ctx?: CallContext): Promise<TextResult>;
  streamText(request: TextRequest, ctx?: CallContext): LlmStream;
  /** Structured output: re-asks with the validation error up to ORBIT_LLM_STRUCTURED_RETRIES times. */
  generateObject<T = unknown>(request: ObjectRequest, ctx?: CallContext): Promise<ObjectResult<T>>;
}

export interface CreateLlmClientOptions {
  /** The usage ledger and budgets live here. Omitted only by `checkLlm`, whose one-token probe is not a run's. */
  database?: Database | undefined;
  /** Override of the transport's retry timing (tests shorten backoff). */
  retry?: Partial<typeof DEFAULT_RETRY_POLICY>;
}

const ajv = new Ajv({ allErrors: true, strict: false });

function sdkSchema(schema: Schema) {
  const validate = ajv.compile(schema as object);
  return jsonSchema(schema as JSONSchema7, {
    validate: (value) =>
      validate(value)
        ? { success: true, value }
        : { success: false, error: new Error(ajv.errorsText(validate.errors, { dataVar: 'value' })) },
  });
}

function sdkTools(tools: Record<string, ToolDefinition> | undefined): ToolSet | undefined {
  if (!tools) return undefined;
  const out: ToolSet = {};
  for (const [name, t] of Object.entries(tools)) {
    const execute = t.execute;
    const definition: Tool = {
      ...(t.description ? { description: t.description } : {}),
      inputSchema: sdkSchema(t.inputSchema),
      ...(execute
        ? {
            execute: (input: unknown, o: { abortSignal?: AbortSignal }) =>
              execute(input, { signal: o.abortSignal ?? new AbortController().signal }),
          }
        : {}),
    };
    out[name] = definition;
  }
  return out;
}

/** The model asked for a tool that is not there (or with bad input): stop the loop, the call fails. */
const hasInvalidToolCall: StopCondition<ToolSet> = ({ steps }) =>
  steps.at(-1)?.content.some((p) => p.type === 'tool-call' && p.invalid === true) ?? false;

interface StepLike {
  usage: {
    inputTokens?: number | undefined;
    outputTokens?: number | undefined;
    cachedInputTokens?: number | undefined;
  };
  providerMetadata?: Record<string, Record<string, unknown>> | undefined;
}

/** Normalises usage: `input` includes cache reads and writes for every provider (Anthropic reports them apart). */
function tokensOf(provider: ProviderName, steps: StepLike[]): TokenCounts {
  const t: TokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const s of steps) {
    const cacheRead = s.usage.cachedInputTokens ?? 0;
    const written = s.providerMetadata?.anthropic?.cacheCreationInputTokens;
    const cacheWrite = typeof written === 'number' ? written : 0;
    const input = s.usage.inputTokens ?? 0;
    t.input += provider === 'anthropic' ? input + cacheRead + cacheWrite : input;
    t.output += s.usage.outputTokens ?? 0;
    t.cacheRead += cacheRead;
    t.cacheWrite += cacheWrite;
  }
  return t;
}

const NO_TOKENS: TokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

interface Attempt {
  tokens: TokenCounts;
  finishReasons: string[];
  responseModel?: string | undefined;
  completion?: string | undefined;
}

class AttemptFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly partial: Attempt,
  ) {
    super('attempt failed');
  }
}

export function createLlmClient(config: LlmConfig, options: CreateLlmClientOptions = {}): LlmClient {
  const settings = resolveProvider(config);
  const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: config.llmMaxRetries, ...options.retry };
  const model: LanguageModel = languageModel(settings, retryingFetch(policy));
  const limits: BudgetLimits = {
    runCapMicros: config.llmRunCostCapMicros,
    runCapMaxMicros: config.llmRunCostCapMaxMicros,
    keyMonthlyCapMicros: config.llmKeyMonthlyCapMicros,
  };
  const price = findPrice(settings.provider, settings.model, config.llmPrices);
  const database = options.database;

  /**
   * Every call goes through here: budget check (before anything is sent), timeout and caller abort, span, ledger
   * row and metrics, success or failure.
   */
  async function metered<R>(
    operation: 'chat' | 'generate_object',
    ctx: CallContext,
    request: { maxOutputTokens?: number | undefined; temperature?: number | undefined; prompt: () => string },
    streaming: boolean,
    body: (signal: AbortSignal) => Promise<{ value: R; attempt: Attempt }>,
  ): Promise<{ value: R; usage: LlmUsage }> {
    if (database) await assertWithinBudget(database, limits, ctx);
    ctx.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(config.llmTimeoutSeconds * 1000);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    const span = startLlmSpan(operation, settings.provider, settings.model, request);
    const started = performance.now();
    let attempt: Attempt = { tokens: NO_TOKENS, finishReasons: [] };
    let outcome: LlmOutcome = 'ok';
    let failure: LlmError | undefined;
    let value: R | undefined;
    try {
      const r = await body(signal);
      attempt = r.attempt;
      value = r.value;
    } catch (err) {
      const cause = err instanceof AttemptFailure ? err.error : err;
      if (err instanceof AttemptFailure) attempt = err.partial;
      failure = toLlmError(cause, settings, {
        aborted: ctx.signal?.aborted === true,
        timedOut: timeout.aborted && ctx.signal?.aborted !== true,
        timeoutSeconds: config.llmTimeoutSeconds,
        streaming,
      });
      outcome = failure.outcome;
    }
    const latencyMs = performance.now() - started;
    const cost = costOf(attempt.tokens, price);
    const usage: LlmUsage = {
      inputTokens: attempt.tokens.input,
      outputTokens: attempt.tokens.output,
      cachedInputTokens: attempt.tokens.cacheRead,
      cacheWriteTokens: attempt.tokens.cacheWrite,
      ...cost,
    };
    endLlmSpan(span, {
      responseModel: attempt.responseModel,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      finishReasons: attempt.finishReasons,
      error: failure ? { type: failure.type, message: failure.detail } : undefined,
      prompt: config.llmTraceContent ? request.prompt() : undefined,
      completion: config.llmTraceContent ? attempt.completion : undefined,
    });
    const labels = { provider: settings.provider, model: settings.model, kind: ctx.runKind ?? 'none' };
    llmMetrics.duration.observe({ ...labels, outcome }, latencyMs / 1000);
    llmMetrics.tokens.inc({ ...labels, direction: 'input' }, usage.inputTokens);
    llmMetrics.tokens.inc({ ...labels, direction: 'output' }, usage.outputTokens);
    llmMetrics.tokens.inc({ ...labels, direction: 'cache_read' }, usage.cachedInputTokens);
    llmMetrics.tokens.inc({ ...labels, direction: 'cache_write' }, usage.cacheWriteTokens);
    if (usage.costMicros !== null) llmMetrics.cost.inc(labels, usage.costMicros / 1_000_000);
    if (database) {
      await recordCall(database, {
        runId: ctx.runId,
        runKind: ctx.runKind,
        apiKeyId: ctx.apiKeyId,
        provider: settings.provider,
        model: settings.model,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cachedInputTokens: usage.cachedInputTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        costMicros: usage.costMicros,
        unpriced: usage.unpriced,
        latencyMs,
        outcome,
      });
    }
    if (failure) throw failure;
    return { value: value as R, usage };
  }

  function promptOf(r: { system?: string; prompt?: string; messages?: ModelMessage[] }): () => string {
    return () => JSON.stringify({ system: r.system, prompt: r.prompt, messages: r.messages });
  }

  function promptFields(r: { system?: string; prompt?: string; messages?: ModelMessage[] }) {
    if (r.messages) return { ...(r.system ? { system: r.system } : {}), messages: r.messages };
    if (r.prompt !== undefined) return { ...(r.system ? { system: r.system } : {}), prompt: r.prompt };
    throw new LlmError('llm-empty-request', 400, 'An LLM request needs `prompt` or `messages`.', 'bad_request');
  }

  function settingsOf(r: TextRequest) {
    return {
      ...(r.maxOutputTokens !== undefined ? { maxOutputTokens: r.maxOutputTokens } : {}),
      ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
    };
  }

  function invalidToolCallError(content: readonly { type: string; invalid?: boolean; error?: unknown }[]) {
    const bad = content.find((p) => p.type === 'tool-call' && p.invalid === true);
    return bad?.error;
  }

  /** What generateText and streamText share: prompt, sampling settings, tools, the step limit, the abort signal. */
  function callOptions(request: TextRequest, signal: AbortSignal) {
    const tools = sdkTools(request.tools);
    return {
      model,
      ...promptFields(request),
      ...settingsOf(request),
      ...(tools ? { tools, ...(request.toolChoice ? { toolChoice: request.toolChoice } : {}) } : {}),
      stopWhen: [stepCountIs(request.maxSteps ?? 1), hasInvalidToolCall],
      maxRetries: 0,
      abortSignal: signal,
    };
  }

  const client: LlmClient = {
    provider: settings.provider,
    model: settings.model,

    async generateText(request, ctx = {}) {
      const { value, usage } = await metered(
        'chat',
        ctx,
        { ...request, prompt: promptOf(request) },
        false,
        async (signal) => {
          const r = await generateText(callOptions(request, signal));
          const attempt: Attempt = {
            tokens: tokensOf(settings.provider, r.steps),
            finishReasons: r.steps.map((s) => s.finishReason),
            responseModel: r.response.modelId,
            completion: r.text,
          };
          const invalid = invalidToolCallError(r.content);
          if (invalid) throw new AttemptFailure(invalid, attempt);
          return {
            attempt,
            value: {
              text: r.text,
              toolCalls: r.toolCalls.map((c) => ({ id: c.toolCallId, name: c.toolName, input: c.input })),
              finishReason: r.finishReason,
              responseModel: r.response.modelId,
              responseMessages: r.response.messages,
            },
          };
        },
      );
      return { ...value, usage };
    },

    streamText(request, ctx = {}) {
      const channel = new Channel<StreamPart>();
      const result = (async (): Promise<TextResult> => {
        const { value, usage } = await metered(
          'chat',
          ctx,
          { ...request, prompt: promptOf(request) },
          true,
          async (signal) => {
            const s = streamText({
              ...callOptions(request, signal),
              onError: () => {},
            });
            const steps: StepLike[] = [];
            const finishReasons: string[] = [];
            const calls: ToolCall[] = [];
            let text = '';
            let responseModel: string | undefined;
            const partial = (): Attempt => ({
              tokens: tokensOf(settings.provider, steps),
              finishReasons,
              responseModel,
              completion: text,
            });
            for await (const part of s.fullStream) {
              if (part.type === 'text-delta') {
                text += part.text;
                channel.push({ type: 'text-delta', text: part.text });
              } else if (part.type === 'tool-call') {
                const invalid = part.invalid
                  ? (part.error ?? new NoSuchToolError({ toolName: part.toolName }))
                  : undefined;
                if (invalid && request.invalidToolCalls !== 'return') throw new AttemptFailure(invalid, partial());
                const call: ToolCall = {
                  id: part.toolCallId,
                  name: part.toolName,
                  input: part.input,
                  ...(invalid ? { invalid: invalid instanceof Error ? invalid.message : String(invalid) } : {}),
                };
                calls.push(call);
                channel.push({ type: 'tool-call', call });
              } else if (part.type === 'finish-step') {
                steps.push({ usage: part.usage, providerMetadata: part.providerMetadata });
                finishReasons.push(part.finishReason);
                responseModel = part.response.modelId;
              } else if (part.type === 'error') {
                throw new AttemptFailure(part.error, partial());
              } else if (part.type === 'abort') {
                throw new AttemptFailure(signal.reason, partial());
              }
            }
            const last = finishReasons.at(-1) ?? 'unknown';
            if (last === 'unknown' || last === 'error') {
              // The transport ended without the provider's final chunk: the answer is incomplete.
              throw new AttemptFailure(new Error('the stream ended without a finish reason'), partial());
            }
            return {
              attempt: partial(),
              value: {
                text,
                toolCalls: calls,
                finishReason: last,
                responseModel,
                responseMessages: (await s.response).messages,
              },
            };
          },
        );
        const final = { ...value, usage };
        channel.push({ type: 'finish', result: final });
        return final;
      })();
      result.then(
        () => channel.close(),
        (err: unknown) => channel.fail(err),
      );
      return {
        result,
        [Symbol.asyncIterator]: () => channel.iterator(),
      };
    },

    async generateObject<T>(request: ObjectRequest, ctx: CallContext = {}) {
      const fields = promptFields(request);
      const schema = sdkSchema(request.schema);
      let messages: ModelMessage[] =
        'messages' in fields ? [...fields.messages] : [{ role: 'user', content: fields.prompt }];
      const total: LlmUsage = {
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        costMicros: 0,
        unpriced: false,
      };
      const add = (u: LlmUsage) => {
        total.inputTokens += u.inputTokens;
        total.outputTokens += u.outputTokens;
        total.cachedInputTokens += u.cachedInputTokens;
        total.cacheWriteTokens += u.cacheWriteTokens;
        total.costMicros = total.costMicros === null || u.costMicros === null ? null : total.costMicros + u.costMicros;
        total.unpriced ||= u.unpriced;
      };
      const maxAttempts = config.llmStructuredRetries + 1;
      let lastProblem = '';
      for (let attemptNo = 1; attemptNo <= maxAttempts; attemptNo++) {
        let rejected: { text: string; problem: string } | undefined;
        try {
          const { value, usage } = await metered(
            'generate_object',
            ctx,
            { ...request, prompt: () => JSON.stringify({ system: request.system, messages }) },
            false,
            async (signal) => {
              try {
                const r = await generateObject({
                  model,
                  ...(request.system ? { system: request.system } : {}),
                  messages,
                  schema,
                  ...(request.schemaName ? { schemaName: request.schemaName } : {}),
                  ...(request.schemaDescription ? { schemaDescription: request.schemaDescription } : {}),
                  ...settingsOf(request),
                  maxRetries: 0,
                  abortSignal: signal,
                });
                return {
                  value: r.object as T,
                  attempt: {
                    tokens: tokensOf(settings.provider, [{ usage: r.usage, providerMetadata: r.providerMetadata }]),
                    finishReasons: [r.finishReason],
                    responseModel: r.response.modelId,
                    completion: JSON.stringify(r.object),
                  },
                };
              } catch (err) {
                if (!NoObjectGeneratedError.isInstance(err)) throw err;
                const problem = describeObjectFailure(err);
                rejected = { text: err.text ?? '', problem };
                throw new AttemptFailure(new LlmError('llm-invalid-output', 502, problem, 'invalid_output'), {
                  tokens: err.usage ? tokensOf(settings.provider, [{ usage: err.usage }]) : NO_TOKENS,
                  finishReasons: err.finishReason ? [err.finishReason] : [],
                  responseModel: err.response?.modelId,
                  completion: err.text,
                });
              }
            },
          );
          add(usage);
          return { object: value, attempts: attemptNo, usage: total };
        } catch (err) {
          if (!rejected) throw err;
          const r: { text: string; problem: string } = rejected;
          lastProblem = r.problem;
          messages = [
            ...messages,
            { role: 'assistant', content: r.text === '' ? '(empty answer)' : r.text },
            {
              role: 'user',
              content: `Your answer was not valid: ${r.problem}. Reply again with only a JSON value that matches the schema.`,
            },
          ];
        }
      }
      throw new LlmError(
        'llm-invalid-output',
        502,
        `The model's answer did not match the requested schema after ${maxAttempts} attempts (ORBIT_LLM_STRUCTURED_RETRIES=${config.llmStructuredRetries}); last problem: ${lastProblem}.`,
        'invalid_output',
        { attempts: maxAttempts },
      );
    },
  };
  return client;
}

function describeObjectFailure(err: NoObjectGeneratedError): string {
  const cause = err.cause;
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? cause.cause.message : cause.message;
    return `${cause.name === 'AI_JSONParseError' ? 'not valid JSON' : 'does not match the schema'}: ${inner}`;
  }
  return err.message;
}

/** A small async queue: the stream's producer pushes, the consumer iterates; buffered so nobody must listen. */
class Channel<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void)[] = [];
  private failures: ((err: unknown) => void)[] = [];
  private done = false;
  private error: unknown;

  push(item: T) {
    const w = this.waiting.shift();
    this.failures.shift();
    if (w) w({ value: item, done: false });
    else this.items.push(item);
  }
  close() {
    this.done = true;
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
    this.failures = [];
  }
  fail(err: unknown) {
    this.done = true;
    this.error = err ?? new Error('stream failed');
    for (const f of this.failures.splice(0)) f(this.error);
    this.waiting = [];
  }
  iterator(): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.error !== undefined) return Promise.reject(this.error);
        if (this.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting.push(resolve);
          this.failures.push(reject);
        });
      },
    };
  }
}

export type { ProviderSettings };
