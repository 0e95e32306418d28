import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../src/agent/forge/testing/index.ts';
import { upsertPullRequest } from '../../src/agent/store/index.ts';
import { type ModelServer, startModelServer, text, toolCalls } from '../../src/llm/testing/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import {
  events as eventsOf,
  GREETING_AFTER,
  implementCalls,
  PLAN,
  POLLING_RATE_LIMITS,
  quickScript,
  sampleRemote,
  TASK,
  waitForRun as waitFor,
  waitForEvent,
} from '../support/agent.ts';
import { countingHttpServer } from '../support/net.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';
import { itWhen } from '../support/services.ts';

/**
 * What goes wrong in an agent run, over the real server: the model's mistakes with tools, a provider failing
 * mid-stream, GitHub refusing a ready PR or rate-limiting, a budget running out, the user changing the plan and
 * cancelling, and requests that are refused before a run exists.
 */
const availability = await sandboxAvailable();
const it = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);

let tmp: string;
let model: ModelServer;
let github: FakeGitHub;
let server: TestServer;
let n = 0;
const WEBHOOK_SECRET = 'webhook-secret-for-tests';

async function webhook(event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  return api(server.url, 'POST', '/v1/webhooks/github', {
    rawBody: body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': `delivery-${event}-${++n}`,
      'x-hub-signature-256': await sign(WEBHOOK_SECRET, body),
    },
  });
}
const waitForRun = (id: string, statuses: string[], timeoutMs?: number) => waitFor(server.url, id, statuses, timeoutMs);
const events = (id: string) => eventsOf(server.url, id);

async function start(body: Record<string, unknown>): Promise<string> {
  const r = await api(server.url, 'POST', '/v1/agent/runs', { body: { task: TASK, autoApprove: true, ...body } });
  expect(r.status, r.text).toBe(202);
  return String(r.json.id);
}

const show = (remote: string, ref: string, file: string) =>
  execFileSync('git', ['--git-dir', remote, 'show', `${ref}:${file}`], { encoding: 'utf8' });

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-agent-faults-')));
  model = await startModelServer();
  github = await startFakeGitHub({ owner: 'acme', repo: 'greetings' });
  server = await startTestServer({
    ORBIT_MODEL: 'openai-compatible:scripted-coder',
    OPENAI_BASE_URL: model.baseUrl,
    ORBIT_ALLOWED_ROOTS: tmp,
    ORBIT_RATE_LIMITS: POLLING_RATE_LIMITS,
    ORBIT_GITHUB_TOKEN: 'ghp_faults_token',
    ORBIT_GITHUB_API_URL: github.url,
    ORBIT_GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // $1 per million tokens: a scripted answer (10 in, 5 out) costs 15 micro-dollars, so cost caps can be reached.
    ORBIT_LLM_PRICES: JSON.stringify({ 'openai-compatible:scripted-coder': { input: 1, output: 1 } }),
  });
});

afterAll(async () => {
  await server?.close();
  await model?.close();
  await github?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  github.setMode(undefined);
  expect(model.remaining()).toBe(0);
});

