import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../src/agent/forge/testing/index.ts';
import { type ModelServer, type ScriptStep, startModelServer, text, toolCalls } from '../../src/llm/testing/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { initRepo } from '../support/git.ts';
import { api, startTestServer, type TestServer } from '../support/server.ts';
import { itWhen } from '../support/services.ts';

/**
 * The whole agent loop over real HTTP: the real server (PGlite), a scripted model on the local model server, real git
 * (a bare repository as the remote), the real sandbox running the sample repository's tests, and a local server that
 * speaks GitHub's REST API receiving the pull request.
 */
const availability = await sandboxAvailable();
const it = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);

const SAMPLE = path.resolve('examples/agent-sample');
const TASK = 'Add a farewell(name) function next to greet, with a test';

const GREETING_AFTER = `"""Greetings for the command line."""


def greet(name: str) -> str:
    """Say hello to someone."""
    return "Hello, " + name + "!"


def farewell(name: str) -> str:
    """Say goodbye to someone."""
    return "Goodbye, " + name + "."
`;

const TEST_AFTER = `import unittest

from greeting import farewell, greet


class GreetTest(unittest.TestCase):
    def test_greet(self):
        self.assertEqual(greet("Ada"), "Hello, Ada!")

    def test_farewell(self):
        self.assertEqual(farewell("Ada"), "Goodbye, Ada.")


if __name__ == "__main__":
    unittest.main()
`;

const PLAN =
  '## Plan\n\n1. Add `farewell(name)` to `greeting.py`, ending with a full stop.\n2. Test it in `tests/test_greeting.py`.';

/** The conversation of a model that does the task well, in the order the agent asks. */
export function happyScript(): ScriptStep[] {
  return [
    // research
    { reply: toolCalls([{ id: 'c1', name: 'glob', arguments: { pattern: '**/*.py' } }]) },
    {
      expect: { bodyContains: 'greeting.py' },
      reply: toolCalls([{ id: 'c2', name: 'read', arguments: { path: 'greeting.py' } }]),
    },
    { reply: text('greeting.py defines greet(); tests/ uses unittest (python3 -m unittest discover).') },
    // plan: one question, then the plan
    {
      expect: { bodyContains: 'Phase 2 of 4' },
      reply: toolCalls([
        {
          id: 'c3',
          name: 'ask_user',
          arguments: { question: 'Should farewell end with "!" like greet, or with a full stop?', options: ['!', '.'] },
        },
      ]),
    },
    { expect: { bodyContains: 'The user answered: With a full stop' }, reply: text(PLAN) },
    // implement
    {
      expect: { bodyContains: 'The user approved the plan' },
      reply: toolCalls([
        {
          id: 'c4',
          name: 'edit',
          arguments: {
            path: 'greeting.py',
            oldString: '    return "Hello, " + name + "!"\n',
            newString: `    return "Hello, " + name + "!"\n\n\ndef farewell(name: str) -> str:\n    """Say goodbye to someone."""\n    return "Goodbye, " + name + "."\n`,
          },
        },
        { id: 'c5', name: 'write', arguments: { path: 'tests/test_greeting.py', content: TEST_AFTER } },
      ]),
    },
    { reply: toolCalls([{ id: 'c6', name: 'bash', arguments: { command: 'python3 -m unittest discover -v' } }]) },
    { expect: { bodyContains: 'OK' }, reply: text('Added farewell() to greeting.py and a test for it.') },
  ];
}

let tmp: string;
let model: ModelServer;
let github: FakeGitHub;
let server: TestServer;

/** A bare repository holding the sample (the remote the agent clones from and pushes to). */
export function sampleRemote(dir: string, name = 'greetings.git'): string {
  const work = path.join(dir, `${name}-work`);
  fs.cpSync(SAMPLE, work, { recursive: true });
  initRepo(work);
  const bare = path.join(dir, name);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

async function waitForRun(id: string, statuses: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(server.url, 'GET', `/v1/runs/${id}`);
    if (statuses.includes(String(r.json.status))) return r.json;
    if (Date.now() > deadline) throw new Error(`run ${id} is ${r.json.status}, not ${statuses.join('|')}: ${r.text}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function events(id: string) {
  const r = await api(server.url, 'GET', `/v1/runs/${id}/events`, { headers: { accept: 'application/json' } });
  return (r.json.events ?? r.json) as { seq: number; type: string; data: Record<string, unknown> }[];
}

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-agent-e2e-')));
  model = await startModelServer();
  github = await startFakeGitHub({ owner: 'acme', repo: 'greetings' });
  server = await startTestServer({
    ORBIT_MODEL: 'openai-compatible:scripted-coder',
    OPENAI_BASE_URL: model.baseUrl,
    ORBIT_ALLOWED_ROOTS: tmp,
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
