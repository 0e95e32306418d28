/**
 * SSE fan-out: SUBSCRIBERS concurrent clients follow one run's events; delivery latency is the time from the
 * event's append (its `at`, set by the database) to its arrival at each client, over every (client, event) pair.
 *
 *   npx tsx bench/sse.ts              # SUBSCRIBERS=1000 STEPS=20 by default
 *
 * The server runs in a child process; all clients share this process, so the figure includes client-side
 * parsing of SUBSCRIBERS streams on the same 2 cores.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { parseBlock } from '../src/cli/sse.ts';
import { freePort, waitForPort } from '../test/support/net.ts';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const STEPS = Number(process.env.STEPS ?? 20);
const ROOT = path.resolve(import.meta.dirname, '..');

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-sse-'));
const port = await freePort();
const child = spawn(process.execPath, [path.join(ROOT, 'bin/orbit.js'), 'serve'], {
  env: {
    ...process.env,
    HOME: home,
    ORBIT_HOME: home,
    ORBIT_PORT: String(port),
    ORBIT_LOG_LEVEL: 'warn',
    ORBIT_RATE_LIMITS: JSON.stringify({ authenticated: [{ limit: 100_000, windowSeconds: 60 }] }),
  },
  stdio: 'ignore',
});
await waitForPort(port, 30_000);
const base = `http://127.0.0.1:${port}`;
const dispatcher = new Agent({ connections: SUBSCRIBERS + 10, pipelining: 0 });

try {
  // Queue the run behind a delay so every subscriber is connected before its events start.
  const res = await fetch(`${base}/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'demo', input: { steps: STEPS, delayMs: 300 } }),
  });
  const runId = ((await res.json()) as { id: string }).id;
  // Live deliveries only: events appended after that client's stream was open. Events from before it connected
  // are a replay, and their "latency" would be the client's own connection time.
  const live: number[] = [];
  const steady: number[] = [];
  let allConnectedAt = Number.POSITIVE_INFINITY;
  const connectStarted = Date.now();
  const connectTimes: number[] = [];
  let connected = 0;
  let complete = 0;
  const expected = STEPS + 5; // queued, started, progress × STEPS, 2 artifacts, succeeded (minus what was already sent)
  const clients = Array.from({ length: SUBSCRIBERS }, async () => {
    const r = await request(`${base}/v1/runs/${runId}/events`, {
      dispatcher,
      headers: { accept: 'text/event-stream' },
    });
    const openedAt = Date.now();
    connectTimes.push(openedAt - connectStarted);
    connected++;
    if (connected === SUBSCRIBERS) allConnectedAt = openedAt;
    let buffer = '';
    let seen = 0;
    for await (const chunk of r.body) {
      const now = Date.now();
      buffer += chunk.toString();
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const m = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (m) {
          const e = JSON.parse(m.data) as { at: string; type: string };
          // Events appended before this client connected are a replay, not a delivery.
          if (e.type === 'run.progress' || e.type === 'run.succeeded' || e.type === 'artifact.stored') {
            const appended = Date.parse(e.at);
            if (appended > openedAt) live.push(now - appended);
            if (appended > allConnectedAt) steady.push(now - appended);
          }
          seen++;
        }
        end = buffer.indexOf('\n\n');
      }
    }
    complete++;
    return seen;
  });
  const seen = await Promise.all(clients);
  const lines = [
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`,
    `${SUBSCRIBERS} concurrent SSE subscribers to one run, ${STEPS} progress events 300 ms apart; embedded database (PGlite).`,
    '',
    '| deliveries | count | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    `| live: appended after that client's stream opened (incl. while others were still connecting) | ${live.length} | ${percentile(live, 50)} | ${percentile(live, 99)} | ${Math.max(...live)} |`,
    `| steady state (events appended after all had connected) | ${steady.length} | ${percentile(steady, 50)} | ${percentile(steady, 99)} | ${Math.max(...steady)} |`,
    '',
    `${connected} of ${SUBSCRIBERS} connected (the last after ${Math.max(...connectTimes)} ms; median ${percentile(connectTimes, 50)} ms), ${complete} streams completed, every stream received at least ${Math.min(...seen)} of ${expected} events.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  child.kill();
  await dispatcher.close();
}
process.exit(0);
