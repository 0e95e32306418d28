import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { it } from 'vitest';
import { newId } from '../../src/platform/ids.ts';
import { freePort, waitForPort } from './net.ts';

export { freePort, waitForPort };

/**
 * Where a test needs something the machine may lack (PostgreSQL, Redis, a tool), it says why it is skipped.
 * With ORBIT_TEST_STRICT=1 (CI) a missing part fails the test instead of skipping it.
 */
export const strict = process.env.ORBIT_TEST_STRICT === '1';

export function requirement(available: boolean, reason: string): { skip: boolean; reason: string } {
  if (!available && strict) {
    throw new Error(`ORBIT_TEST_STRICT=1 but a required part is missing: ${reason}`);
  }
  return { skip: !available, reason };
}

/** `it` that is skipped with a printed reason when `available` is false (and fails under strict mode). */
export function itWhen(available: boolean, reason: string) {
  const r = requirement(available, reason);
  if (r.skip) {
    console.warn(`[skipped] ${reason}`);
    return it.skip;
  }
  return it;
}

export const postgresUrl = process.env.DATABASE_URL;
export const hasPostgres = Boolean(postgresUrl);
export const POSTGRES_MISSING =
  'PostgreSQL is not configured: set DATABASE_URL to a server where this user may CREATE DATABASE (CI starts one)';

export const redisUrl = process.env.REDIS_URL;
export const hasRedis = Boolean(redisUrl);
export const REDIS_MISSING = 'Redis is not configured: set REDIS_URL (CI starts redis-server)';

export const hasRedisServerBinary = spawnSync('redis-server', ['--version']).status === 0;
export const REDIS_BINARY_MISSING = 'redis-server is not installed (apt-get install redis-server)';

/**
 * A fresh, empty database on the configured PostgreSQL server, so tests never see each other's rows.
 * Returns its URL and a function that drops it.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error(POSTGRES_MISSING);
  const name = `orbit_test_${newId().replace(/-/g, '').slice(-16)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A private redis-server on a free loopback port that a test may stop and start again
 * (the shared one from REDIS_URL must stay up for the other tests).
 */
export interface OwnRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitForPort(port, 5000);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}

const PG_BIN = (() => {
  try {
    const versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return versions[0] ? `/usr/lib/postgresql/${versions[0]}/bin` : undefined;
  } catch {
    return undefined;
  }
})();
export const hasPostgresBinaries = Boolean(PG_BIN && fs.existsSync(`${PG_BIN}/initdb`));
export const POSTGRES_BINARIES_MISSING = 'PostgreSQL server binaries are not installed (apt-get install postgresql)';

/**
 * A private PostgreSQL cluster in a temp directory on a free port, which a test may stop and start (the shared
 * one must stay up). PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export interface OwnPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  if (!PG_BIN) throw new Error(POSTGRES_BINARIES_MISSING);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-pg-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (args: string[]) => {
    const cmd = asRoot ? 'runuser' : args[0]!;
    const argv = asRoot ? ['-u', 'postgres', '--', ...args] : args.slice(1);
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  run([`${PG_BIN}/initdb`, '-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = async () => {
    run([
      `${PG_BIN}/pg_ctl`,
      '-D',
      `${dir}/data`,
      '-l',
      `${dir}/log`,
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c fsync=off`,
      'start',
    ]);
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    run([`${PG_BIN}/pg_ctl`, '-D', `${dir}/data`, '-m', 'immediate', '-w', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      try {
        await stop();
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
