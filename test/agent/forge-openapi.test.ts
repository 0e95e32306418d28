import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForge } from '../../src/agent/forge/index.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { freshDatabase } from '../support/db.ts';
import { repoWithBranch } from '../support/git.ts';
import { freePort } from '../support/net.ts';

/**
 * Orbit's GitHub requests checked against GitHub's own OpenAPI description (@octokit/openapi), served by Prism
 * (@stoplight/prism-cli) as a mock that validates every request. Prism marks a request that breaks the description
 * with a 422 and an `sl-violations` header; a recorder between the forge and Prism keeps those headers, so the test
 * fails on any request whose path, query or body GitHub would not accept. Prism's own answers come from GitHub's
 * examples, whose values do not always match its schemas, so response violations are ignored (as ARCHITECTURE.md says).
 */
const require = createRequire(import.meta.url);
const SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');
const PRISM = path.join(path.dirname(require.resolve('@stoplight/prism-cli/package.json')), 'dist', 'index.js');

interface Seen {
  method: string;
  path: string;
  status: number;
  requestViolations: unknown[];
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-forge-openapi-'));
let prism: ChildProcess;
let recorder: http.Server;
let recorderUrl: string;
let prismUrl: string;
let database: Database;
const seen: Seen[] = [];

beforeAll(async () => {
  const port = await freePort();
  prismUrl = `http://127.0.0.1:${port}`;
  prism = spawn(process.execPath, [PRISM, 'mock', '--host', '127.0.0.1', '-p', String(port), SPEC], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Prism is listening')) resolve();
    };
    prism.stdout?.on('data', onData);
    prism.stderr?.on('data', onData);
    prism.once('exit', (code) => reject(new Error(`Prism exited (${code}) before listening:\n${log.slice(-2000)}`)));
  });
  recorder = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on(
      'end',
      () =>
        void relay().catch((error: Error) => {
          res.writeHead(599);
          res.end(String(error.stack));
        }),
    );
    const relay = async () => {
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers['content-length'];
      // Octokit asks for GitHub's media type (application/vnd.github.v3+json), which GitHub serves as JSON; the
      // description only lists application/json, for which Prism would answer 406.
      headers.accept = 'application/json';
      const answer = await fetch(`${prismUrl}${req.url}`, {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      });
      const violations = JSON.parse(answer.headers.get('sl-violations') ?? '[]') as { location: string[] }[];
      seen.push({
        method: req.method ?? 'GET',
        path: (req.url ?? '').split('?')[0] ?? '',
        status: answer.status,
        requestViolations: violations.filter((v) => v.location[0] === 'request'),
      });
      const body = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(body);
    };
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  recorderUrl = `http://127.0.0.1:${(recorder.address() as net.AddressInfo).port}`;
  database = await freshDatabase('pglite');
}, 240_000);

afterAll(async () => {
  prism?.kill('SIGKILL');
  await new Promise<void>((resolve) => (recorder ? recorder.close(() => resolve()) : resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("GitHub requests against GitHub's OpenAPI description (Prism)", () => {
  it('Prism refuses a request that breaks the description (the check has teeth)', async () => {
    const r = await fetch(`${recorderUrl}/repos/acme/app/pulls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'no head', base: 'main', draft: 'yes' }),
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(seen.at(-1)?.requestViolations)).toMatch(/required property 'head'.*draft must be boolean/);
  });

  it('delivering a pull request (look up by head, create, add labels) sends only requests GitHub accepts', async () => {
    const ws = repoWithBranch(path.join(tmp, 'ws'), path.join(tmp, 'remote.git'), 'orbit/openapi-fix');
    const before = seen.length;
    const forge = createForge(
      { remote: ws.remote, github: { owner: 'acme', repo: 'app', token: 'ghs_openapi', baseUrl: recorderUrl } },
      { database, retry: { baseMs: 1, sleep: async () => undefined } },
    );
    const pr = await forge.deliver({
      runId: '0193a5b2-7c1d-7e2f-8a3b-4c5d6e7f8a9c',
      workspace: { root: ws.root, branch: ws.branch, base: 'main' },
      title: 'Fix the README',
      body: '## Task\n\n> Fix the README\n',
      labels: ['docs'],
    });
    const calls = seen.slice(before);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /repos/acme/app/pulls',
      'POST /repos/acme/app/pulls',
      'POST /repos/acme/app/issues/1347/labels',
    ]);
    for (const c of calls) {
      expect(c.requestViolations, `${c.method} ${c.path}`).toEqual([]);
      expect(c.status, `${c.method} ${c.path}`).toBeLessThan(300);
    }
    // The example pull request of GitHub's description, recorded as this run's.
    expect(pr).toMatchObject({ forge: 'github', number: 1347, headBranch: ws.branch });
  });
});
