import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AnalysisOutcome, analyzeRepository } from '../../src/analysis/runner/index.ts';
import { buildSarifLog, validateSarif } from '../../src/analysis/sarif/index.ts';
import type { RawFinding, ToolRunResult } from '../../src/analysis/sarif/types.ts';
import { toolEnvironment } from '../../src/analysis/toolchain/index.ts';
import { TOOLS } from '../../src/analysis/tools/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { requirement } from '../support/services.ts';

/**
 * Every tool runs for real, in the sandbox, on the sample repositories of examples/repos; each test names the
 * planted problems (examples/repos/README.md) the tool must report.
 */
const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/repos');
const sandbox = await sandboxAvailable();
const env = toolEnvironment();
// Tools that need a remote service (Safety, Snyk) cannot run here; test/analysis/tools-more.test.ts covers them.
const missing = TOOLS.filter((t) => !t.service && !t.findExecutable(env)).map((t) => t.name);
const need = requirement(
  sandbox.available && missing.length === 0,
  sandbox.available
    ? `tools not installed: ${missing.join(', ')} (node bin/orbit.js tools install)`
    : `the sandbox is unavailable: ${sandbox.reason}`,
);

function where(findings: RawFinding[]): string[] {
  return findings.map((f) => `${f.ruleId} ${f.file}:${f.startLine ?? '-'}`);
}

