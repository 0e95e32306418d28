import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForge, labelsFor, renderPullRequestBody } from '../../src/agent/forge/index.ts';
import { type FakeGitHub, recordedLabel, startFakeGitHub } from '../../src/agent/forge/testing/index.ts';
import { getPullRequestByRun } from '../../src/agent/store/index.ts';
import type { Database } from '../../src/platform/db/client.ts';
import { freshDatabase } from '../support/db.ts';
import { repoWithBranch } from '../support/git.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-forge-'));
const g = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();

let n = 0;
/** A repository with `main` and a new branch carrying one commit, plus a bare remote that has `main`. */
function workspace(): { root: string; branch: string; base: string; remote: string } {
  n++;
  return repoWithBranch(path.join(tmp, `ws${n}`), path.join(tmp, `remote${n}.git`), `orbit/run${n}-fix`);
}

const body = renderPullRequestBody({
  task: 'Fix the docs',
  plan: '1. write docs',
  changes: [{ path: 'docs/x.md', added: 1, removed: 0 }],
  tests: { command: 'npm test', ok: true, summary: '3 passed' },
});

let database: Database;
let gh: FakeGitHub;
const sleeps: number[] = [];
const retry = {
  baseMs: 10,
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
};

beforeAll(async () => {
  database = await freshDatabase('pglite');
  gh = await startFakeGitHub({ owner: 'acme', repo: 'app' });
});
afterAll(async () => {
  await gh.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function github(remote: string) {
  return createForge(
    { remote, github: { owner: 'acme', repo: 'app', token: 'ghs_test', baseUrl: gh.url } },
    { database, retry },
  );
}

describe('pull request template and labels', () => {
  it('renders task, plan, changes and tests', () => {
    expect(body).toContain('> Fix the docs');
    expect(body).toContain('1. write docs');
    expect(body).toContain('| `docs/x.md` | 1 | 0 |');
    expect(body).toContain('✅ passed: `npm test`');
    expect(body).toContain('3 passed');
  });
  it('derives labels from the kinds of change', () => {
    expect(
      labelsFor([
        'README.md',
        'test/a.test.ts',
        '.github/workflows/ci.yml',
        'package-lock.json',
        'web/App.tsx',
        'src/server/app.ts',
      ]),
    ).toEqual(['backend', 'ci', 'dependencies', 'docs', 'frontend', 'tests']);
    expect(labelsFor(['docs/a.md'])).toEqual(['docs']);
    expect(labelsFor([])).toEqual([]);
  });
});

describe('GitHub forge against the local stand-in', () => {
  it('pushes, opens a PR with the template body and labels, and records it', async () => {
    const ws = workspace();
    gh.setMode(undefined);
    const before = gh.created();
    const rec = await github(ws.remote).deliver({
      runId: 'run-a',
      workspace: ws,
      title: 'Fix docs',
      body,
      labels: ['docs'],
    });
    expect(gh.created()).toBe(before + 1);
    expect(rec).toMatchObject({
      forge: 'github',
      repository: 'acme/app',
      status: 'open',
      headBranch: ws.branch,
      draftReason: null,
    });
    const pr = gh.pulls.find((p) => p.number === rec.number);
    expect(pr?.body).toBe(body);
    expect(pr?.labels).toEqual(['docs']);
    // The label answer is GitHub's recorded one (@octokit/fixtures) with our name.
    const labelCall = gh.requests.find((r) => r.path === `/repos/acme/app/issues/${rec.number}/labels`);
    expect(labelCall?.body).toEqual({ labels: ['docs'] });
    expect(Object.keys(recordedLabel())).toEqual(
      expect.arrayContaining(['id', 'node_id', 'url', 'name', 'color', 'default']),
    );
    expect(g(ws.remote, 'rev-parse', ws.branch)).toBe(g(ws.root, 'rev-parse', 'HEAD'));
    expect(gh.requests.every((r) => r.authorization === 'token ghs_test')).toBe(true);
    expect((await getPullRequestByRun(database, 'run-a'))?.url).toBe(rec.url);
  });

  it('delivering twice opens one PR and keeps one record', async () => {
    const ws = workspace();
    gh.setMode(undefined);
    const before = gh.created();
    const forge = github(ws.remote);
    const req = { runId: 'run-b', workspace: ws, title: 'Twice', body, labels: [] };
    const first = await forge.deliver(req);
    const second = await forge.deliver(req);
    const third = await github(ws.remote).deliver(req);
    expect(gh.created()).toBe(before + 1);
    expect(second.id).toBe(first.id);
    expect(third.number).toBe(first.number);
    const rows = await database.query('select id from agent_pull_requests where run_id = $1', ['run-b']);
    expect(rows).toHaveLength(1);
  });

  it('opens a draft with an explanation when protection refuses a ready PR', async () => {
    const ws = workspace();
    gh.setMode({ kind: 'protected' });
    const rec = await github(ws.remote).deliver({
      runId: 'run-c',
      workspace: ws,
      title: 'Protected',
      body,
      labels: ['docs'],
    });
    expect(rec.status).toBe('draft');
    expect(rec.draftReason).toMatch(/422.*Repository rule/);
    const posts = gh.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/pulls') && (r.body as { head: string }).head === ws.branch,
    );
    expect(posts.map((p) => [(p.body as { draft: boolean }).draft, p.status])).toEqual([
      [false, 422],
      [true, 201],
    ]);
    expect(gh.pulls.find((p) => p.number === rec.number)?.body).toContain('Opened as a draft');
  });

  it('waits as retry-after says on a secondary rate limit, then succeeds', async () => {
    const ws = workspace();
    sleeps.length = 0;
    const start = gh.requests.length;
    gh.setMode({ kind: 'secondary-rate-limit', times: 2, retryAfter: 3 });
    const rec = await github(ws.remote).deliver({ runId: 'run-d', workspace: ws, title: 'RL', body, labels: [] });
    expect(rec.status).toBe('open');
    expect(sleeps).toEqual([3000, 3000]);
    expect(gh.requests.slice(start).map((r) => r.status)).toEqual([403, 403, 200, 201]);
  });

  it('honours 429 retry-after', async () => {
    const ws = workspace();
    sleeps.length = 0;
    const start = gh.requests.length;
    gh.setMode({ kind: 'too-many-requests', times: 1, retryAfter: 7 });
    await github(ws.remote).deliver({ runId: 'run-e', workspace: ws, title: '429', body, labels: [] });
    expect(sleeps).toEqual([7000]);
    expect(gh.requests.slice(start).map((r) => r.status)).toEqual([429, 200, 201]);
  });

  it('retries 5xx with growing backoff, and gives up after the retry budget', async () => {
    const ws = workspace();
    sleeps.length = 0;
    const start = gh.requests.length;
    gh.setMode({ kind: 'server-error', times: 2, status: 502 });
    await github(ws.remote).deliver({ runId: 'run-f', workspace: ws, title: '5xx', body, labels: [] });
    expect(sleeps).toEqual([10, 20]);
    expect(gh.requests.slice(start).map((r) => r.status)).toEqual([502, 502, 200, 201]);

    const ws2 = workspace();
    gh.setMode({ kind: 'server-error', times: 99, status: 503 });
    await expect(
      github(ws2.remote).deliver({ runId: 'run-g', workspace: ws2, title: 'down', body, labels: [] }),
    ).rejects.toMatchObject({ status: 503 });
    gh.setMode(undefined);
  });
});

describe('plain git remote forge', () => {
  it('pushes the branch to a local bare repository and records status pushed', async () => {
    const ws = workspace();
    const forge = createForge({ remote: ws.remote }, { database });
    expect(forge.kind).toBe('git');
    const rec = await forge.deliver({ runId: 'run-git', workspace: ws, title: 'Push', body, labels: [] });
    expect(rec).toMatchObject({
      forge: 'git',
      status: 'pushed',
      number: null,
      headBranch: ws.branch,
      repository: ws.remote,
    });
    expect(g(ws.remote, 'rev-parse', ws.branch)).toBe(g(ws.root, 'rev-parse', 'HEAD'));
    const again = await forge.deliver({ runId: 'run-git', workspace: ws, title: 'Push', body, labels: [] });
    expect(again.id).toBe(rec.id);
  });
});
