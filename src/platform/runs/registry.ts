import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FieldError } from '../errors.ts';
import { OrbitError, ValidationError } from '../errors.ts';
import type { InputAnswer, InputRequest } from './input.ts';
import type { RunEvent } from './types.ts';

/** What an executor receives. The platform does queueing, retries, cancellation, recovery and metrics around it. */
export interface ExecutorContext {
  runId: string;
  kind: string;
  /** 1 for the first attempt. */
  attempt: number;
  owner: string;
  /** Aborted on cancellation and when the time limit passes; `signal.reason` says which. */
  signal: AbortSignal;
  /** Appends to the run's event log. */
  emit(type: string, data?: Record<string, unknown>): Promise<RunEvent>;
  /** Shorthand for a `run.progress` event: `{ done, total, message }`. */
  progress(done: number, total: number, message?: string): Promise<RunEvent>;
  artifacts: {
    put(name: string, contentType: string, data: Buffer | string): Promise<void>;
  };
  usage: {
    /** Adds to the run's usage counters, e.g. `{ cpuMs: 120 }`. */
    add(amounts: Record<string, number>): Promise<void>;
  };
  /** The run's usage counters when this attempt started (e.g. `wallMs` of the attempts before it). */
  priorUsage: Record<string, number>;
  /** Every event of the run so far, oldest first: what an executor that resumes from its log replays. */
  history(): Promise<RunEvent[]>;
  /**
   * Asks a person. When the answer is already in the log (the run was resumed after it) it is returned. Otherwise
   * `input.requested` is recorded and the call throws `AwaitingInput`, which must not be caught: the run becomes
   * `waiting` and its worker is free. An answer (POST /v1/runs/:id/input) queues the run again; the executor runs from
   * the start, replays its log, and this call returns the answer.
   */
  waitForInput(request: InputRequest): Promise<InputAnswer>;
}

export interface ExecutorDefinition<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  kind: string;
  description: string;
  inputSchema: I;
  /** When given, a result that does not match fails the run with `invalid-result`. */
  outputSchema?: O;
  /** Wall-time limit of one attempt; defaults to ORBIT_RUN_TIMEOUT_SECONDS. */
  timeoutMs?: number;
  /** Attempts for failures the executor marks retryable (throws RetryableError). Default 3. */
  maxAttempts?: number;
  /** An extra rate-limit tier for starting runs of this kind (e.g. `generation`), on top of the caller's own. */
  rateLimitTier?: string;
  /** First retry delay; doubles each attempt (with jitter). Default 2000 ms. */
  retryDelayMs?: number;
  /**
   * Checks that need more than the schema (a path inside the allowed roots, a URL's scheme), run before the run is
   * created so a client's mistake is answered at once. Throws an OrbitError (e.g. ValidationError) to refuse.
   */
  admit?(input: Static<I>): void;
  execute(ctx: ExecutorContext, input: Static<I>): Promise<Static<O>>;
}

interface Registered {
  definition: ExecutorDefinition;
  input: TypeCheck<TSchema>;
  output: TypeCheck<TSchema> | undefined;
}

/** Converts TypeBox errors into JSON pointers under `prefix`, one per bad field. */
export function schemaErrors(check: TypeCheck<TSchema>, value: unknown, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of check.Errors(value)) {
    out.push({ pointer: `${prefix}${e.path}`, message: e.message });
    if (out.length >= 50) break;
  }
  return out;
}

export class ExecutorRegistry {
  private readonly executors = new Map<string, Registered>();

  register<I extends TSchema, O extends TSchema>(definition: ExecutorDefinition<I, O>): void {
    if (this.executors.has(definition.kind)) throw new Error(`executor "${definition.kind}" is registered twice`);
    this.executors.set(definition.kind, {
      definition: definition as unknown as ExecutorDefinition,
      input: TypeCompiler.Compile(definition.inputSchema),
      output: definition.outputSchema ? TypeCompiler.Compile(definition.outputSchema) : undefined,
    });
  }

  kinds(): string[] {
    return [...this.executors.keys()].sort();
  }

  get(kind: string): ExecutorDefinition {
    return this.lookup(kind).definition;
  }

  /**
   * Returns the input with the schema's defaults filled in, or throws a 400 with a JSON pointer per bad field
   * (under `/input`) when it does not fit the kind's schema.
   */
  validateInput(kind: string, input: unknown): unknown {
    const r = this.lookup(kind);
    const withDefaults = Value.Default(r.definition.inputSchema, structuredClone(input ?? {}));
    if (!r.input.Check(withDefaults)) {
      throw new ValidationError(
        `The input is not valid for a run of kind "${kind}".`,
        schemaErrors(r.input, withDefaults, '/input'),
      );
    }
    r.definition.admit?.(withDefaults);
    return withDefaults;
  }

  /** The problems with an executor's result, or an empty list. */
  checkOutput(kind: string, output: unknown): FieldError[] {
    const r = this.lookup(kind);
    if (!r.output || r.output.Check(output)) return [];
    return schemaErrors(r.output, output, '/output');
  }

  private lookup(kind: string): Registered {
    const r = this.executors.get(kind);
    if (!r) {
      const known = this.kinds();
      throw new OrbitError(
        'unknown-run-kind',
        400,
        `There is no run kind "${kind}". Known kinds: ${known.length ? known.join(', ') : '(none registered)'}.`,
        { errors: [{ pointer: '/kind', message: `must be one of ${known.join(', ')}` }] },
      );
    }
    return r;
  }
}
