import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../drizzle');

/**
 * One handle on the database, whichever engine is behind it. Drizzle for typed queries; `query`/`exec` for the few
 * places that need raw SQL (pg-boss's adapter, the gapless event append); `listen` for NOTIFY fan-out, which both
 * PostgreSQL and PGlite deliver, so live events use one mechanism in both.
 */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Several statements, no parameters. */
  exec(text: string): Promise<void>;
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  migrate(): Promise<void>;
  ping(): Promise<{ latencyMs: number; version: string }>;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** The embedded database is open in another process (PGlite is single-process). */
export class DatabaseLockedError extends DatabaseUnavailableError {
  constructor(
    message: string,
    readonly holderPid: number,
  ) {
    super(message);
    this.name = 'DatabaseLockedError';
  }
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory, or `memory://` for an in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** PGlite only: load the pgvector extension (for optional embeddings); PostgreSQL servers provide their own. */
  vector?: boolean;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.poolSize ?? 10);
  return openPglite(options.dataDir ?? 'memory://', options.vector ?? false);
}

/** A URL without its password, safe for messages and logs. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection (server restart) must not crash the process; the pool reconnects.
  pool.on('error', () => {});
  const where = describeUrl(url);
  try {
    const c = await pool.connect();
    c.release();
  } catch (err) {
    await pool.end().catch(() => {});
    const code = (err as { code?: string }).code ?? (err as Error).message;
    throw new DatabaseUnavailableError(
      `Cannot reach PostgreSQL at ${where} (${code}). Check that the server is running and DATABASE_URL is right, or unset DATABASE_URL to use the embedded database.`,
      { cause: err },
    );
  }
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  const listeners = new Map<string, Set<(p: string) => void>>();
  let listenClient: pg.Client | undefined;

  async function ensureListenClient(): Promise<pg.Client> {
    if (listenClient) return listenClient;
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {
      // Reconnect lazily: the next listen() or a later notification cycle reopens it.
      listenClient = undefined;
      setTimeout(() => void reconnect(), 1000).unref();
    });
    client.on('notification', (msg) => {
      for (const cb of listeners.get(msg.channel) ?? []) cb(msg.payload ?? '');
    });
    await client.connect();
    listenClient = client;
    for (const channel of listeners.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return client;
  }
  async function reconnect() {
    if (listeners.size === 0 || listenClient) return;
    try {
      await ensureListenClient();
    } catch {
      setTimeout(() => void reconnect(), 2000).unref();
    }
  }

  return {
    kind: 'postgres',
    db,
    async query<T>(text: string, params?: unknown[]) {
      const r = await pool.query(text, params as unknown[]);
      return r.rows as T[];
    },
    async exec(text) {
      await pool.query(text);
    },
    async listen(channel, onMessage) {
      let set = listeners.get(channel);
      const first = !set;
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(onMessage);
      const client = await ensureListenClient();
      if (first) await client.query(`LISTEN ${quoteIdent(channel)}`);
      return async () => {
        set.delete(onMessage);
      };
    },
    async migrate() {
      // Several processes may start at once: one migrates, the others wait on the advisory lock.
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock(727274)');
        await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_DIR });
      } finally {
        await client.query('SELECT pg_advisory_unlock(727274)').catch(() => {});
        client.release();
      }
    },
    async ping() {
      const started = performance.now();
      const r = await pool.query<{ v: string }>('SELECT version() AS v');
      return { latencyMs: performance.now() - started, version: r.rows[0]?.v ?? 'unknown' };
    },
    async close() {
      await listenClient?.end().catch(() => {});
      listenClient = undefined;
      listeners.clear();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string, withVector: boolean): Promise<Database> {
  if (!dataDir.startsWith('memory://')) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    acquireDataDirLock(dataDir);
  }
  const client = withVector
    ? new PGlite(dataDir, { extensions: { vector: (await import('@electric-sql/pglite/vector')).vector } })
    : new PGlite(dataDir);
  try {
    await client.waitReady;
  } catch (err) {
    releaseDataDirLock(dataDir);
    throw new DatabaseUnavailableError(`Cannot open the embedded database in ${dataDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async query<T>(text: string, params?: unknown[]) {
      const r = await client.query<T>(text, params as unknown[]);
      return r.rows;
    },
    async exec(text) {
      await client.exec(text);
    },
    async listen(channel, onMessage) {
      const unsub = await client.listen(channel, onMessage);
      return async () => {
        await unsub();
      };
    },
    async migrate() {
      await migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS_DIR });
    },
    async ping() {
      const started = performance.now();
      const r = await client.query<{ v: string }>('SELECT version() AS v');
      return { latencyMs: performance.now() - started, version: `PGlite ${r.rows[0]?.v ?? ''}`.trim() };
    },
    async close() {
      await client.close();
      if (!dataDir.startsWith('memory://')) releaseDataDirLock(dataDir);
    },
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * PGlite is single-process: two processes opening one data directory corrupt it. A pid lock file turns that into a
 * clear error instead.
 */
function lockPath(dataDir: string) {
  // Beside the data directory, not in it: PGlite initialises only an empty directory.
  return `${dataDir.replace(/\/+$/, '')}.lock`;
}

function acquireDataDirLock(dataDir: string) {
  const file = lockPath(dataDir);
  try {
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number(fs.readFileSync(file, 'utf8'));
  if (holder && holder !== process.pid && processAlive(holder)) {
    throw new DatabaseLockedError(
      `The embedded database in ${dataDir} is in use by process ${holder} (an Orbit server?). ` +
        'Use that server (its API or `orbit runs …`, which talk to it), stop it first, or set DATABASE_URL to share PostgreSQL between processes.',
      holder,
    );
  }
  fs.writeFileSync(file, String(process.pid));
}

function releaseDataDirLock(dataDir: string) {
  try {
    if (Number(fs.readFileSync(lockPath(dataDir), 'utf8')) === process.pid) fs.unlinkSync(lockPath(dataDir));
  } catch {
    // already gone
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