describe('the model’s mistakes are answered, and it recovers', () => {
  it('bad arguments, an unknown tool, a tool outside its phase and an edit whose text is not there', async () => {
    const remote = sampleRemote(tmp, `mistakes${++n}.git`);
    model.enqueue(
      {
        reply: toolCalls([
          { id: 'm1', name: 'read', arguments: { file: 'greeting.py' } },
          { id: 'm2', name: 'open_browser', arguments: { url: 'https://example.com' } },
          { id: 'm3', name: 'edit', arguments: { path: 'greeting.py', oldString: 'Hello', newString: 'Hi' } },
          { id: 'm4', name: 'read', arguments: '{"path": "greeting.py"' },
        ]),
      },
      {
        expect: { bodyContains: 'There is no tool \\"open_browser\\"' },
        reply: text('greeting.py has greet().'),
      },
      { reply: text(PLAN) },
      {
        reply: toolCalls([
          { id: 'm5', name: 'edit', arguments: { path: 'greeting.py', oldString: 'return "Hi, "', newString: 'x' } },
        ]),
      },
      { expect: { bodyContains: 'oldString was not found in \\"greeting.py\\"' }, ...implementCalls('m6') },
      { reply: text('Added farewell().') },
    );
    const id = await start({ repository: remote });
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(model.mismatches).toEqual([]);

    const results = (await events(id)).filter((e) => e.type === 'tool.result');
    const error = (callId: string) => String(results.find((e) => e.data.callId === callId)?.data.error);
    expect(error('m1')).toMatch(
      /^Invalid arguments for read: .*path.*Call it again with arguments of the shape \{ path: string/,
    );
    expect(error('m2')).toBe(
      'There is no tool "open_browser". The tools in this phase are: grep, glob, read, bash, git, todo, ask_user.',
    );
    expect(error('m3')).toMatch(/^edit is not available in the research phase/);
    expect(error('m4')).toMatch(/^Invalid arguments for read/);
    expect(error('m5')).toMatch(/^edit failed: oldString was not found in "greeting.py"/);
    // Without a GitHub repository the branch is pushed to the remote and reported; nothing was opened.
    expect((done.output as Record<string, unknown>).pullRequest).toMatchObject({ forge: 'git', status: 'pushed' });
    expect(show(remote, String((done.output as { branch: string }).branch), 'greeting.py')).toBe(GREETING_AFTER);
  });
});

describe('the provider fails mid-stream', () => {
  it('the attempt is retried and resumes from the log without repeating a tool call', async () => {
    const remote = sampleRemote(tmp, `stream${++n}.git`);
    model.enqueue(
      ...quickScript('s').slice(0, 3),
      { reply: text('Added farewell() and its test, all tests pass.'), cutAfterChunks: 1 },
      { reply: text('Added farewell() and its test.') },
    );
    const id = await start({ repository: remote });
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.attempt).toBe(2);
    const log = await events(id);
    const retry = log.find((e) => e.type === 'run.retrying');
    expect(String(retry?.data.reason)).toMatch(/The model call failed/);
    expect(log.filter((e) => e.type === 'tool.result').map((e) => e.data.callId)).toEqual(['s1', 's2']);
    expect(log.filter((e) => e.type === 'agent.phase').map((e) => e.data.phase)).toEqual([
      'research',
      'plan',
      'implement',
      'deliver',
    ]);
  });
});

describe('GitHub', () => {
  it('refuses a ready pull request (branch protection): a draft is opened with the reason', async () => {
    const remote = sampleRemote(tmp, `protected${++n}.git`);
    github.setMode({ kind: 'protected' });
    model.enqueue(...quickScript('p'));
    const id = await start({ repository: remote, github: { owner: 'acme', repo: 'greetings' } });
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const pr = (done.output as { pullRequest: Record<string, unknown> }).pullRequest;
    expect(pr).toMatchObject({ status: 'draft', forge: 'github' });
    expect(String(pr.draftReason)).toMatch(/422: Repository rule violations/);
    const opened = github.pulls.find((p) => p.number === pr.number);
    expect(opened?.draft).toBe(true);
    expect(opened?.body).toMatch(/^> \*\*Opened as a draft\.\*\*/);
  });

  it('rate-limits: the forge waits as retry-after says, and opens exactly one pull request', async () => {
    const remote = sampleRemote(tmp, `ratelimit${++n}.git`);
    model.enqueue(...quickScript('r'));
    const id = await start({ repository: remote, github: { owner: 'acme', repo: 'greetings' } });
    await waitForEvent(server.url, id, (e) => e.type === 'agent.phase' && e.data.phase === 'deliver');
    github.setMode({ kind: 'secondary-rate-limit', times: 1, retryAfter: 1 });
    const before = github.requests.length;
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const mine = github.requests.slice(before);
    expect(mine[0]?.status).toBe(403);
    expect(mine.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls')).map((r) => r.status)).toEqual([201]);
  });
});

describe('budgets', () => {
  it('a run that reaches its step limit stops, with its work committed and pushed to its branch', async () => {
    const remote = sampleRemote(tmp, `budget${++n}.git`);
    model.enqueue(...quickScript('b').slice(0, 3));
    const id = await start({ repository: remote, maxSteps: 3 });
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ type: 'agent-budget-exceeded' });
    const stopped = (await events(id)).find((e) => e.type === 'agent.stopped');
    expect(stopped?.data).toMatchObject({ limit: 'steps', pushed: true });
    const branch = String(stopped?.data.branch);
    expect(String((done.error as { message: string }).message)).toContain(
      `stopped after 3 model calls, its limit (maxSteps or ORBIT_AGENT_MAX_STEPS). The work so far is pushed to branch ${branch}`,
    );
    expect(show(remote, branch, 'greeting.py')).toBe(GREETING_AFTER);
    const subject = execFileSync('git', ['--git-dir', remote, 'log', '-1', '--format=%s', branch], {
      encoding: 'utf8',
    });
    expect(subject.trim()).toBe('Orbit: work in progress (the run hit a limit)');
  });
});

