/**
 * How the agent checks its own work: the repository's test command, found from its build files (or given with the
 * run), run by Orbit itself in the sandbox after the model says it is done. Its result goes into the pull request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runSandboxed } from '../platform/sandbox/index.ts';
import { networkFor, SANDBOX_ENV, truncateOutput } from './tools/index.ts';

export interface TestResult {
  command: string;
  ok: boolean;
  exitCode: number | null;
  durationMs: number;
  /** The end of the output, where test runners print their summary. */
  summary: string;
}

const NPM_PLACEHOLDER = /no test specified/;

/** The test command a developer of this repository would type, or undefined when there is no sign of one. */
export function detectTestCommand(root: string): string | undefined {
  const has = (f: string) => fs.existsSync(path.join(root, f));
  if (has('package.json')) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      const test = pkg.scripts?.test;
      if (test && !NPM_PLACEHOLDER.test(test)) return 'npm test';
    } catch {
      // An unreadable package.json is the model's to discover; look for other signs.
    }
  }
  if (has('Makefile') && /^test:/m.test(fs.readFileSync(path.join(root, 'Makefile'), 'utf8'))) return 'make test';
  if (has('go.mod')) return 'go test ./...';
  if (has('Cargo.toml')) return 'cargo test --offline';
  const pytest =
    ['pytest.ini', 'conftest.py', 'tox.ini'].some(has) || /\[tool\.pytest/.test(read(root, 'pyproject.toml'));
  if (pytest) return 'python3 -m pytest -q';
  if (hasPythonTests(root)) return 'python3 -m unittest discover -v';
  return undefined;
}

function read(root: string, file: string): string {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8');
  } catch {
    return '';
  }
}

function hasPythonTests(root: string): boolean {
  for (const dir of [root, path.join(root, 'tests'), path.join(root, 'test')]) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    if (names.some((n) => /^test_.*\.py$|_test\.py$/.test(n))) return true;
  }
  return false;
}

/** Runs the tests in the sandbox (no network, .git read-only), as the bash tool would. */
export async function runTests(
  root: string,
  command: string,
  options: { timeoutMs: number; signal?: AbortSignal; allowHosts?: readonly string[] },
): Promise<TestResult> {
  const r = await runSandboxed({
    command: 'bash',
    args: ['-c', command],
    cwd: root,
    workspace: root,
    readOnly: [path.join(root, '.git')],
    env: SANDBOX_ENV,
    network: networkFor(options.allowHosts),
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const output = `${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`.trim();
  const tail = output.length > 4000 ? `…\n${output.slice(-4000)}` : output;
  const status = r.killedReason ? `stopped by the sandbox (${r.killedReason})` : `exit code ${r.exitCode}`;
  return {
    command,
    ok: r.exitCode === 0 && !r.killedReason,
    exitCode: r.exitCode,
    durationMs: r.durationMs,
    summary: truncateOutput(`${status}\n${tail}`, 6000).text,
  };
}
