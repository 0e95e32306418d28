import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeRepository } from '../../src/analysis/runner/index.ts';
import { toolEnvironment } from '../../src/analysis/toolchain/index.ts';
import { findTool, type ToolDescriptor } from '../../src/analysis/tools/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { requirement } from '../support/services.ts';

const sandbox = await sandboxAvailable();
const env = toolEnvironment();
const installed = ['mypy', 'pylint'].every((n) => (findTool(n) as ToolDescriptor).findExecutable(env));
const need = requirement(
  sandbox.available && installed,
  sandbox.available
    ? 'mypy and pylint are not installed (node bin/orbit.js tools install mypy pylint)'
    : `the sandbox is unavailable: ${sandbox.reason}`,
);

const CODE = `"""Uses one installed and one missing dependency."""
import mylib
import notinstalled

print(mylib.shout(42), notinstalled)
`;

/** Rule ids per tool for the planted module, analysed with mypy and pylint. */
async function importFindings(repo: string) {
  const outcome = await analyzeRepository({ repoRoot: repo, tools: ['mypy', 'pylint'] });
  return Object.fromEntries(
    outcome.results.map((r) => [r.tool, { status: r.status, rules: r.findings.map((f) => f.ruleId).sort() }]),
  );
}

describe.skipIf(need.skip)("import checks use the repository's own virtual environment", () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-pyenv-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('without one, missing third-party imports do not flood the report', async () => {
    const repo = path.join(work, 'bare');
    fs.mkdirSync(repo);
    fs.writeFileSync(path.join(repo, 'app.py'), CODE);
    const found = await importFindings(repo);
    expect(found.mypy).toEqual({ status: 'succeeded', rules: [] });
    expect(found.pylint?.status).toBe('succeeded');
    expect(found.pylint?.rules).not.toContain('import-error');
  });

  it('with .venv, imports resolve against it: a wrong call into the dependency is found, a missing one reported', async () => {
    const repo = path.join(work, 'withvenv');
    fs.mkdirSync(repo);
    fs.writeFileSync(path.join(repo, 'app.py'), CODE);
    fs.writeFileSync(path.join(repo, '.gitignore'), '.venv/\n');
    execFileSync('python3', ['-m', 'venv', '--without-pip', path.join(repo, '.venv')]);
    const lib = path.join(repo, '.venv/lib');
    const site = path.join(lib, fs.readdirSync(lib)[0] as string, 'site-packages', 'mylib');
    fs.mkdirSync(site, { recursive: true });
    fs.writeFileSync(path.join(site, '__init__.py'), 'def shout(text: str) -> str:\n    return text.upper()\n');
    fs.writeFileSync(path.join(site, 'py.typed'), '');
    const found = await importFindings(repo);
    expect(found.mypy?.status).toBe('succeeded');
    expect(found.mypy?.rules).toEqual(['mypy/arg-type', 'mypy/import-not-found']);
    expect(found.pylint?.rules).toEqual(['import-error']);
  });
});