describe('budgets: cost', () => {
  it('a run that reaches its LLM cost cap stops before the next call, and says so', async () => {
    const remote = sampleRemote(tmp, `cost${++n}.git`);
    model.enqueue(...quickScript('c').slice(0, 2));
    const id = await start({ repository: remote, costCapMicros: 30 });
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.error).toMatchObject({ type: 'agent-budget-exceeded' });
    expect(String((done.error as { message: string }).message)).toMatch(
      /spent \$0\.000030 on LLM calls, reaching its cap of \$0\.000030/,
    );
    expect((await events(id)).find((e) => e.type === 'agent.stopped')?.data).toMatchObject({
      limit: 'cost',
      pushed: false,
    });
    expect(model.requests.length).toBeGreaterThan(0);
  });
});

describe('network', () => {
  it('a run with allowHosts reaches those hosts from bash, and the model is told what was refused', async () => {
    const remote = sampleRemote(tmp, `net${++n}.git`);
    const allowed = await countingHttpServer();
    const fetch = (host: string) =>
      `python3 -c "import urllib.request as u; print(u.urlopen('http://${host}:${allowed.port}/pkg', timeout=5).read().decode())"`;
    try {
      model.enqueue(
        {
          reply: toolCalls([
            { id: 'w1', name: 'bash', arguments: { command: `${fetch('localhost')}; ${fetch('127.0.0.1')}` } },
          ]),
        },
        {
          expect: { bodyContains: `The sandbox refused connections to 127.0.0.1:${allowed.port}` },
          reply: text('greeting.py has greet(); the package index answered.'),
        },
        ...quickScript('w').slice(1),
      );
      const id = await start({ repository: remote, allowHosts: [`localhost:${allowed.port}`] });
      const done = await waitForRun(id, ['succeeded', 'failed']);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(model.mismatches).toEqual([]);
      expect(allowed.hits()).toBe(1);
      const result = (await events(id)).find((e) => e.type === 'tool.result' && e.data.callId === 'w1');
      expect(String(result?.data.output)).toContain('hello /pkg');
      const told = model.requests.filter((r) =>
        JSON.stringify(r.body).includes(`no network but localhost:${allowed.port}`),
      );
      expect(told.length).toBeGreaterThan(0);
    } finally {
      await allowed.close();
    }
  });
});

