import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type ModelServer, startModelServer } from '../../src/llm/testing/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import {
  GREETING_AFTER,
  happyScript,
  POLLING_RATE_LIMITS,
  SAMPLE,
  TASK,
  waitForEvent,
  waitForRun,
} from '../support/agent.ts';
import { initRepo } from '../support/git.ts';
import { runOrbit } from '../support/orbit.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { itWhen } from '../support/services.ts';

/** `orbit agent` as a user runs it: in the terminal (answers typed on stdin), and against a server. */
const availability = await sandboxAvailable();
const it = itWhen(availability.available, `the bubblewrap sandbox is unavailable: ${availability.reason}`);
const ROOT = path.resolve(import.meta.dirname, '../..');

let tmp: string;
let model: ModelServer;

function userRepo(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(SAMPLE, dir, { recursive: true });
  initRepo(dir);
  return dir;
}

/** `orbit …` with `stdin` piped in, as `printf '…' | orbit …` would. */
function orbitWithInput(args: string[], stdin: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/orbit.js'), ...args], { env, cwd: tmp });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-agent-cli-')));
  model = await startModelServer();
});

afterAll(async () => {
  await model?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('orbit agent run, in the terminal', () => {
  it('asks its question and shows its plan on the terminal, then leaves a branch in the repository', async () => {
    const repo = userRepo('mine');
    model.enqueue(...happyScript());
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: tmp,
      ORBIT_HOME: path.join(tmp, 'home'),
      ORBIT_MODEL: 'openai-compatible:qwen2.5-coder',
      OPENAI_BASE_URL: model.baseUrl,
    };
    const r = await orbitWithInput(['agent', 'run', repo, TASK], 'With a full stop.\ny\n', env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('? Should farewell end with "!" like greet, or with a full stop?');
    expect(r.stderr).toContain('Go ahead? [y]es, [n]o to cancel, or type what to change:');
    expect(r.stderr).toContain('Tests passed (python3 -m unittest discover -v');
    const branch = /on branch (orbit\/\S+)\./.exec(r.stdout)?.[1] as string;
    expect(r.stdout).toContain('Done: 2 file(s) changed in 1 commit(s)');
    expect(r.stdout).toContain(`git switch ${branch}`);
    expect(execFileSync('git', ['show', `${branch}:greeting.py`], { cwd: repo, encoding: 'utf8' })).toBe(
      GREETING_AFTER,
    );
    // The user's own checkout is untouched: still on main, clean.
    expect(execFileSync('git', ['status', '--porcelain', '--branch'], { cwd: repo, encoding: 'utf8' })).toBe(
      '## main\n',
    );
  });

  it('says what to set when no model is configured, and changes nothing', async () => {
    const repo = userRepo('nomodel');
    const r = await runOrbit(['agent', 'run', repo, TASK], { env: { HOME: tmp, ORBIT_HOME: path.join(tmp, 'h2') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No LLM provider is configured\. Set ORBIT_MODEL/);
    expect(execFileSync('git', ['branch'], { cwd: repo, encoding: 'utf8' })).toBe('* main\n');
  });

  it('refuses a directory that is not a git repository, with the fix', async () => {
    const dir = path.join(tmp, 'plain');
    fs.mkdirSync(dir);
    const r = await runOrbit(['agent', 'run', dir, TASK], { env: { HOME: tmp, ORBIT_HOME: path.join(tmp, 'h3') } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is not a git repository (no .git): run `git init` and commit first.');
  });
});

describe('orbit agent against a server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      ORBIT_MODEL: 'openai-compatible:qwen2.5-coder',
      OPENAI_BASE_URL: model.baseUrl,
      ORBIT_ALLOWED_ROOTS: tmp,
      ORBIT_RATE_LIMITS: POLLING_RATE_LIMITS,
    });
  });
  afterAll(() => server?.close());

  it('starts a run, answers it, approves its plan and shows what it delivered', async () => {
    const repo = userRepo('served');
    model.enqueue(...happyScript());
    const env = { HOME: tmp, ORBIT_URL: server.url };
    const started = await runOrbit(['--json', 'agent', 'run', repo, TASK, '--server'], { env });
    expect(started.code, started.stderr).toBe(0);
    const id = JSON.parse(started.stdout).id as string;
    await waitForEvent(server.url, id, (e) => e.type === 'input.requested' && e.data.kind === 'question');
    await waitForRun(server.url, id, ['waiting']);
    const asking = await runOrbit(['agent', 'show', id], { env });
    expect(asking.stdout).toContain('It waits for your answer:');
    expect(asking.stdout).toContain(`Reply: orbit agent answer ${id} "…"`);
    const answered = await runOrbit(['agent', 'answer', id, 'With a full stop.'], { env });
    expect(answered.stdout).toMatch(/^Answered \(ask:\d+:c3\); the run continues\./);
    await waitForEvent(server.url, id, (e) => e.type === 'input.requested' && e.data.kind === 'approval');
    await waitForRun(server.url, id, ['waiting']);
    const shown = await runOrbit(['agent', 'show', id], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Run ${id}: waiting, phase plan on orbit/`);
    expect(shown.stdout).toContain('plan (revision 1): not approved yet');
    expect(shown.stdout).toContain('It waits for your approval:');
    expect(shown.stdout).toContain(`Reply: orbit agent approve ${id}`);
    const approved = await runOrbit(['agent', 'approve', id], { env });
    expect(approved.code, approved.stderr).toBe(0);
    const done = await waitForRun(server.url, id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const pr = await runOrbit(['agent', 'pr', id], { env });
    expect(pr.stdout).toMatch(/^Branch orbit\/\S+ pushed to /);
  });
});
