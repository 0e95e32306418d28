import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../src/agent/forge/testing/index.ts';
import { type ModelServer, startModelServer } from '../../src/llm/testing/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import {
  events as eventsOf,
  GREETING_AFTER,
  happyScript,
  PLAN,
  POLLING_RATE_LIMITS,
  SAMPLE,
  sampleRemote,
  TASK,
  TEST_AFTER,
  waitForRun as waitFor,
} from '../support/agent.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';
import { itWhen } from '../support/services.ts';

/**
 * The whole agent loop over real HTTP: the real server (PGlite), a scripted model on the local model server, real git
 * (a bare repository as the remote), the real sandbox running the sample repository's tests, and a local server that
 * speaks GitHub's REST API receiving the pull request.
 */
const availability = await sandboxAvailable();
const it = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);

let tmp: string;
let model: ModelServer;
let github: FakeGitHub;
let server: TestServer;
const waitForRun = (id: string, statuses: string[], timeoutMs?: number) => waitFor(server.url, id, statuses, timeoutMs);
const events = (id: string) => eventsOf(server.url, id);

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-agent-e2e-')));
  model = await startModelServer();
  github = await startFakeGitHub({ owner: 'acme', repo: 'greetings' });
  server = await startTestServer({
    ORBIT_MODEL: 'openai-compatible:scripted-coder',
    OPENAI_BASE_URL: model.baseUrl,
    ORBIT_ALLOWED_ROOTS: tmp,
    ORBIT_RATE_LIMITS: POLLING_RATE_LIMITS,
    ORBIT_GITHUB_TOKEN: 'ghp_test_token_never_logged',
    ORBIT_GITHUB_API_URL: github.url,
  });
});