describe('the user', () => {
  it('leaves a note while the run works; the model reads it before its next step (and call ids repeat)', async () => {
    const remote = sampleRemote(tmp, `note${++n}.git`);
    model.enqueue(
      // `n1` again in the implement step: some servers number calls afresh in every answer (call_0, call_1, …).
      { reply: toolCalls([{ id: 'n1', name: 'bash', arguments: { command: 'sleep 2' } }]) },
      { expect: { bodyContains: 'A message from the user while you work' }, reply: text('greeting.py has greet().') },
      ...quickScript('n').slice(1),
    );
    const id = await start({ repository: remote });
    await waitForEvent(server.url, id, (e) => e.type === 'tool.called' && e.data.callId === 'n1');
    const note = await api(server.url, 'POST', `/v1/runs/${id}/input`, { body: { text: 'Keep greet() as it is.' } });
    expect(note.status, note.text).toBe(202);
    expect(note.json.answered).toBeNull();
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(model.mismatches).toEqual([]);
    const told = (await events(id)).find((e) => e.type === 'agent.instruction');
    expect(String(told?.data.text)).toContain('Keep greet() as it is.');
  });

  it('asks for a change to the plan, gets a revised one, then cancels the run while it waits', async () => {
    const remote = sampleRemote(tmp, `revise${++n}.git`);
    model.enqueue(
      { reply: text('greeting.py has greet().') },
      { reply: text('Plan v1: add farewell().') },
      {
        expect: { bodyContains: 'The user asks for changes to the plan' },
        reply: text('Plan v2: add farewell() and document it.'),
      },
    );
    const id = await start({ repository: remote, autoApprove: false });
    await waitForEvent(server.url, id, (e) => e.type === 'input.requested' && e.data.key === 'plan:1');
    await waitForRun(id, ['waiting']);
    const change = await api(server.url, 'POST', `/v1/runs/${id}/input`, {
      body: { text: 'Also document it in the README.' },
    });
    expect(change.status, change.text).toBe(202);
    const second = await waitForEvent(server.url, id, (e) => e.type === 'input.requested' && e.data.key === 'plan:2');
    expect(second.data.prompt).toBe('Plan v2: add farewell() and document it.');
    await waitForRun(id, ['waiting']);
    const cancelled = await api(server.url, 'POST', `/v1/runs/${id}/cancel`);
    expect(cancelled.json.status).toBe('cancelled');
    const late = await api(server.url, 'POST', `/v1/runs/${id}/input`, { body: { approve: true } });
    expect(late.status).toBe(409);
    expect(late.json.type).toMatch(/run-finished$/);
  });
});

describe('refused before a run exists', () => {
  it('answers each bad request with a precise 4xx and creates no run (ten cases and malformed JSON)', async () => {
    const notRepo = path.join(tmp, 'not-a-repo');
    fs.mkdirSync(notRepo, { recursive: true });
    const repo = sampleRemote(tmp, `refused${++n}.git`);
    const count = async () =>
      ((await api(server.url, 'GET', '/v1/runs?kind=agent&limit=100')).json.runs as unknown[]).length;
    const before = await count();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ repository: '/etc', task: TASK }, 403, 'outside the allowed roots'],
      [{ repository: 'relative/path', task: TASK }, 400, 'not absolute'],
      [{ repository: `${tmp}/../etc`, task: TASK }, 400, 'contains ".."'],
      [{ repository: notRepo, task: TASK }, 400, 'is not a git repository'],
      [{ repository: 'ext::sh -c touch% /tmp/pwned', task: TASK }, 400, 'cannot be cloned'],
      [{ repository: notRepo }, 400, 'task'],
      [{ repository: notRepo, task: TASK, colour: 'red' }, 400, 'colour'],
      [{ repository: notRepo, task: TASK, maxSteps: 0 }, 400, 'maxSteps'],
      [{ repository: repo, task: TASK, allowHosts: ['pypi.org', 'https://x.org/'] }, 400, '/input/allowHosts/1'],
      [{ repository: repo, task: TASK, allowHosts: ['*'] }, 400, 'must be a host name'],
    ];
    for (const [body, status, words] of cases) {
      const r = await api(server.url, 'POST', '/v1/agent/runs', { body });
      expect(r.status, `${JSON.stringify(body)} → ${r.text}`).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(`${r.json.detail} ${JSON.stringify(r.json.errors ?? [])}`).toContain(words);
    }
    const malformed = await api(server.url, 'POST', '/v1/agent/runs', {
      rawBody: '{"repository": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(await count()).toBe(before);
    const missing = await api(server.url, 'GET', '/v1/agent/runs/0190c0de-0000-7000-8000-000000000000/pull-request');
    expect(missing.status).toBe(404);
  });
});

