import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, hasPostgres, itWhen, POSTGRES_MISSING } from '../../../test/support/services.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { createJobQueue, type JobQueue, type JobQueueOptions } from './index.ts';

interface Engine {
  name: 'pglite' | 'postgres';
  test: ReturnType<typeof itWhen>;
  /** A fresh database and a function that closes (and for PostgreSQL drops) it. */
  open(): Promise<{ database: Database; url?: string; dispose(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'pglite',
    test: it,
    async open() {
      const database = await openDatabase({ dataDir: 'memory://' });
      return { database, dispose: () => database.close() };
    },
  },
  {
    name: 'postgres',
    test: itWhen(hasPostgres, POSTGRES_MISSING),
    async open() {
      const created = await createTestDatabase();
      const database = await openDatabase({ url: created.url });
      return {
        database,
        url: created.url,
        async dispose() {
          await database.close();
          await created.drop();
        },
      };
    },
  },
];

async function withQueue(
  engine: Engine,
  body: (queue: JobQueue, database: Database) => Promise<void>,
  options: JobQueueOptions = {},
): Promise<void> {
  const { database, dispose } = await engine.open();
  const queue = createJobQueue(database, options);
  try {
    await queue.start();
    await body(queue, database);
  } finally {
    await queue.stop({ timeoutMs: 1000 });
    await dispose();
  }
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function jobRow(database: Database, id: string) {
  const rows = await database.query<{ state: string; retry_count: number; output: { message?: string } | null }>(
    'SELECT state, retry_count, output FROM pgboss.job WHERE id = $1',
    [id],
  );
  return rows[0];
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

for (const engine of engines) {
  describe(`JobQueue on ${engine.name}`, () => {
    engine.test('a sent job reaches its handler with its data and ends completed', async () => {
      await withQueue(engine, async (queue, database) => {
        const seen: Array<{ id: string; name: string; data: { n: number } }> = [];
        await queue.work<{ n: number }>('greet', { concurrency: 1 }, async (job) => {
          seen.push({ id: job.id, name: job.name, data: job.data });
        });
        const id = await queue.send('greet', { n: 7 });
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        await waitFor('the job to complete', async () => (await jobRow(database, id as string))?.state === 'completed');
        expect(seen).toEqual([{ id, name: 'greet', data: { n: 7 } }]);
        expect(await queue.depth('greet')).toBe(0);
      });
    });

    engine.test('a throwing handler is retried up to retryLimit, then the job is failed', async () => {
      await withQueue(engine, async (queue, database) => {
        const attempts: number[] = [];
        await queue.work('flaky', { concurrency: 1, pollIntervalSeconds: 0.1 }, async (job) => {
          attempts.push(job.retryCount ?? -1);
          throw new Error(`attempt ${attempts.length} broke`);
        });
        const id = (await queue.send('flaky', {}, { retryLimit: 2 })) as string;
        await waitFor('the job to fail', async () => (await jobRow(database, id))?.state === 'failed');
        expect(attempts).toEqual([0, 1, 2]);
        const row = await jobRow(database, id);
        expect(row?.retry_count).toBe(2);
        expect(row?.output?.message).toBe('attempt 3 broke');
      });
    });

    engine.test('singletonKey: one unfinished job per key; the key is free again once it completed', async () => {
      await withQueue(engine, async (queue, database) => {
        const first = await queue.send('single', { v: 1 }, { singletonKey: 'repo-1' });
        expect(first).not.toBeNull();
        expect(await queue.send('single', { v: 2 }, { singletonKey: 'repo-1' })).toBeNull();
        expect(await queue.send('single', { v: 3 }, { singletonKey: 'repo-2' })).not.toBeNull();
        expect(await queue.send('single', { v: 4 })).not.toBeNull();
        expect(await queue.depth('single')).toBe(3);

        const handled: number[] = [];
        await queue.work<{ v: number }>('single', { concurrency: 3 }, async (job) => {
          handled.push(job.data.v);
        });
        await waitFor(
          'the first job to complete',
          async () => (await jobRow(database, first as string))?.state === 'completed',
        );
        expect(await queue.send('single', { v: 5 }, { singletonKey: 'repo-1' })).not.toBeNull();
        await waitFor('all four jobs', () => handled.length === 4);
        expect(handled.sort()).toEqual([1, 3, 4, 5]);
      });
    });

    engine.test('a worker never runs more than `concurrency` handlers at once', async () => {
      await withQueue(engine, async (queue) => {
        let running = 0;
        let peak = 0;
        let done = 0;
        const release = gate();
        // All ten wait before the worker starts, so its first fetch could take more than its free slots.
        for (let i = 0; i < 10; i++) await queue.send('bounded', { i });
        await queue.work('bounded', { concurrency: 3, pollIntervalSeconds: 0.1 }, async () => {
          running++;
          peak = Math.max(peak, running);
          await release.opened;
          running--;
          done++;
        });
        await waitFor('three handlers to run', () => running >= 3);
        // Several idle polls pass while all three slots are taken: the other seven must stay in the queue.
        await new Promise((r) => setTimeout(r, 400));
        expect(running).toBe(3);
        expect(await queue.depth('bounded')).toBe(7);
        release.open();
        await waitFor('all ten jobs', () => done === 10);
        expect(peak).toBe(3);
      });
    });

    engine.test('startAfterSeconds holds a job back in the queue until it is due', async () => {
      await withQueue(engine, async (queue, database) => {
        let handledAt = 0;
        await queue.work('later', { concurrency: 1, pollIntervalSeconds: 0.1 }, async () => {
          handledAt = Date.now();
        });
        const sentAt = Date.now();
        const id = (await queue.send('later', {}, { startAfterSeconds: 1.5 })) as string;
        const [delay] = await database.query<{ s: string }>(
          'SELECT EXTRACT(epoch FROM start_after - created_on)::text AS s FROM pgboss.job WHERE id = $1',
          [id],
        );
        expect(Number(delay?.s)).toBeCloseTo(1.5, 1);
        expect(await queue.depth('later')).toBe(1);
        await waitFor('the delayed job', () => handledAt > 0);
        expect(handledAt - sentAt).toBeGreaterThanOrEqual(1400);
      });
    });

    engine.test('depth counts waiting and retrying jobs of one queue only', async () => {
      await withQueue(engine, async (queue, database) => {
        expect(await queue.depth('never-used')).toBe(0);
        for (let i = 0; i < 3; i++) await queue.send('deep', { i });
        await queue.send('shallow', {});
        expect(await queue.depth('deep')).toBe(3);
        expect(await queue.depth('shallow')).toBe(1);
        // A job failed with a retry left and a long retry delay waits in state "retry", and still counts.
        let failed = false;
        await queue.work('retrying', { concurrency: 1 }, async () => {
          failed = true;
          throw new Error('later');
        });
        const id = (await queue.send('retrying', {}, { retryLimit: 1, retryDelaySeconds: 3600 })) as string;
        await waitFor('the retry state', async () => failed && (await jobRow(database, id))?.state === 'retry');
        expect(await queue.depth('retrying')).toBe(1);
      });
    });

    engine.test('stop() returns after timeoutMs with a stuck handler, aborting it and failing its job', async () => {
      const { database, dispose } = await engine.open();
      const queue = createJobQueue(database);
      try {
        await queue.start();
        let signal: AbortSignal | undefined;
        await queue.work('stuck', { concurrency: 1 }, (job) => {
          signal = job.signal;
          return new Promise<void>(() => {});
        });
        const id = (await queue.send('stuck', {}, { retryLimit: 1 })) as string;
        await waitFor('the handler to start', () => signal !== undefined);
        await queue.stop({ timeoutMs: 200 });
        expect(signal?.aborted).toBe(true);
        const row = await jobRow(database, id);
        expect(row?.state).toBe('retry');
        expect(row?.output?.message).toMatch(/stopped after 200 ms/);
        await expect(queue.send('stuck', {})).rejects.toThrow(/call start\(\) first/);
      } finally {
        await queue.stop();
        await dispose();
      }
    });

    engine.test('after stop() and close() nothing keeps the process alive', async () => {
      const { url, dispose } = await engine.open();
      try {
        const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'stop-and-exit.ts');
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...(url ? [url] : [])], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          out += d;
        });
        const code = await new Promise<number | null>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve(null);
          }, 20_000);
          child.once('exit', (c) => {
            clearTimeout(timer);
            resolve(c);
          });
        });
        expect(out).toContain('handled {"n":42}');
        expect(code, `the child did not exit by itself; output:\n${out}`).toBe(0);
      } finally {
        await dispose();
      }
    });

    engine.test('a schedule sends its data to the queue of its name, where the handler gets it', async () => {
      await withQueue(
        engine,
        async (queue, database) => {
          const got: unknown[] = [];
          await queue.work('every-minute', { concurrency: 1, pollIntervalSeconds: 0.1 }, async (job) => {
            got.push(job.data);
          });
          // "Every minute": the most recent occurrence is always under 60 s old, so the next cron check sends it.
          await queue.schedule('every-minute', '* * * * *', { scope: 'all' }, { tz: 'Europe/Berlin' });
          const [row] = await database.query<{ cron: string; timezone: string }>(
            "SELECT cron, timezone FROM pgboss.schedule WHERE name = 'every-minute'",
          );
          expect(row).toEqual({ cron: '* * * * *', timezone: 'Europe/Berlin' });
          await waitFor('the scheduled job', () => got.length > 0);
          expect(got[0]).toEqual({ scope: 'all' });
          await queue.unschedule('every-minute');
          expect(await database.query('SELECT name FROM pgboss.schedule')).toEqual([]);
        },
        { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 },
      );
    });
  });
}

