import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { demoExecutor } from '../../src/demo/index.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { createJobQueue } from '../../src/platform/queue/index.ts';
import { ExecutorRegistry, RunEngine } from '../../src/platform/runs/index.ts';

/**
 * Executors for testing the engine. `test.block` blocks its first attempt until aborted and succeeds on later
 * ones: the shape of a run whose worker dies mid-way.
 */
export function testRegistry(): ExecutorRegistry {
  const registry = new ExecutorRegistry();
  registry.register(demoExecutor);
  registry.register({
    kind: 'test.throw',
    description: 'always throws',
    inputSchema: Type.Object({}),
    maxAttempts: 3,
    async execute() {
      throw new Error('the executor broke on purpose');
    },
  });
  registry.register({
    kind: 'test.hang',
    description: 'ignores its abort signal and never returns',
    inputSchema: Type.Object({}),
    timeoutMs: 300,
    async execute() {
      await new Promise(() => {});
      return {};
    },
  });
  registry.register({
    kind: 'test.bad-result',
    description: 'returns something that does not match its output schema',
    inputSchema: Type.Object({}),
    outputSchema: Type.Object({ count: Type.Integer() }),
    async execute() {
      return { count: 'many' } as unknown as { count: number };
    },
  });
  registry.register({
    kind: 'test.block',
    description: 'blocks on attempt 1 until aborted; succeeds afterwards',
    inputSchema: Type.Object({}),
    maxAttempts: 2,
    async execute(ctx) {
      if (ctx.attempt === 1) {
        await ctx.emit('test.blocked', { pid: process.pid });
        await sleep(3_600_000, undefined, { signal: ctx.signal });
      }
      return { attempt: ctx.attempt };
    },
  });
  registry.register({
    kind: 'test.block-once',
    description: 'like test.block but with a single attempt',
    inputSchema: Type.Object({}),
    maxAttempts: 1,
    async execute(ctx) {
      await ctx.emit('test.blocked', { pid: process.pid });
      await sleep(3_600_000, undefined, { signal: ctx.signal });
      return {};
    },
  });
  registry.register({
    kind: 'test.ask',
    description: 'asks a question, then for an approval, and returns both answers',
    inputSchema: Type.Object({}),
    maxAttempts: 2,
    async execute(ctx) {
      await ctx.emit('test.executed', { attempt: ctx.attempt });
      const colour = await ctx.waitForInput({
        key: 'colour',
        kind: 'question',
        prompt: 'Which colour?',
        options: ['red', 'blue'],
      });
      const go = await ctx.waitForInput({ key: 'go', kind: 'approval', prompt: `Paint it ${colour.text}?` });
      return { colour: colour.text, approved: go.approve === true, attempt: ctx.attempt };
    },
  });
  return registry;
}

export async function testEngine(database: Database, options: { workers: boolean; heartbeatMs?: number }) {
  const queue = createJobQueue(database);
  await queue.start();
  const engine = new RunEngine({
    database,
    registry: testRegistry(),
    queue,
    artifactMaxBytes: 1024 * 1024,
    defaultTimeoutMs: 60_000,
    heartbeatMs: options.heartbeatMs ?? 500,
  });
  if (options.workers) await engine.startWorkers(2);
  return {
    engine,
    queue,
    async stop() {
      await engine.stop();
      await queue.stop({ timeoutMs: 2000 });
    },
  };
}