describe.skipIf(need.skip)('real tools on the sample repositories', () => {
  const outcomes: Record<string, AnalysisOutcome> = {};
  const result = (repo: string, tool: string) => outcomes[repo]?.results.find((r) => r.tool === tool) as ToolRunResult;

  beforeAll(async () => {
    for (const repo of ['python-basic', 'js-basic', 'shell-basic']) {
      outcomes[repo] = await analyzeRepository({ repoRoot: path.join(EXAMPLES, repo), mode: 'deep' });
    }
  }, 240_000);

  it('every tool succeeds (with its version) where it applies and is not_applicable elsewhere', () => {
    const table = Object.fromEntries(
      Object.entries(outcomes).map(([repo, o]) => [repo, Object.fromEntries(o.results.map((r) => [r.tool, r.status]))]),
    );
    expect(table['python-basic']).toMatchObject({
      ruff: 'succeeded',
      pylint: 'succeeded',
      flake8: 'succeeded',
      black: 'succeeded',
      bandit: 'succeeded',
      mypy: 'succeeded',
      yamllint: 'succeeded',
      codespell: 'succeeded',
      gitleaks: 'succeeded',
      semgrep: 'succeeded',
      eslint: 'not_applicable',
      shellcheck: 'not_applicable',
      safety: 'not_configured',
    });
    expect(['not_installed', 'not_configured']).toContain(table['python-basic']?.snyk);
    expect(table['js-basic']).toMatchObject({ eslint: 'succeeded', prettier: 'succeeded', ruff: 'not_applicable' });
    expect(table['shell-basic']).toMatchObject({
      shellcheck: 'succeeded',
      yamllint: 'succeeded',
      codespell: 'succeeded',
    });
    for (const o of Object.values(outcomes)) {
      for (const r of o.results.filter((x) => x.status === 'succeeded')) expect(r.version, r.tool).toMatch(/^\d+\.\d+/);
    }
  });

  it('ruff, flake8 and pylint report the unused import, the unused variable and the undefined name', () => {
    expect(where(result('python-basic', 'ruff').findings)).toEqual([
      'F401 app.py:2',
      'F841 app.py:28',
      'F821 app.py:29',
    ]);
    expect(where(result('python-basic', 'flake8').findings)).toEqual(
      expect.arrayContaining(['F401 app.py:2', 'F841 app.py:28', 'F821 app.py:29', 'E231 app.py:32']),
    );
    expect(where(result('python-basic', 'pylint').findings)).toEqual(
      expect.arrayContaining(['unused-import app.py:2', 'unused-variable app.py:28', 'undefined-variable app.py:29']),
    );
  });

  it('black reports the unformatted file; mypy the wrong argument type', () => {
    expect(where(result('python-basic', 'black').findings)).toEqual(['black/format app.py:-']);
    expect(where(result('python-basic', 'mypy').findings)).toEqual(['mypy/arg-type app.py:23']);
  });

  it('bandit reports the shell=True call and the unpickling of untrusted data', () => {
    const findings = result('python-basic', 'bandit').findings;
    expect(where(findings)).toEqual(['B403 app.py:3', 'B404 app.py:4', 'B602 app.py:9', 'B301 app.py:14']);
    expect(findings.find((f) => f.ruleId === 'B602')?.level).toBe('error');
  });

  it('codespell reports the typos; yamllint the duplicate key, trailing spaces and bad indentation', () => {
    expect(where(result('python-basic', 'codespell').findings)).toEqual(['codespell/misspelling app.py:27']);
    expect(where(result('shell-basic', 'codespell').findings)).toEqual(['codespell/misspelling deploy.sh:12']);
    expect(where(result('python-basic', 'yamllint').findings)).toEqual([
      'yamllint/document-start settings.yml:1',
      'yamllint/key-duplicates settings.yml:4',
      'yamllint/trailing-spaces settings.yml:5',
    ]);
    expect(where(result('shell-basic', 'yamllint').findings)).toEqual([
      'yamllint/document-start .github-ci.yml:1',
      'yamllint/indentation .github-ci.yml:5',
    ]);
  });

  it("semgrep runs offline with Orbit's shipped rules on Python and JavaScript", () => {
    expect(where(result('python-basic', 'semgrep').findings)).toEqual([
      'orbit.python.subprocess-shell-true app.py:9',
      'orbit.python.pickle-loads app.py:14',
    ]);
    expect(where(result('js-basic', 'semgrep').findings)).toEqual(['orbit.js.eval src/index.js:11']);
    expect(result('shell-basic', 'semgrep').status).toBe('not_applicable');
  });

  it('gitleaks finds the planted key (redacted) and nothing in the other samples', () => {
    const leaks = result('python-basic', 'gitleaks').findings;
    expect(where(leaks)).toEqual(['generic-api-key deploy.env:2']);
    expect(JSON.stringify(leaks)).not.toContain('Zx8f2Kq9');
    expect(result('js-basic', 'gitleaks')).toMatchObject({ status: 'succeeded', findings: [] });
  });

  it('shellcheck checks the script found by its shebang as well as the .sh one', () => {
    expect(where(result('shell-basic', 'shellcheck').findings).sort()).toEqual([
      'SC2086 cleanup:4',
      'SC2086 deploy.sh:8',
      'SC2115 cleanup:5',
      'SC2164 deploy.sh:11',
      'SC3014 cleanup:4',
    ]);
  });

  it('the real findings of every tool, on every sample, make a SARIF log that validates with nothing repaired', () => {
    for (const o of Object.values(outcomes)) {
      const log = buildSarifLog(o.results, { repoRoot: o.repoRoot });
      expect(validateSarif(log).errors).toEqual([]);
      const repairs = log.runs.map((r) => r.invocations?.[0]?.properties?.['orbit/repairs']);
      expect(repairs.every((n) => n === 0)).toBe(true);
      const count = (o.results as ToolRunResult[]).reduce((n, r) => n + r.findings.length, 0);
      expect(log.runs.reduce((n, r) => n + (r.results?.length ?? 0), 0)).toBe(count);
    }
  });

  it("eslint uses the repository's own config; prettier reports the unformatted file only", () => {
    const eslint = result('js-basic', 'eslint');
    expect(where(eslint.findings)).toEqual([
      'no-unused-vars src/index.js:2',
      'eqeqeq src/index.js:6',
      'no-eval src/index.js:11',
      'no-unused-vars src/index.js:15',
      'no-undef src/index.js:16',
    ]);
    expect(eslint.notices).toEqual([]); // no "default config used" notice: the repository's own was found
    expect(where(result('js-basic', 'prettier').findings)).toEqual(['prettier/format src/format.js:-']);
  });
});
