import { describe, expect, it } from 'vitest';
import type { RawFinding } from '../sarif/types.ts';
import { ToolOutputError } from './descriptor.ts';
import { loadFixture } from './fixtures/fixture.ts';
import { findTool, TOOLS } from './index.ts';

/** Parses the recorded real output of a tool over its sample repository. */
function parseFixture(name: string): RawFinding[] {
  const tool = findTool(name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool.parse(loadFixture(name));
}

function at(findings: RawFinding[]): string[] {
  return findings.map((f) => `${f.ruleId} ${f.file}:${f.startLine ?? '-'}:${f.startColumn ?? '-'} ${f.level}`);
}

describe('parsers on recorded real output', () => {
  it('ruff: codes, repo-relative paths from absolute ones, safe fixes only', () => {
    const findings = parseFixture('ruff');
    expect(at(findings)).toEqual(['F401 app.py:2:8 warning', 'F841 app.py:28:5 warning', 'F821 app.py:29:12 error']);
    expect(findings[0]?.fix?.replacements[0]).toMatchObject({ file: 'app.py', startLine: 2, endLine: 3, text: '' });
    expect(findings[1]?.fix).toBeUndefined(); // ruff marks that fix unsafe
    expect(findings[0]?.helpUri).toBe('https://docs.astral.sh/ruff/rules/unused-import');
  });

  it('pylint: symbols as rule ids, 0-based columns shifted to 1-based, types mapped to levels', () => {
    const findings = parseFixture('pylint');
    expect(at(findings)).toEqual(
      expect.arrayContaining([
        'undefined-variable app.py:29:12 error',
        'unused-variable app.py:28:5 warning',
        'unused-import app.py:2:1 warning',
        'missing-function-docstring app.py:7:1 note',
      ]),
    );
    expect(findings.find((f) => f.ruleId === 'undefined-variable')?.properties?.messageId).toBe('E0602');
    expect(findings.every((f) => (f.startColumn ?? 1) >= 1)).toBe(true);
  });

  it('flake8: every line of the custom format, pyflakes vs style levels', () => {
    expect(at(parseFixture('flake8'))).toEqual([
      'F401 app.py:2:1 warning',
      'F841 app.py:28:5 warning',
      'F821 app.py:29:12 error',
      'E231 app.py:32:22 note',
      'E231 app.py:33:16 note',
      'E231 app.py:33:18 note',
      'E231 app.py:33:22 note',
    ]);
  });

  it('black: one finding per file it would reformat', () => {
    expect(at(parseFixture('black'))).toEqual(['black/format app.py:-:- note']);
  });

  it('bandit: test ids, severities, CWE tags, security severity', () => {
    const findings = parseFixture('bandit');
    expect(at(findings)).toEqual([
      'B403 app.py:3:1 note',
      'B404 app.py:4:1 note',
      'B602 app.py:9:12 error',
      'B301 app.py:14:12 warning',
    ]);
    const shell = findings.find((f) => f.ruleId === 'B602');
    expect(shell?.securitySeverity).toBe(8);
    expect(shell?.tags).toContain('external/cwe/cwe-78');
  });

  it('mypy: JSON lines, error codes as rule ids, column shifted', () => {
    const findings = parseFixture('mypy');
    expect(at(findings)).toEqual(['mypy/arg-type app.py:23:19 error']);
    expect(findings[0]?.message).toContain('Argument 2 to "add" has incompatible type "str"; expected "int"');
  });

  it('codespell: the misspelling located on its line, with a one-word fix', () => {
    const [finding, ...rest] = parseFixture('codespell');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ ruleId: 'codespell/misspelling', file: 'app.py', startLine: 27, startColumn: 19 });
    expect(finding?.fix?.replacements[0]?.text).toBe('receive');
  });

  it('yamllint: parsable lines with their rule names', () => {
    expect(at(parseFixture('yamllint'))).toEqual([
      'yamllint/document-start settings.yml:1:1 warning',
      'yamllint/key-duplicates settings.yml:4:3 error',
      'yamllint/trailing-spaces settings.yml:5:14 error',
    ]);
  });

  it('shellcheck: SC codes, levels, fixes only where there are replacements', () => {
    const findings = parseFixture('shellcheck');
    expect(at(findings).sort()).toEqual([
      'SC2086 cleanup:4:6 note',
      'SC2086 deploy.sh:8:4 note',
      'SC2115 cleanup:5:10 warning',
      'SC2164 deploy.sh:11:1 warning',
      'SC3014 cleanup:4:11 warning',
    ]);
    expect(findings.find((f) => f.ruleId === 'SC2086')?.fix?.replacements).toHaveLength(2);
    expect(findings.find((f) => f.ruleId === 'SC3014')?.fix).toBeUndefined();
  });

  it('eslint: rule ids, severities, char-offset fixes turned into lines and columns', () => {
    const findings = parseFixture('eslint');
    expect(at(findings)).toEqual([
      'no-unused-vars src/index.js:2:10 warning',
      'eqeqeq src/index.js:6:20 error',
      'no-eval src/index.js:11:10 error',
      'no-unused-vars src/index.js:15:9 warning',
      'no-undef src/index.js:16:61 error',
    ]);
  });

  it('gitleaks: the planted key, located through the link farm back in the repository, never the secret', () => {
    const findings = parseFixture('gitleaks');
    expect(at(findings)).toEqual(['generic-api-key deploy.env:2:2 error']);
    expect(JSON.stringify(findings)).not.toContain('Zx8f2Kq9');
  });

  it("semgrep: Orbit's rule ids without the rules directory's prefix, CWE tags", () => {
    const findings = parseFixture('semgrep');
    expect(at(findings)).toEqual([
      'orbit.python.subprocess-shell-true app.py:9:12 error',
      'orbit.python.pickle-loads app.py:14:12 warning',
    ]);
    expect(findings[0]?.tags).toEqual(['external/cwe/cwe-78']);
  });

  it('prettier: one finding per file it would reformat', () => {
    expect(at(parseFixture('prettier'))).toEqual(['prettier/format src/format.js:-:- note']);
  });
});

describe('parsers refuse what is not a report', () => {
  const garbage = {
    stdout: 'Traceback (most recent call last):\n  oops',
    stderr: '',
    exitCode: 2,
    repoRoot: '/r',
    files: [],
  };

  for (const tool of TOOLS) {
    it(`${tool.name} throws ToolOutputError on garbage`, () => {
      const output = ['black', 'prettier'].includes(tool.name)
        ? { ...garbage, stderr: '[error] Invalid option: --bogus\nTraceback (most recent call last):' }
        : garbage;
      expect(() => tool.parse(output)).toThrow(ToolOutputError);
    });
  }

  it('an empty report of a text tool is zero findings, not an error', () => {
    for (const name of ['flake8', 'codespell', 'yamllint', 'black', 'prettier', 'mypy']) {
      expect(findTool(name)?.parse({ stdout: '', stderr: '', exitCode: 0, repoRoot: '/r', files: [] })).toEqual([]);
    }
  });

  it('a JSON tool with no output at all did not produce a report', () => {
    for (const name of ['ruff', 'pylint', 'bandit', 'shellcheck', 'eslint', 'gitleaks', 'semgrep']) {
      expect(() => findTool(name)?.parse({ stdout: '', stderr: '', exitCode: 0, repoRoot: '/r', files: [] })).toThrow(
        /printed no report/,
      );
    }
  });
});