afterAll(async () => {
  await server?.close();
  await model?.close();
  await github?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the agent, end to end over HTTP', () => {
  it('researches, asks, waits, plans, waits for approval, implements, tests, commits, pushes and opens a PR', async () => {
    const remote = sampleRemote(tmp);
    model.enqueue(...happyScript());
    const start = await api(server.url, 'POST', '/v1/agent/runs', {
      body: { repository: remote, task: TASK, github: { owner: 'acme', repo: 'greetings' } },
    });
    expect(start.status, start.text).toBe(202);
    const id = String(start.json.id);

    // The question: the run waits, with no worker, until it is answered.
    const asking = await waitForRun(id, ['waiting', 'failed']);
    expect(asking.status, JSON.stringify(asking.error)).toBe('waiting');
    const question = (await events(id)).filter((e) => e.type === 'input.requested').at(-1);
    expect(question?.data).toMatchObject({ kind: 'question', options: ['!', '.'] });
    expect(String(question?.data.prompt)).toContain('full stop');
    const standing = await api(server.url, 'GET', `/v1/agent/runs/${id}`);
    expect(standing.status, standing.text).toBe(200);
    expect(standing.json).toMatchObject({
      status: 'waiting',
      phase: 'plan',
      waitingFor: { kind: 'question', key: question?.data.key },
      plan: null,
      questions: [{ answer: null }],
      pullRequest: null,
    });
    // Approving is not an answer to a question.
    const wrong = await api(server.url, 'POST', `/v1/runs/${id}/input`, { body: { approve: true } });
    expect(wrong.status).toBe(400);
    const answered = await api(server.url, 'POST', `/v1/runs/${id}/input`, { body: { text: 'With a full stop.' } });
    expect(answered.status, answered.text).toBe(202);
    expect(answered.json.answered).toBe(question?.data.key);

    // The plan: the run waits for approval.
    for (let i = 0; ; i++) {
      const approval = (await events(id)).find((e) => e.type === 'input.requested' && e.data.kind === 'approval');
      if (approval) {
        expect(approval.data.prompt).toBe(PLAN);
        break;
      }
      if (i > 600) throw new Error('no approval was requested');
      await new Promise((res) => setTimeout(res, 100));
    }
    await waitForRun(id, ['waiting']);
    expect((await api(server.url, 'GET', `/v1/agent/runs/${id}`)).json).toMatchObject({
      phase: 'plan',
      waitingFor: { kind: 'approval', prompt: PLAN },
      plan: { text: PLAN, revision: 1, approved: false },
      questions: [{ answer: 'With a full stop.' }],
    });
    const approved = await api(server.url, 'POST', `/v1/runs/${id}/input`, { body: { approve: true } });
    expect(approved.status, approved.text).toBe(202);

    const done = await waitForRun(id, ['succeeded', 'failed'], 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(model.mismatches).toEqual([]);
    expect(model.remaining()).toBe(0);

    const output = done.output as Record<string, unknown>;
    expect(output).toMatchObject({
      outcome: 'delivered',
      baseBranch: 'main',
      commits: 1,
      tests: { command: 'python3 -m unittest discover -v', ok: true },
      pullRequest: { forge: 'github', number: 1, status: 'open', repository: 'acme/greetings' },
    });
    expect((output.changes as { path: string }[]).map((c) => c.path)).toEqual([
      'greeting.py',
      'tests/test_greeting.py',
    ]);
    const branch = String(output.branch);
    expect(branch).toMatch(/^orbit\/[a-z0-9]{8}-add-a-farewell-name-function/);

    // The remote has the branch with the change; main is untouched.
    const show = (file: string, ref = branch) =>
      execFileSync('git', ['--git-dir', remote, 'show', `${ref}:${file}`], { encoding: 'utf8' });
    expect(show('greeting.py')).toBe(GREETING_AFTER);
    expect(show('tests/test_greeting.py')).toBe(TEST_AFTER);
    expect(show('greeting.py', 'main')).toBe(fs.readFileSync(path.join(SAMPLE, 'greeting.py'), 'utf8'));
    const subject = execFileSync('git', ['--git-dir', remote, 'log', '-1', '--format=%an <%ae>%n%s', branch], {
      encoding: 'utf8',
    });
    expect(subject).toBe(`Orbit Agent <agent@orbit.invalid>\n${TASK}\n`);

    // One pull request on the GitHub stand-in, with the template and labels.
    expect(github.created()).toBe(1);
    const pr = github.pulls[0];
    expect(pr).toMatchObject({ head: branch, base: 'main', title: TASK, draft: false });
    expect(pr?.body).toContain('## Plan');
    expect(pr?.body).toContain('full stop');
    expect(pr?.body).toContain('| `greeting.py` | 5 | 0 |');
    expect(pr?.body).toContain('✅ passed: `python3 -m unittest discover -v`');
    expect(pr?.labels).toEqual(expect.arrayContaining(['tests']));
    const record = await api(server.url, 'GET', `/v1/agent/runs/${id}/pull-request`);
    expect(record.status).toBe(200);
    expect(record.json).toMatchObject({ number: 1, status: 'open', headBranch: branch, baseBranch: 'main' });
    const finished = await api(server.url, 'GET', `/v1/agent/runs/${id}`);
    expect(finished.json).toMatchObject({
      status: 'succeeded',
      phase: 'deliver',
      waitingFor: null,
      branch,
      plan: { approved: true },
      tests: { ok: true, round: 1 },
      toolCalls: { failed: 0 },
      pullRequest: { number: 1, status: 'open' },
    });
    expect(finished.json.modelSteps).toBe(8);
    const demo = await api(server.url, 'POST', '/v1/runs', { body: { kind: 'demo', input: { steps: 1 } } });
    expect((await api(server.url, 'GET', `/v1/agent/runs/${demo.json.id}`)).json.detail).toMatch(/not an agent run/);
    expect((await api(server.url, 'GET', '/v1/agent/runs/not-an-id')).status).toBe(404);

    // Every step is an event, in phase order.
    const log = await events(id);
    const phases = log.filter((e) => e.type === 'agent.phase').map((e) => e.data.phase);
    expect(phases).toEqual(['research', 'plan', 'implement', 'deliver']);
    const tools = log.filter((e) => e.type === 'tool.result').map((e) => `${e.data.tool}:${e.data.ok}`);
    expect(tools).toEqual(['glob:true', 'read:true', 'ask_user:true', 'edit:true', 'write:true', 'bash:true']);
    expect(log.filter((e) => e.type === 'run.waiting')).toHaveLength(2);
    // The token never reaches the event log or the server's logs.
    expect(JSON.stringify(log)).not.toContain('ghp_test_token');
    expect(server.logs.join('\n')).not.toContain('ghp_test_token');
  });
});
