import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { OrbitError } from '../../platform/errors.ts';

export interface TodoItem {
  id: number;
  text: string;
  status: 'pending' | 'in_progress' | 'done' | 'cancelled';
}

/** The agent's to-do list: in memory during a step, persisted by the loop through the `tool.result` events. */
export interface TodoState {
  items: TodoItem[];
}

/** Limits of one sandboxed command (bash). Unset: the tool's defaults. */
export interface SandboxLimits {
  timeoutMs?: number;
  memoryBytes?: number;
  cpuSeconds?: number;
  maxProcesses?: number;
  /** Extra host paths visible read-only (a toolchain outside /usr). */
  readOnly?: string[];
  /** Extra environment for commands (nothing of Orbit's own environment is passed). */
  env?: Record<string, string>;
}

export interface ToolContext {
  workspace: { root: string; branch: string };
  runId: string;
  signal: AbortSignal;
  /** Appends a run event (`tool.called`, `tool.result`). */
  emit(type: string, data?: Record<string, unknown>): Promise<unknown>;
  /** Hosts the run's commands may reach (through the sandbox's filtering proxy); unset or empty: no network. */
  allowHosts?: string[];
  todo: TodoState;
  /** The model's id for this call, copied into the events so a call and its result can be matched. */
  callId?: string;
  /** Seq of the model answer (`agent.model` event) that made the call: model ids are only unique within one answer. */
  step?: number;
  /** Adds to the run's usage counters (`toolCalls`, `toolMs`). */
  usage?: { add(amounts: Record<string, number>): Promise<void> };
  sandbox?: SandboxLimits;
}

export type ToolResult =
  | { ok: true; output: string; truncated?: boolean; data?: unknown }
  | { ok: false; error: string };

export interface AgentTool<A> {
  name: string;
  description: string;
  /** TypeBox schema of the arguments. */
  parameters: TSchema;
  /** Longest output handed back to the model, in characters (default 30 000). */
  maxOutputChars?: number;
  execute(args: A, ctx: ToolContext): Promise<ToolResult>;
}

/** A mistake the model can correct: returned to it as `{ ok: false, error }`, never thrown further. */
export class ToolError extends OrbitError {
  constructor(message: string) {
    super('tool-error', 400, message);
    this.name = 'ToolError';
  }
}

export const DEFAULT_MAX_OUTPUT_CHARS = 30_000;

/** Keeps the head and the tail of a long text, with a note in the middle saying how much was cut. */
export function truncateOutput(text: string, max: number): { text: string; truncated: boolean; cut: number } {
  if (text.length <= max) return { text, truncated: false, cut: 0 };
  const cut = text.length - max;
  const head = Math.floor(max * 0.8);
  const tail = max - head;
  const note = `\n\n[… output truncated: ${cut} of ${text.length} characters cut here; ask for less (a line range, a narrower pattern or path) to see the rest …]\n\n`;
  return { text: `${text.slice(0, head)}${note}${text.slice(text.length - tail)}`, truncated: true, cut };
}

/** Long string arguments (a written file's content) are shortened in events; the event log is not a file store. */
function eventArgs(args: unknown): unknown {
  if (typeof args !== 'object' || args === null) return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] = typeof v === 'string' && v.length > 2000 ? `${v.slice(0, 2000)}… (${v.length} characters)` : v;
  }
  return out;
}

function describeSchema(schema: TSchema): string {
  const props = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(props)
    .map(([name, s]) => {
      const type = s.enum
        ? (s.enum as unknown[]).map((v) => JSON.stringify(v)).join('|')
        : s.anyOf
          ? (s.anyOf as TSchema[]).map((x) => (x.const !== undefined ? JSON.stringify(x.const) : x.type)).join('|')
          : (s.type ?? 'value');
      return `${name}${required.has(name) ? '' : '?'}: ${type}`;
    })
    .join(', ');
}

/**
 * Defines one agent tool. The returned tool validates its arguments against `parameters` (a failure is returned as a
 * message that names each bad field and the expected shape), turns any error into `{ ok: false, error }`, truncates
 * long output with a note saying how much was cut, emits `tool.called` and `tool.result` (with the duration and the
 * output the model was given), and counts the call in the run's usage. Tools themselves only do their job.
 */
export function defineTool<A>(tool: AgentTool<A>): AgentTool<A> {
  const check = TypeCompiler.Compile(tool.parameters);
  const max = tool.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  const shape = describeSchema(tool.parameters);
  return {
    ...tool,
    async execute(args: A, ctx: ToolContext): Promise<ToolResult> {
      const started = performance.now();
      const ids = {
        ...(ctx.callId !== undefined ? { callId: ctx.callId } : {}),
        ...(ctx.step !== undefined ? { step: ctx.step } : {}),
      };
      await ctx.emit('tool.called', { tool: tool.name, ...ids, args: eventArgs(args) });
      let result: ToolResult;
      if (ctx.signal.aborted) {
        result = { ok: false, error: `${tool.name} was not run: the run was cancelled.` };
      } else if (!check.Check(args)) {
        const problems = [...check.Errors(args)].slice(0, 10).map((e) => `${e.path || '(arguments)'}: ${e.message}`);
        result = {
          ok: false,
          error: `Invalid arguments for ${tool.name}: ${problems.join('; ')}. Call it again with arguments of the shape { ${shape} }.`,
        };
      } else {
        try {
          result = await tool.execute(args, ctx);
        } catch (error) {
          const message = error instanceof OrbitError ? error.detail : (error as Error).message;
          result = { ok: false, error: `${tool.name} failed: ${message}` };
        }
      }
      let cut = 0;
      if (result.ok) {
        const t = truncateOutput(result.output, max);
        cut = t.cut;
        if (t.truncated) result = { ...result, output: t.text, truncated: true };
      }
      const durationMs = Math.round(performance.now() - started);
      await ctx.emit('tool.result', {
        tool: tool.name,
        ...ids,
        ok: result.ok,
        durationMs,
        ...(result.ok
          ? {
              // What the model was given, so a resumed run can rebuild its conversation from the event log.
              output: result.output,
              outputChars: result.output.length,
              ...(cut > 0 ? { truncatedChars: cut } : {}),
              ...(result.data !== undefined ? { data: result.data } : {}),
            }
          : { error: result.error }),
      });
      await ctx.usage?.add({ toolCalls: 1, toolMs: durationMs });
      return result;
    },
  };
}
