import { describe, expect, it } from 'vitest';
import { createTestDatabase, hasPostgres, itWhen, POSTGRES_MISSING } from '../../test/support/services.ts';
import { type Database, openDatabase } from './db/client.ts';
import { ConflictError, ValidationError } from './errors.ts';
import { createJobQueue } from './queue/index.ts';
import { Scheduler } from './scheduler.ts';

// Cron checks every second instead of every 30 s, so an every-minute schedule fires within a few seconds.
const FAST_CRON = { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1, pollIntervalSeconds: 0.1 };

async function exercise(database: Database): Promise<void> {
  const queue = createJobQueue(database, FAST_CRON);
  await queue.start();
  try {
    const scheduler = new Scheduler(queue);
    const got: unknown[] = [];
    await scheduler.register<{ scope: string }>(
      'workspace-cleanup',
      '* * * * *',
      async (job) => {
        got.push(job.data);
      },
      { data: { scope: 'expired' } },
    );
    expect(scheduler.names()).toEqual(['workspace-cleanup']);
    await expect(scheduler.register('workspace-cleanup', '0 3 * * *', async () => {})).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(scheduler.register('nightly', 'not a cron', async () => {})).rejects.toBeInstanceOf(ValidationError);
    expect(scheduler.names()).toEqual(['workspace-cleanup']);

    const deadline = Date.now() + 15_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(got[0]).toEqual({ scope: 'expired' });

    await scheduler.unregister('workspace-cleanup');
    expect(scheduler.names()).toEqual([]);
    expect(await database.query('SELECT name FROM pgboss.schedule')).toEqual([]);
  } finally {
    await queue.stop({ timeoutMs: 1000 });
  }
}

describe('Scheduler', () => {
  it('on PGlite: registers a cron, its occurrence reaches the handler, unregister removes it', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      await exercise(database);
    } finally {
      await database.close();
    }
  });

  itWhen(hasPostgres, POSTGRES_MISSING)(
    'on PostgreSQL: registers a cron, its occurrence reaches the handler, unregister removes it',
    async () => {
      const created = await createTestDatabase();
      const database = await openDatabase({ url: created.url });
      try {
        await exercise(database);
      } finally {
        await database.close();
        await created.drop();
      }
    },
  );
});
