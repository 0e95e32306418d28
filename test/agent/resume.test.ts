import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../src/agent/forge/testing/index.ts';
import { getPullRequestByRun } from '../../src/agent/store/index.ts';
import { type ModelServer, startModelServer, text, toolCalls } from '../../src/llm/testing/index.ts';
import { openPlatform, type Platform } from '../../src/orbit.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { GREETING_AFTER, implementCalls, PLAN, quickScript, sampleRemote, TASK, TEST_AFTER } from '../support/agent.ts';
import { createTestDatabase, hasPostgres, itWhen, POSTGRES_MISSING } from '../support/services.ts';

/**
 * A worker killed with SIGKILL in the middle of an agent run, with real `orbit worker` processes on one PostgreSQL:
 * another worker notices the missing heartbeat, takes the run over, and continues from the event log. The run's side
 * effects (tool calls, the pull request) happen once.
 */
const availability = await sandboxAvailable();
const it = itWhen(
  hasPostgres && availability.available,
  hasPostgres ? `the bubblewrap sandbox is unavailable: ${availability.reason}` : POSTGRES_MISSING,
);
const ROOT = path.resolve(import.meta.dirname, '../..');

let tmp: string;
let model: ModelServer;
let github: FakeGitHub;
let db: { url: string; drop(): Promise<void> };
let platform: Platform;
let env: Record<string, string>;
const workers: ChildProcess[] = [];

/** Starts `orbit worker` and resolves once it says it is executing runs. */
function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/orbit.js'), 'worker', '--concurrency', '1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('executing up to')) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`orbit worker exited (${code}) before it was ready:\n${out}`)));
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function killed(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const finished = (id: string) =>
  until(`run ${id} to finish`, async () => {
    const run = await platform.engine.store.get(id);
    return ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  });

beforeAll(async () => {
  if (!hasPostgres || !availability.available) return;
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-agent-resume-')));
  model = await startModelServer();
  github = await startFakeGitHub({ owner: 'acme', repo: 'greetings' });
  db = await createTestDatabase();
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmp,
    ORBIT_HOME: path.join(tmp, 'home'),
    DATABASE_URL: db.url,
    ORBIT_MODEL: 'openai-compatible:scripted-coder',
    OPENAI_BASE_URL: model.baseUrl,
    ORBIT_ALLOWED_ROOTS: tmp,
    ORBIT_GITHUB_TOKEN: 'ghp_resume_token',
    ORBIT_GITHUB_API_URL: github.url,
    ORBIT_HEARTBEAT_SECONDS: '1',
    ORBIT_LOG_LEVEL: 'warn',
  };
  // This process only submits and watches; the workers are other processes.
  platform = await openPlatform(loadConfig(env), { workers: false });
});

// Each test has its own workers: a survivor of the last test would take the next test's run.
afterEach(async () => {
  for (const w of workers.splice(0)) if (w.exitCode === null && w.signalCode === null) await killed(w);
});