describe('JobQueue input checks', () => {
  it('rejects bad names, options and cron expressions with the field at fault', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    const queue = createJobQueue(database);
    try {
      await expect(queue.send('x', {})).rejects.toThrow(/call start\(\) first/);
      await queue.start();
      const pointerOf = async (p: Promise<unknown>) => {
        const err = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).extra.errors?.[0]?.pointer;
      };
      expect(await pointerOf(queue.send('bad name!', {}))).toBe('/queue');
      expect(await pointerOf(queue.send('ok', {}, { retryLimit: -1 }))).toBe('/retryLimit');
      expect(await pointerOf(queue.send('ok', {}, { startAfterSeconds: Number.NaN }))).toBe('/startAfterSeconds');
      expect(await pointerOf(queue.send('ok', {}, { expireInSeconds: 0 }))).toBe('/expireInSeconds');
      expect(await pointerOf(queue.send('ok', null as unknown as object))).toBe('/data');
      expect(await pointerOf(queue.work('ok', { concurrency: 0 }, async () => {}))).toBe('/concurrency');
      expect(await pointerOf(queue.work('ok', { concurrency: 1, pollIntervalSeconds: 0.01 }, async () => {}))).toBe(
        '/pollIntervalSeconds',
      );
      expect(await pointerOf(queue.schedule('ok', 'every tuesday'))).toBe('/cron');
      expect(await pointerOf(queue.schedule('ok', '0 3 * * *', {}, { tz: 'Mars/Olympus' }))).toBe('/tz');
      expect(() => createJobQueue(database, { schema: 'Bad-Schema' })).toThrow(ValidationError);
    } finally {
      await queue.stop();
      await database.close();
    }
  });
});

