/**
 * Throughput and latency of an authenticated, rate-limited `GET /v1/runs/:id` on the real server, against a bare
 * Fastify route returning the same JSON, measured in the same run with autocannon.
 *
 *   npx tsx bench/http.ts            # ROUNDS=3 DURATION=5 CONNECTIONS=10 by default
 *
 * Both servers run in child processes so the load generator does not share their event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort, waitForPort } from '../test/support/net.ts';
import { median } from './stats.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const ROOT = path.resolve(import.meta.dirname, '..');

async function startOrbit(): Promise<{ url: string; key: string; runId: string; child: ChildProcess }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-'));
  const port = await freePort();
  const env = {
    ...process.env,
    HOME: home,
    ORBIT_HOME: home,
    ORBIT_PORT: String(port),
    ORBIT_REQUIRE_AUTH: 'true',
    ORBIT_LOG_LEVEL: 'warn',
    // The limiter still runs on every request; the limit is just high enough not to refuse the load.
    ORBIT_RATE_LIMITS: JSON.stringify({ authenticated: [{ limit: 100_000, windowSeconds: 60 }] }),
  };
  const created = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/orbit.js'), 'keys', 'create', '--name', 'bench', '--role', 'admin', '--json'],
    {
      env,
    },
  );
  let out = '';
  created.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((r) => created.on('close', r));
  const key = (JSON.parse(out) as { secret: string }).secret;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/orbit.js'), 'serve'], { env, stdio: 'ignore' });
  await waitForPort(port, 30_000);
  const url = `http://127.0.0.1:${port}`;
  const res = await fetch(`${url}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'demo', input: { steps: 1, delayMs: 0 } }),
  });
  const run = (await res.json()) as { id: string };
  return { url, key, runId: run.id, child };
}

async function startBare(body: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const script = `
    import Fastify from 'fastify';
    const app = Fastify();
    const body = ${JSON.stringify(body)};
    app.get('/v1/runs/:id', async (_req, reply) => reply.type('application/json').send(body));
    await app.listen({ port: ${port}, host: '127.0.0.1' });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: 'ignore' });
  await waitForPort(port, 30_000);
  return { url: `http://127.0.0.1:${port}`, child };
}

async function load(url: string, headers: Record<string, string>) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx responses, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

const orbit = await startOrbit();
const sample = await (
  await fetch(`${orbit.url}/v1/runs/${orbit.runId}`, { headers: { authorization: `Bearer ${orbit.key}` } })
).text();
const bare = await startBare(sample);
const results = { orbit: [] as Awaited<ReturnType<typeof load>>[], bare: [] as Awaited<ReturnType<typeof load>>[] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    const order = round % 2 === 0 ? (['bare', 'orbit'] as const) : (['orbit', 'bare'] as const);
    for (const which of order) {
      results[which].push(
        which === 'orbit'
          ? await load(`${orbit.url}/v1/runs/${orbit.runId}`, { authorization: `Bearer ${orbit.key}` })
          : await load(`${bare.url}/v1/runs/${orbit.runId}`, {}),
      );
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
} finally {
  orbit.child.kill();
  bare.child.kill();
}

const row = (name: string, rs: Awaited<ReturnType<typeof load>>[]) => ({
  name,
  rps: median(rs.map((r) => r.rps)),
  p50: median(rs.map((r) => r.p50)),
  p99: median(rs.map((r) => r.p99)),
});
const o = row('Orbit `GET /v1/runs/:id` (API key, rate limit, request ID, metrics, database read)', results.orbit);
const b = row('bare Fastify route, same JSON body', results.bare);
const lines = [
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`,
  `autocannon, ${CONNECTIONS} connections, ${DURATION} s per measurement, median of ${ROUNDS} rounds; embedded database (PGlite).`,
  '',
  '| endpoint | requests/s | p50 ms | p99 ms |',
  '|---|---|---|---|',
  `| ${o.name} | ${o.rps.toFixed(0)} | ${o.p50} | ${o.p99} |`,
  `| ${b.name} | ${b.rps.toFixed(0)} | ${b.p50} | ${b.p99} |`,
  `| ratio Orbit / bare | ${(o.rps / b.rps).toFixed(3)} | ${(o.p50 / Math.max(b.p50, 1)).toFixed(1)}× | ${(o.p99 / Math.max(b.p99, 1)).toFixed(1)}× |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
