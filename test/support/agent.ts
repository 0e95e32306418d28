import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type ScriptStep, text, toolCalls } from '../../src/llm/testing/index.ts';
import { initRepo } from './git.ts';
import { api } from './server.ts';

/** The tests poll runs every 100 ms, faster than the default API rate limit allows a client. */
export const POLLING_RATE_LIMITS = JSON.stringify({ authenticated: [{ limit: 100_000, windowSeconds: 60 }] });

/** The agent's sample repository (examples/agent-sample), the task its tests give, and a model that does it well. */
export const SAMPLE = path.resolve('examples/agent-sample');
export const TASK = 'Add a farewell(name) function next to greet, with a test';

export const GREETING_AFTER = `"""Greetings for the command line."""


def greet(name: str) -> str:
    """Say hello to someone."""
    return "Hello, " + name + "!"


def farewell(name: str) -> str:
    """Say goodbye to someone."""
    return "Goodbye, " + name + "."
`;

export const TEST_AFTER = `import unittest

from greeting import farewell, greet


class GreetTest(unittest.TestCase):
    def test_greet(self):
        self.assertEqual(greet("Ada"), "Hello, Ada!")

    def test_farewell(self):
        self.assertEqual(farewell("Ada"), "Goodbye, Ada.")


if __name__ == "__main__":
    unittest.main()
`;

export const PLAN =
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

/** The implement step of a model that makes the change in one go (edit greeting.py, rewrite the test file). */
export function implementCalls(prefix = 'i'): ScriptStep {
  return {
    reply: toolCalls([
      {
        id: `${prefix}1`,
        name: 'edit',
        arguments: {
          path: 'greeting.py',
          oldString: '    return "Hello, " + name + "!"\n',
          newString: `    return "Hello, " + name + "!"\n\n\ndef farewell(name: str) -> str:\n    """Say goodbye to someone."""\n    return "Goodbye, " + name + "."\n`,
        },
      },
      { id: `${prefix}2`, name: 'write', arguments: { path: 'tests/test_greeting.py', content: TEST_AFTER } },
    ]),
  };
}

/** A run with `autoApprove`: research and plan in one answer each, the change, and a closing summary. */
export function quickScript(prefix = 'q'): ScriptStep[] {
  return [
    { reply: text('greeting.py has greet(); tests use unittest.') },
    { reply: text(PLAN) },
    implementCalls(prefix),
    { reply: text('Added farewell() and its test.') },
  ];
}

/** A bare repository holding the sample (the remote the agent clones from and pushes to). */
export function sampleRemote(dir: string, name = 'greetings.git'): string {
  const work = path.join(dir, `${name}-work`);
  fs.cpSync(SAMPLE, work, { recursive: true });
  initRepo(work);
  const bare = path.join(dir, name);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

export type LoggedEvent = { seq: number; type: string; data: Record<string, unknown> };

/** Polls GET /v1/runs/:id until the run is in one of `statuses`. */
export async function waitForRun(url: string, id: string, statuses: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(url, 'GET', `/v1/runs/${id}`);
    if (statuses.includes(String(r.json.status))) return r.json;
    if (Date.now() > deadline) throw new Error(`run ${id} is ${r.json.status}, not ${statuses.join('|')}: ${r.text}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** The run's whole event log. */
export async function events(url: string, id: string) {
  const r = await api(url, 'GET', `/v1/runs/${id}/events`, { headers: { accept: 'application/json' } });
  return r.json.events as LoggedEvent[];
}

/** Waits until the run's log has an event that `match` accepts, and returns it. */
export async function waitForEvent(
  url: string,
  id: string,
  match: (e: LoggedEvent) => boolean,
  timeoutMs = 60_000,
): Promise<LoggedEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await events(url, id)).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`run ${id} logged no matching event in ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