describe('a stored GitHub token', () => {
  it('is kept encrypted, never shown again, and used by the run that names it', async () => {
    const stored = await api(server.url, 'POST', '/v1/agent/credentials', {
      body: { name: 'acme bot', token: 'ghp_stored_secret_42', scopes: 'contents, pull_requests' },
    });
    expect(stored.status, stored.text).toBe(201);
    expect(stored.text).not.toContain('ghp_stored_secret_42');
    const list = await api(server.url, 'GET', '/v1/agent/credentials');
    expect(list.text).not.toContain('ghp_stored_secret_42');
    expect(list.json.credentials).toEqual([expect.objectContaining({ id: stored.json.id, name: 'acme bot' })]);
    const rows = await server.server.platform.database.query<{ token_encrypted: string }>(
      'SELECT token_encrypted FROM forge_credentials',
    );
    expect(rows[0]?.token_encrypted).not.toContain('ghp_stored');

    const remote = sampleRemote(tmp, `credential${++n}.git`);
    model.enqueue(...quickScript('t'));
    const before = github.requests.length;
    const id = await start({
      repository: remote,
      github: { owner: 'acme', repo: 'greetings' },
      credential: stored.json.id,
    });
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const auth = new Set(github.requests.slice(before).map((r) => r.authorization));
    expect([...auth]).toEqual(['token ghp_stored_secret_42']);
    expect(JSON.stringify(await events(id))).not.toContain('ghp_stored_secret_42');

    const unknown = await start({ repository: remote, credential: 'no-such-credential' });
    const failed = await waitForRun(unknown, ['succeeded', 'failed']);
    expect(failed.error).toMatchObject({ type: 'credential-not-found' });
    const removed = await api(server.url, 'DELETE', `/v1/agent/credentials/${stored.json.id}`);
    expect(removed.status).toBe(204);
  });
});

describe('GitHub webhooks on the server', () => {
  it('an issue labeled `orbit` starts an agent run on that repository, and a merged PR updates its record', async () => {
    const remote = sampleRemote(tmp, `webhook${++n}.git`);
    model.enqueue(...quickScript('w'));
    const labeled = await webhook('issues', {
      action: 'labeled',
      label: { name: 'orbit' },
      issue: { number: 7, title: 'Say goodbye', body: TASK, html_url: 'https://github.com/acme/greetings/issues/7' },
      repository: { full_name: 'acme/greetings', clone_url: `file://${remote}`, default_branch: 'main' },
    });
    expect(labeled.status, labeled.text).toBe(202);
    const id = String(labeled.json.runId);
    const run = await api(server.url, 'GET', `/v1/runs/${id}`);
    expect(run.json).toMatchObject({
      kind: 'agent',
      input: { task: `Say goodbye\n\n${TASK}`, baseRef: 'main', issue: { number: 7 }, autoApprove: false },
    });
    await waitForEvent(server.url, id, (e) => e.type === 'input.requested' && e.data.kind === 'approval');
    await waitForRun(id, ['waiting']);
    await api(server.url, 'POST', `/v1/runs/${id}/input`, { body: { approve: true } });
    const done = await waitForRun(id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');

    // A pull request an agent run opened is merged on GitHub: its record follows.
    await upsertPullRequest(server.server.platform.database, {
      runId: id,
      forge: 'github',
      repository: 'acme/greetings',
      number: 41,
      url: 'https://github.com/acme/greetings/pull/41',
      headBranch: String((done.output as { branch: string }).branch),
      baseBranch: 'main',
      status: 'open',
      title: 'Say goodbye',
      draftReason: null,
    });
    const merged = await webhook('pull_request', {
      action: 'closed',
      pull_request: { number: 41, state: 'closed', merged: true, draft: false },
      repository: { full_name: 'acme/greetings' },
    });
    expect(merged.json).toMatchObject({ accepted: true, status: 'merged' });
    const unknownPr = await webhook('pull_request', {
      action: 'closed',
      pull_request: { number: 999, state: 'closed', merged: false },
      repository: { full_name: 'acme/greetings' },
    });
    expect(unknownPr.json).toMatchObject({ accepted: false });
    const rows = await server.server.platform.database.query<{ status: string }>(
      'SELECT status FROM agent_pull_requests WHERE number = $1 AND repository = $2',
      [41, 'acme/greetings'],
    );
    expect(rows.map((r) => r.status)).toEqual(['merged']);
  });
});