describe('JobQueue with two instances on one PostgreSQL database', () => {
  itWhen(hasPostgres, POSTGRES_MISSING)('each job is processed once, by one of the two workers', async () => {
    const created = await createTestDatabase();
    const databases = await Promise.all([openDatabase({ url: created.url }), openDatabase({ url: created.url })]);
    const queues = databases.map((d) => createJobQueue(d));
    try {
      // Started together: both race to install pg-boss's schema, which must be harmless.
      await Promise.all(queues.map((q) => q.start()));
      const handledBy = new Map<number, number[]>();
      await Promise.all(
        queues.map((q, worker) =>
          q.work<{ i: number }>('shared', { concurrency: 2 }, async (job) => {
            handledBy.set(job.data.i, [...(handledBy.get(job.data.i) ?? []), worker]);
            await new Promise((r) => setTimeout(r, 10));
          }),
        ),
      );
      const total = 60;
      for (let i = 0; i < total; i++) await queues[i % 2]?.send('shared', { i });
      await waitFor('all jobs', () => handledBy.size === total);
      await new Promise((r) => setTimeout(r, 200));
      const counts = [0, 0];
      for (const [i, workers] of handledBy) {
        expect(workers, `job ${i} ran ${workers.length} times`).toHaveLength(1);
        counts[workers[0] as number] = (counts[workers[0] as number] ?? 0) + 1;
      }
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).toBeGreaterThan(0);
    } finally {
      await Promise.all(queues.map((q) => q.stop({ timeoutMs: 1000 })));
      await Promise.all(databases.map((d) => d.close()));
      await created.drop();
    }
  });
});