afterAll(async () => {
  await platform?.close();
  await db?.drop();
  await model?.close();
  await github?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('an agent run whose worker is killed with SIGKILL', () => {
  it('while GitHub creates its pull request: the next worker finds that PR and opens none', async () => {
    const remote = sampleRemote(tmp, 'pr.git');
    model.enqueue(...quickScript('k'));
    github.setMode({ kind: 'lost-response' });
    const { run } = await platform.engine.submit({
      kind: 'agent',
      input: { repository: remote, task: TASK, autoApprove: true, github: { owner: 'acme', repo: 'greetings' } },
      owner: 'test',
    });
    const first = await startWorker();
    await until('the pull request to be created', async () => (github.created() === 1 ? true : undefined));
    await killed(first);
    github.setMode(undefined);

    await startWorker();
    const done = await finished(run.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.attempt).toBe(2);
    expect(github.created()).toBe(1);
    expect(github.pulls).toHaveLength(1);
    const output = done.output as { pullRequest: { number: number }; branch: string };
    expect(output.pullRequest.number).toBe(github.pulls[0]?.number);
    expect((await getPullRequestByRun(platform.database, run.id))?.number).toBe(github.pulls[0]?.number);
    const log = await platform.engine.events.list(run.id);
    expect(String(log.find((e) => e.type === 'run.retrying')?.data.reason)).toMatch(/worker lost/);
    // Every tool ran once, and the model was asked nothing twice.
    expect(log.filter((e) => e.type === 'tool.result').map((e) => e.data.callId)).toEqual(['k1', 'k2']);
    expect(model.remaining()).toBe(0);
  });

  it('during a command: the next worker reports it as interrupted to the model, and repeats nothing', async () => {
    const remote = sampleRemote(tmp, 'command.git');
    model.enqueue(
      { reply: text('greeting.py has greet().') },
      { reply: text(PLAN) },
      {
        reply: toolCalls([
          implementCallEdit(),
          { id: 'x2', name: 'bash', arguments: { command: 'sleep 97', description: 'a long build' } },
        ]),
      },
      {
        expect: { bodyContains: 'bash was interrupted' },
        reply: toolCalls([
          { id: 'x3', name: 'write', arguments: { path: 'tests/test_greeting.py', content: TEST_AFTER } },
        ]),
      },
      { reply: text('Added farewell() and its test.') },
    );
    const run = await killedDuringCall(remote, 'x2');
    // The sandboxed command died with its worker (the kernel's parent-death signal), not 97 s later.
    await until(
      'the killed worker’s command to be gone',
      async () => (spawnSync('pgrep', ['-f', 'sleep 97']).status === 1 ? true : undefined),
      5000,
    );
    await startWorker();
    const done = await finished(run.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(model.mismatches).toEqual([]);
    const results = (await platform.engine.events.list(run.id)).filter((e) => e.type === 'tool.result');
    expect(results.map((e) => `${e.data.callId}:${e.data.ok}`)).toEqual(['x1:true', 'x2:false', 'x3:true']);
    const branch = (done.output as { branch: string }).branch;
    expect(execFileSync('git', ['--git-dir', remote, 'show', `${branch}:greeting.py`], { encoding: 'utf8' })).toBe(
      GREETING_AFTER,
    );
  });
});

/** Starts an auto-approved run on a worker and SIGKILLs the worker once the call `callId` has begun. */
async function killedDuringCall(remote: string, callId: string) {
  const { run } = await platform.engine.submit({
    kind: 'agent',
    input: { repository: remote, task: TASK, autoApprove: true },
    owner: 'test',
  });
  const worker = await startWorker();
  await until('the long command to start', async () =>
    (await platform.engine.events.list(run.id)).some((e) => e.type === 'tool.called' && e.data.callId === callId)
      ? true
      : undefined,
  );
  await killed(worker);
  return run;
}

/** The edit of the well-behaved implement step, under its own call id. */
function implementCallEdit(id = 'x1') {
  const calls = (implementCalls('x').reply as { toolCalls: { id?: string; name: string; arguments: unknown }[] })
    .toolCalls;
  return { ...(calls[0] as { name: string; arguments: Record<string, unknown> }), id };
}

describe('an agent run resumed where its workspace is gone (another machine)', () => {
  it('tells the model the workspace was re-created, and the redone change is delivered', async () => {
    const remote = sampleRemote(tmp, 'moved.git');
    const redo = implementCalls('y3');
    model.enqueue(
      { reply: text('greeting.py has greet().') },
      { reply: text(PLAN) },
      {
        reply: toolCalls([
          implementCallEdit('y1'),
          { id: 'y2', name: 'bash', arguments: { command: 'sleep 97', description: 'a long build' } },
        ]),
      },
      { expect: { bodyContains: 'had to re-create your workspace' }, ...redo },
      { reply: text('Added farewell() and its test again.') },
    );
    const run = await killedDuringCall(remote, 'y2');
    fs.rmSync(path.join(env.ORBIT_HOME as string, 'workspaces', run.id), { recursive: true, force: true });
    await startWorker();
    const done = await finished(run.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(model.mismatches).toEqual([]);
    const log = await platform.engine.events.list(run.id);
    expect(log.filter((e) => e.type === 'agent.workspace_recreated')).toHaveLength(1);
    const branch = (done.output as { branch: string }).branch;
    expect(execFileSync('git', ['--git-dir', remote, 'show', `${branch}:greeting.py`], { encoding: 'utf8' })).toBe(
      GREETING_AFTER,
    );
  });
});
