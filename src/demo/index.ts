import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { RetryableError } from '../platform/errors.ts';
import type { ExecutorDefinition } from '../platform/runs/index.ts';

/**
 * A run kind for trying the platform end to end without any tool or model: it counts through `steps` with
 * progress events, stores two artifacts and, on request, fails (retryably) on its first attempts.
 */
const DemoInput = Type.Object(
  {
    steps: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'How many progress steps' }),
    delayMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 200, description: 'Pause per step' }),
    failAttempts: Type.Integer({
      minimum: 0,
      maximum: 10,
      default: 0,
      description: 'Fail this many first attempts with a retryable error (to see retries)',
    }),
  },
  { additionalProperties: false },
);

const DemoOutput = Type.Object({ steps: Type.Integer(), attempt: Type.Integer() }, { additionalProperties: false });

export const demoExecutor: ExecutorDefinition<typeof DemoInput, typeof DemoOutput> = {
  kind: 'demo',
  description: 'Counts through `steps` with progress events and stores a summary artifact. No tools or models needed.',
  inputSchema: DemoInput,
  outputSchema: DemoOutput,
  maxAttempts: 5,
  retryDelayMs: 500,
  async execute(ctx, input) {
    if (ctx.attempt <= input.failAttempts) {
      throw new RetryableError(`demo: failing attempt ${ctx.attempt} of the first ${input.failAttempts} on purpose`);
    }
    for (let i = 1; i <= input.steps; i++) {
      await sleep(input.delayMs, undefined, { signal: ctx.signal });
      await ctx.progress(i, input.steps, `step ${i} of ${input.steps}`);
    }
    const summary = { steps: input.steps, attempt: ctx.attempt };
    await ctx.artifacts.put('summary.json', 'application/json', JSON.stringify(summary, null, 2));
    await ctx.artifacts.put(
      'summary.md',
      'text/markdown; charset=utf-8',
      `# Demo run\n\n${input.steps} steps, attempt ${ctx.attempt}.\n`,
    );
    return summary;
  },
};
