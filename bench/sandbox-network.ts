/**
 * What a network allow-list costs a sandboxed step, against the same step without network, in one run:
 *
 * - start-up: `true` with `network: false` vs with `network: { allowHosts }` (the proxy, its socket and socat);
 * - a transfer: 200 HTTP GETs of 64 KiB from a server on the host's loopback, through the filtering proxy
 *   (sandboxed curl, allow-listed) vs the same curl run directly on the host (no sandbox, no proxy).
 *
 *   npx tsx bench/sandbox-network.ts     # BENCH_ROUNDS (default 15) rounds; medians; Markdown for docs/performance.md
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runSandboxed } from '../src/platform/sandbox/index.ts';
import { median } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const GETS = 200;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const body = Buffer.alloc(64 * 1024, 'x');
const server = http.createServer((_req, res) => res.end(body));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as net.AddressInfo).port;
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-net-'));
const urls = Array.from({ length: GETS }, () => `-o /dev/null http://localhost:${port}/`).join(' ');
const curl = `curl -sf ${urls}`;
const allow = { allowHosts: [`localhost:${port}`] };
const base = { cwd: ws, workspace: ws, timeoutMs: 60_000 } as const;

const rows = {
  startNone: [] as number[],
  startAllow: [] as number[],
  getHost: [] as number[],
  getProxy: [] as number[],
};
for (let i = 0; i < ROUNDS; i++) {
  rows.startNone.push(await timed(() => runSandboxed({ ...base, command: 'true', args: [], network: false })));
  rows.startAllow.push(await timed(() => runSandboxed({ ...base, command: 'true', args: [], network: allow })));
  rows.getHost.push(await timed(() => promisify(execFile)('sh', ['-c', curl]))); // async: the server is in this process
  rows.getProxy.push(
    await timed(async () => {
      const r = await runSandboxed({ ...base, command: 'sh', args: ['-c', curl], network: allow });
      if (r.exitCode !== 0 || r.network?.blocked.length) throw new Error(`curl through the proxy failed: ${r.stderr}`);
    }),
  );
}
server.close();
fs.rmSync(ws, { recursive: true, force: true });

const ms = (x: number) => `${x.toFixed(1)} ms`;
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rows, number>;
console.log(`Medians of ${ROUNDS} rounds, ${os.cpus().length} cores, Node ${process.version}\n`);
console.log('| measure | baseline | with the allow-list | ratio |');
console.log('|---|---:|---:|---:|');
console.log(
  `| step start-up (\`true\`) | ${ms(m.startNone)} (no network) | ${ms(m.startAllow)} | ${(m.startAllow / m.startNone).toFixed(2)}× |`,
);
console.log(
  `| ${GETS} GETs of 64 KiB (one curl) | ${ms(m.getHost)} (curl on the host, direct) | ${ms(m.getProxy)} (sandboxed, through the proxy) | ${(m.getProxy / m.getHost).toFixed(2)}× |`,
);
