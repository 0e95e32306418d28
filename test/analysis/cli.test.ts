import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateSarif } from '../../src/analysis/index.ts';
import { toolEnvironment } from '../../src/analysis/toolchain/index.ts';
import { findTool, type ToolDescriptor } from '../../src/analysis/tools/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { runOrbit } from '../support/orbit.ts';
import { requirement } from '../support/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const sandbox = await sandboxAvailable();
const env = toolEnvironment();
const installed = ['ruff', 'shellcheck', 'bandit'].every((n) => (findTool(n) as ToolDescriptor).findExecutable(env));
const need = requirement(
  sandbox.available && installed && fs.existsSync('/usr/bin/chromium'),
  !sandbox.available
    ? `the sandbox is unavailable: ${sandbox.reason}`
    : installed
      ? 'Chromium is not installed (apt-get install chromium): PDF reports need it'
      : 'ruff, shellcheck and bandit are not installed (node bin/orbit.js tools install ruff shellcheck bandit)',
);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-analyze-cli-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The real `orbit` entry point, with the machine's managed tools (ORBIT_HOME) and a scratch working directory. */
function orbit(args: string[]) {
  return runOrbit(args, { cwd: scratch, env: { HOME: os.homedir(), ORBIT_HOME: path.dirname(env.toolsDir) } });
}

describe.skipIf(need.skip)('orbit analyze', () => {
  it('analyses a sample repository in-process: per-tool lines, reports on disk, PDF by Chromium, exit 1 for findings', async () => {
    const out = path.join(scratch, 'py');
    const r = await orbit([
      'analyze',
      path.join(ROOT, 'examples/repos/python-basic'),
      '--tools',
      'ruff,bandit,shellcheck',
      '--format',
      'json,sarif,markdown,html,pdf,github-sarif',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/✓ ruff +\d+ findings?/);
    expect(r.stderr).toMatch(/✓ bandit +\d+ findings?/);
    expect(r.stderr).toMatch(/· shellcheck +not applicable/);
    expect(r.stdout).toMatch(/\d+ finding\(s\): \d+ error/);
    expect(fs.readdirSync(out).sort()).toEqual([
      'report.github-1.sarif',
      'report.html',
      'report.json',
      'report.md',
      'report.pdf',
      'report.sarif',
    ]);
    expect(fs.readFileSync(path.join(out, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const sarif = JSON.parse(fs.readFileSync(path.join(out, 'report.sarif'), 'utf8'));
    expect(validateSarif(sarif).errors).toEqual([]);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('bandit');
  });

  it('--json prints progress lines and one result; --fail-on none exits 0 whatever the findings', async () => {
    const r = await orbit([
      '--json',
      'analyze',
      path.join(ROOT, 'examples/repos/shell-basic'),
      '--tools',
      'shellcheck',
      '--out',
      path.join(scratch, 'sh'),
      '--fail-on',
      'none',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.progress).map((l) => l.progress.phase)).toEqual(['started', 'finished']);
    const result = lines[lines.length - 1];
    expect(result.summary.byTool.shellcheck).toBeGreaterThan(0);
    expect(result.sarifValid).toBe(true);
    expect(result.exitCode).toBe(0);
  });

  it('a clean repository exits 0 and says so', async () => {
    const clean = path.join(scratch, 'clean');
    fs.mkdirSync(clean);
    fs.writeFileSync(path.join(clean, 'ok.py'), 'print("hello")\n');
    const r = await orbit(['analyze', clean, '--tools', 'ruff', '--out', path.join(scratch, 'clean-out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^0 finding\(s\): none/m);
  });

  it('a tool named with --tools that is not installed makes the result incomplete: exit 3, listed as not run', async () => {
    const bare = path.join(scratch, 'bare-home');
    const r = await runOrbit(
      [
        'analyze',
        path.join(ROOT, 'examples/repos/python-basic'),
        '--tools',
        'ruff',
        '--out',
        path.join(scratch, 'bare'),
      ],
      { cwd: scratch, env: { HOME: bare, ORBIT_HOME: bare } },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(
      /Not run \(their findings are unknown, not zero\):\n {2}ruff: not installed: .*orbit tools install ruff/,
    );
  });

  it('bad usage exits 2 with what to do', async () => {
    const cases: [string[], RegExp][] = [
      [['analyze', path.join(scratch, 'nope')], /is not a directory \(nor a git URL\)/],
      [['analyze', '.', '--tools', 'ruff,nosuchtool'], /Unknown tool: nosuchtool\. Choose from: .*ruff/],
      [['analyze', '.', '--format', 'docx'], /Unknown format: docx/],
      [['analyze', '.', '--timeout', 'soon'], /--timeout must be a whole number/],
      [['analyze', 'git://127.0.0.1:1/none.git'], /Cloning git:\/\/127\.0\.0\.1:1\/none\.git failed/],
    ];
    for (const [args, message] of cases) {
      const r = await orbit(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('--help teaches: modes, exit codes and examples', async () => {
    const r = await orbit(['analyze', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes: 0 .*; 1 .*; 2 .*\n3 /);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('quick');
  });
});
