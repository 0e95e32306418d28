import { spawn } from 'node:child_process';
import { afterAll, describe, expect } from 'vitest';
import type { Database } from '../../src/platform/db/client.ts';
import type { RunEngine, RunEvent } from '../../src/platform/runs/index.ts';
import { freshDatabase } from '../support/db.ts';
import { testEngine } from '../support/engine.ts';
import { hasPostgres, itWhen, POSTGRES_MISSING } from '../support/services.ts';

async function waitForStatus(engine: RunEngine, id: string, statuses: string[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await engine.store.get(id);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} stayed ${run.status}, expected ${statuses.join('|')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function eventTypes(engine: RunEngine, id: string): Promise<string[]> {
  return (await engine.events.list(id)).map((e: RunEvent) => e.type);
}

for (const engineName of ['pglite', 'postgres'] as const) {
  describe(`run engine on ${engineName}`, () => {
    const it = itWhen(engineName === 'pglite' || hasPostgres, POSTGRES_MISSING);
    let database: Database;
    let handle: Awaited<ReturnType<typeof testEngine>>;
    const setup = async () => {
      if (!handle) {
        database = await freshDatabase(engineName);
        handle = await testEngine(database, { workers: true });
        afterAll(() => handle.stop());
      }
      return handle.engine;
    };

    it('runs an executor from queue to success with events and artifacts', async () => {
      const engine = await setup();
      const { run } = await engine.submit({ kind: 'demo', input: { steps: 3, delayMs: 10 }, owner: 'o' });
      expect(run.status).toBe('queued');
      expect(run.input).toEqual({ steps: 3, delayMs: 10, failAttempts: 0 });
      const done = await waitForStatus(engine, run.id, ['succeeded', 'failed']);
      expect(done.status).toBe('succeeded');
      expect(done.output).toEqual({ steps: 3, attempt: 1 });
      expect(done.usage.wallMs).toBeGreaterThanOrEqual(0);
      expect(await eventTypes(engine, run.id)).toEqual([
        'run.queued',
        'run.started',
        'run.progress',
        'run.progress',
        'run.progress',
        'artifact.stored',
        'artifact.stored',
        'run.succeeded',
      ]);
      expect((await engine.artifacts.list(run.id)).map((a) => a.name)).toEqual(['summary.json', 'summary.md']);
    });

    it('rejects input that fails its schema before queueing, with JSON pointers', async () => {
      const engine = await setup();
      const before = (await engine.store.list({ limit: 500 })).length;
      await expect(
        engine.submit({ kind: 'demo', input: { steps: 'ten', colour: 'red' }, owner: 'o' }),
      ).rejects.toMatchObject({
        status: 400,
        extra: {
          errors: expect.arrayContaining([
            expect.objectContaining({ pointer: '/input/steps' }),
            expect.objectContaining({ pointer: '/input/colour' }),
          ]),
        },
      });
      await expect(engine.submit({ kind: 'nope', input: {}, owner: 'o' })).rejects.toMatchObject({
        type: 'unknown-run-kind',
      });
      expect((await engine.store.list({ limit: 500 })).length).toBe(before);
    });

    it('fails a run whose executor throws, with the message', async () => {
      const engine = await setup();
      const { run } = await engine.submit({ kind: 'test.throw', input: {}, owner: 'o' });
      const done = await waitForStatus(engine, run.id, ['failed']);
      expect(done.error).toEqual({ type: 'executor-error', message: 'the executor broke on purpose' });
      expect(done.attempt).toBe(1);
    });

    it('retries a retryable failure with backoff and then succeeds', async () => {
      const engine = await setup();
      const { run } = await engine.submit({
        kind: 'demo',
        input: { steps: 1, delayMs: 0, failAttempts: 1 },
        owner: 'o',
      });
      const done = await waitForStatus(engine, run.id, ['succeeded', 'failed']);
      expect(done.status).toBe('succeeded');
      expect(done.attempt).toBe(2);
      const events = await engine.events.list(run.id);
      const retry = events.find((e) => e.type === 'run.retrying');
      expect(retry?.data).toMatchObject({ attempt: 1, maxAttempts: 5 });
      expect(Number(retry?.data.delayMs)).toBeGreaterThanOrEqual(400);
    });

    it('stops an executor that hangs past its time limit', async () => {
      const engine = await setup();
      const { run } = await engine.submit({ kind: 'test.hang', input: {}, owner: 'o' });
      const done = await waitForStatus(engine, run.id, ['failed']);
      expect(done.error?.type).toBe('timeout');
      expect(done.error?.message).toMatch(/time limit/);
    });

    it('fails a run whose executor returns an invalid result', async () => {
      const engine = await setup();
      const { run } = await engine.submit({ kind: 'test.bad-result', input: {}, owner: 'o' });
      const done = await waitForStatus(engine, run.id, ['failed', 'succeeded']);
      expect(done.status).toBe('failed');
      expect(done.error?.type).toBe('invalid-result');
      expect(done.error?.message).toContain('/output/count');
    });

    it('cancels a running run through its abort signal, and refuses to cancel a finished one', async () => {
      const engine = await setup();
      const { run } = await engine.submit({ kind: 'demo', input: { steps: 100, delayMs: 100 }, owner: 'o' });
      await waitForStatus(engine, run.id, ['running']);
      await engine.cancel(run.id);
      const done = await waitForStatus(engine, run.id, ['cancelled', 'succeeded', 'failed']);
      expect(done.status).toBe('cancelled');
      expect(await eventTypes(engine, run.id)).toContain('run.cancel_requested');
      await expect(engine.cancel(run.id)).rejects.toMatchObject({ status: 409, type: 'run-finished' });
    });

    it('parks a run that asks for input as waiting, without a worker, across a restart, until it is answered', async () => {
      const engine = await setup();
      const { run } = await engine.submit({ kind: 'test.ask', input: {}, owner: 'o' });
      const waiting = await waitForStatus(engine, run.id, ['waiting', 'failed']);
      expect(waiting.status).toBe('waiting');
      expect(waiting.workerId).toBeNull();
      const requested = (await engine.events.list(run.id)).filter((e) => e.type === 'input.requested');
      expect(requested.map((e) => e.data)).toEqual([
        { key: 'colour', kind: 'question', prompt: 'Which colour?', options: ['red', 'blue'] },
      ]);
      // A question wants text; an approval is not an answer to it. Nothing is recorded for a refused answer.
      await expect(engine.provideInput(run.id, { approve: true, by: 'o' })).rejects.toMatchObject({
        status: 400,
        type: 'input-invalid',
      });

      // A second engine on the same database (a restarted server) takes the answer and runs the rest.
      await handle.stop();
      handle = await testEngine(database, { workers: true });
      const engine2 = handle.engine;
      expect((await engine2.store.get(run.id)).status).toBe('waiting');
      const answered = await engine2.provideInput(run.id, { text: 'blue', by: 'alice' });
      expect(answered.answered).toBe('colour');
      await waitForStatus(engine2, run.id, ['waiting'], 20_000).then(async () => {
        // It may still be waiting for its first answer to be taken; wait for the second request.
        for (let i = 0; i < 400; i++) {
          if ((await engine2.events.list(run.id)).some((e) => e.type === 'input.requested' && e.data.key === 'go'))
            break;
          await new Promise((r) => setTimeout(r, 50));
        }
      });
      await expect(engine2.provideInput(run.id, { by: 'alice' })).rejects.toMatchObject({ type: 'input-invalid' });
      await engine2.provideInput(run.id, { approve: true, by: 'alice' });
      const done = await waitForStatus(engine2, run.id, ['succeeded', 'failed']);
      expect(done.output).toEqual({ colour: 'blue', approved: true, attempt: 1 });
      // Answers do not spend attempts; the executor ran three times (asked, asked again, finished).
      expect(done.attempt).toBe(1);
      const events = await engine2.events.list(run.id);
      expect(events.filter((e) => e.type === 'test.executed')).toHaveLength(3);
      expect(events.filter((e) => e.type === 'run.waiting')).toHaveLength(2);
      expect(events.filter((e) => e.type === 'input.received').map((e) => e.data)).toEqual([
        { key: 'colour', text: 'blue', by: 'alice' },
        { key: 'go', approve: true, by: 'alice' },
      ]);
      await expect(engine2.provideInput(run.id, { text: 'late', by: 'alice' })).rejects.toMatchObject({
        status: 409,
        type: 'run-finished',
      });
    });

    it('cancels a waiting run at once', async () => {
      const engine = await setup();
      const { run } = await engine.submit({ kind: 'test.ask', input: {}, owner: 'o' });
      await waitForStatus(engine, run.id, ['waiting']);
      const cancelled = await engine.cancel(run.id);
      expect(cancelled.status).toBe('cancelled');
    });
  });
}

describe('a worker process killed with SIGKILL mid-run', () => {
  const it = itWhen(hasPostgres, POSTGRES_MISSING);

  async function killWorkerDuring(kind: string) {
    const database = await freshDatabase('postgres');
    // This process only submits at first: the child worker must be the one that picks the run up.
    const parent = await testEngine(database, { workers: false });
    const url = database.url;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-child.ts'], {
      env: { ...process.env, DATABASE_URL: url ?? process.env.DATABASE_URL },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker child exited early (${code})`)));
    });
    const { run } = await parent.engine.submit({ kind, input: {}, owner: 'o' });
    const deadline = Date.now() + 20_000;
    while (!(await eventTypes(parent.engine, run.id)).includes('test.blocked')) {
      if (Date.now() > deadline) throw new Error('the child worker never started the run');
      await new Promise((r) => setTimeout(r, 50));
    }
    const blocked = (await parent.engine.events.list(run.id)).find((e) => e.type === 'test.blocked');
    expect(blocked?.data.pid).toBe(child.pid);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Now this process becomes the worker: its sweep finds the silent run.
    await parent.engine.startWorkers(1);
    return { engine: parent.engine, runId: run.id, stop: parent.stop };
  }

  it('is detected, and the run is retried by another worker', async () => {
    const { engine, runId, stop } = await killWorkerDuring('test.block');
    try {
      const done = await waitForStatus(engine, runId, ['succeeded', 'failed'], 30_000);
      expect(done.status).toBe('succeeded');
      expect(done.attempt).toBe(2);
      const retry = (await engine.events.list(runId)).find((e) => e.type === 'run.retrying');
      expect(String(retry?.data.reason)).toMatch(/worker lost/);
    } finally {
      await stop();
    }
  });

  it('fails the run with a reason that says so when no attempts remain', async () => {
    const { engine, runId, stop } = await killWorkerDuring('test.block-once');
    try {
      const done = await waitForStatus(engine, runId, ['succeeded', 'failed'], 30_000);
      expect(done.status).toBe('failed');
      expect(done.error?.type).toBe('worker-lost');
      expect(done.error?.message).toMatch(/worker died during attempt 1 of 1/);
    } finally {
      await stop();
    }
  });
});

describe('a worker that shuts down mid-run', () => {
  itWhen(true, '')('hands the run back to the queue, and the next worker finishes it', async () => {
    const database = await freshDatabase('pglite');
    const first = await testEngine(database, { workers: true });
    const { run } = await first.engine.submit({ kind: 'test.block', input: {}, owner: 'o' });
    await waitForStatus(first.engine, run.id, ['running']);
    while (!(await eventTypes(first.engine, run.id)).includes('test.blocked'))
      await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    expect((await first.engine.store.get(run.id)).status).toBe('queued');
    expect(await eventTypes(first.engine, run.id)).toContain('run.requeued');
    const second = await testEngine(database, { workers: true });
    try {
      const done = await waitForStatus(second.engine, run.id, ['succeeded', 'failed']);
      expect(done).toMatchObject({ status: 'succeeded', attempt: 2 });
    } finally {
      await second.stop();
    }
  });
});
