/**
 * Queue and event-log throughput, each against a plain-INSERT baseline measured in the same run.
 *
 *   npx tsx bench/queue.ts                      # PGlite only
 *   DATABASE_URL=postgres://… npx tsx bench/queue.ts   # PGlite and PostgreSQL
 *
 * Prints a Markdown table (medians of ROUNDS rounds) for docs/performance.md.
 */
import os from 'node:os';
import { Type } from '@sinclair/typebox';
import pg from 'pg';
import { type Database, openDatabase } from '../src/platform/db/client.ts';
import { newId } from '../src/platform/ids.ts';
import { createJobQueue } from '../src/platform/queue/index.ts';
import { ExecutorRegistry, RunEngine } from '../src/platform/runs/index.ts';
import { median } from './stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Runs/s from submit to succeeded for an executor that does nothing. */
async function runsPerSecond(database: Database): Promise<number> {
  const registry = new ExecutorRegistry();
  registry.register({
    kind: 'bench.noop',
    description: 'no-op',
    inputSchema: Type.Object({}),
    execute: async () => ({}),
  });
  const queue = createJobQueue(database);
  await queue.start();
  const engine = new RunEngine({
    database,
    registry,
    queue,
    artifactMaxBytes: 1024,
    defaultTimeoutMs: 60_000,
    heartbeatMs: 10_000,
  });
  await engine.startWorkers(CONCURRENCY);
  const seconds = await timed(async () => {
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++)
      ids.push((await engine.submit({ kind: 'bench.noop', input: {}, owner: 'bench' })).run.id);
    for (;;) {
      const rows = await database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM runs WHERE kind = 'bench.noop' AND status = 'succeeded' AND id = ANY($1)",
        [ids],
      );
      if ((rows[0]?.n ?? 0) >= RUNS) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  await engine.stop();
  await queue.stop({ timeoutMs: 5000 });
  return RUNS / seconds;
}

/** Baseline: inserting the same number of run rows one by one, nothing else. */
async function plainRunInsertsPerSecond(database: Database): Promise<number> {
  const seconds = await timed(async () => {
    for (let i = 0; i < RUNS; i++) {
      await database.query(
        "INSERT INTO runs (id, kind, status, input, owner) VALUES ($1, 'bench.plain', 'succeeded', '{}', 'bench')",
        [newId()],
      );
    }
  });
  return RUNS / seconds;
}

async function eventAppendsPerSecond(_database: Database, engine: RunEngine, runId: string): Promise<number> {
  const seconds = await timed(async () => {
    for (let i = 0; i < EVENTS; i++) await engine.events.append(runId, 'bench', { i });
  });
  return EVENTS / seconds;
}

async function plainEventInsertsPerSecond(database: Database): Promise<number> {
  await database.exec(
    'CREATE TABLE IF NOT EXISTS bench_plain_events (run_id text, seq int, type text, data jsonb, at timestamptz default now())',
  );
  const runId = newId();
  const seconds = await timed(async () => {
    for (let i = 0; i < EVENTS; i++) {
      await database.query('INSERT INTO bench_plain_events (run_id, seq, type, data) VALUES ($1, $2, $3, $4::jsonb)', [
        runId,
        i + 1,
        'bench',
        JSON.stringify({ i }),
      ]);
    }
  });
  return EVENTS / seconds;
}

async function benchEngine(name: string, open: () => Promise<{ database: Database; close(): Promise<void> }>) {
  const runs: number[] = [];
  const plainRuns: number[] = [];
  const events: number[] = [];
  const plainEvents: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { database, close } = await open();
    await database.migrate();
    const engine = new RunEngine({
      database,
      registry: new ExecutorRegistry(),
      artifactMaxBytes: 1024,
      defaultTimeoutMs: 1000,
      heartbeatMs: 1000,
    });
    const { run } = await engine.store.create({ kind: 'bench.events', input: {}, owner: 'bench' });
    // Alternate the order so neither side always runs on a warmer database.
    if (round % 2 === 0) {
      plainRuns.push(await plainRunInsertsPerSecond(database));
      runs.push(await runsPerSecond(database));
      plainEvents.push(await plainEventInsertsPerSecond(database));
      events.push(await eventAppendsPerSecond(database, engine, run.id));
    } else {
      runs.push(await runsPerSecond(database));
      plainRuns.push(await plainRunInsertsPerSecond(database));
      events.push(await eventAppendsPerSecond(database, engine, run.id));
      plainEvents.push(await plainEventInsertsPerSecond(database));
    }
    await engine.events.close();
    await close();
    process.stderr.write(`${name} round ${round + 1}/${ROUNDS} done\n`);
  }
  return {
    name,
    runs: median(runs),
    plainRuns: median(plainRuns),
    events: median(events),
    plainEvents: median(plainEvents),
  };
}

async function main() {
  const results = [];
  results.push(
    await benchEngine('PGlite (in-process)', async () => {
      const database = await openDatabase({ dataDir: 'memory://' });
      return { database, close: () => database.close() };
    }),
  );
  if (process.env.DATABASE_URL) {
    results.push(
      await benchEngine('PostgreSQL 15 (loopback)', async () => {
        const name = `orbit_bench_${newId().replace(/-/g, '').slice(-12)}`;
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const url = new URL(process.env.DATABASE_URL as string);
        url.pathname = `/${name}`;
        const database = await openDatabase({ url: url.toString() });
        return {
          database,
          async close() {
            await database.close();
            const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
            await c.connect();
            await c.query(`DROP DATABASE ${name} WITH (FORCE)`);
            await c.end();
          },
        };
      }),
    );
  }
  const f = (n: number) => n.toFixed(0);
  const lines = [
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`,
    `${RUNS} runs, ${EVENTS} events, ${CONCURRENCY} worker slots, median of ${ROUNDS} rounds.`,
    '',
    '| database | runs/s submit→succeeded | baseline: plain run INSERTs/s | ratio | event appends/s | baseline: plain event INSERTs/s | ratio |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${f(r.runs)} | ${f(r.plainRuns)} | ${(r.runs / r.plainRuns).toFixed(2)} | ${f(r.events)} | ${f(r.plainEvents)} | ${(r.events / r.plainEvents).toFixed(2)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
process.exit(0);
