import { afterAll } from 'vitest';
import { type Database, openDatabase } from '../../src/platform/db/client.ts';
import { createTestDatabase, hasPostgres, POSTGRES_MISSING } from './services.ts';

/** The engines every database test runs against: PGlite always, PostgreSQL when configured (always in CI). */
export const engines = [
  { name: 'pglite', available: true, reason: '' },
  { name: 'postgres', available: hasPostgres, reason: POSTGRES_MISSING },
] as const;

/** A migrated, empty database of the given engine, closed (and dropped) after the file's tests. */
export async function freshDatabase(engine: 'pglite' | 'postgres'): Promise<Database & { url?: string }> {
  if (engine === 'pglite') {
    const db = await openDatabase({ dataDir: 'memory://' });
    await db.migrate();
    afterAll(() => db.close());
    return db;
  }
  const pg = await createTestDatabase();
  const db = await openDatabase({ url: pg.url });
  await db.migrate();
  afterAll(async () => {
    await db.close();
    await pg.drop();
  });
  return Object.assign(db, { url: pg.url });
}
