import pg from 'pg';
import { expect } from 'vitest';
import { hasPostgresBinaries, itWhen, POSTGRES_BINARIES_MISSING, startOwnPostgres } from './services.ts';

itWhen(hasPostgresBinaries, POSTGRES_BINARIES_MISSING)(
  'a private PostgreSQL can be stopped and started again',
  async () => {
    const own = await startOwnPostgres();
    try {
      const query = async () => {
        const c = new pg.Client({ connectionString: own.url, connectionTimeoutMillis: 2000 });
        await c.connect();
        const r = await c.query('SELECT 1 AS one');
        await c.end();
        return r.rows[0].one;
      };
      expect(await query()).toBe(1);
      await own.stop();
      await expect(query()).rejects.toThrow();
      await own.start();
      expect(await query()).toBe(1);
    } finally {
      await own.destroy();
    }
  },
);
