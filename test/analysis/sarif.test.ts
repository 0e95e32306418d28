import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildSarifLog,
  GITHUB_UPLOAD_LIMITS,
  githubUploadBytes,
  LINE_HASH_KEY,
  ORBIT_FINGERPRINT_KEY,
  type RawFinding,
  type SarifLog,
  type SarifResult,
  SRCROOT,
  splitForGithub,
  type ToolRunResult,
  validateSarif,
} from '../../src/analysis/sarif/index.ts';
import { files, REPO, readFixture, sampleResults } from './sarif-fixtures.ts';

function expectValid(log: unknown): void {
  const { valid, errors } = validateSarif(log);
  expect(errors).toEqual([]);
  expect(valid).toBe(true);
}

function run(findings: RawFinding[], overrides: Partial<ToolRunResult> = {}): ToolRunResult {
  return { tool: 'probe', status: 'succeeded', durationMs: 1, findings, notices: [], ...overrides };
}

function notificationsOf(log: SarifLog, runIndex = 0): string[] {
  return (log.runs[runIndex]?.invocations?.[0]?.toolExecutionNotifications ?? []).map((n) => n.message.text);
}

function uriOf(result: SarifResult | undefined): string | undefined {
  return result?.locations?.[0]?.physicalLocation?.artifactLocation.uri;
}

describe('validateSarif', () => {
  it('rejects a log with a zero line, a missing driver name and a message without text', () => {
    const bad = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: {} },
          results: [
            {
              message: {},
              locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { startLine: 0 } } }],
            },
          ],
        },
      ],
    };
    const { valid, errors } = validateSarif(bad);
    expect(valid).toBe(false);
    expect(errors).toContain("/runs/0/tool/driver must have required property 'name'");
    expect(errors).toContain('/runs/0/results/0/locations/0/physicalLocation/region/startLine must be >= 1');
  });
});

describe('buildSarifLog', () => {
  const log = buildSarifLog(sampleResults(), { repoRoot: REPO, analysisId: 'a1', readFile: readFixture });

  it('produces one valid run per tool with driver, rules and relative locations', () => {
    expectValid(log);
    expect(log.runs.map((r) => r.tool.driver.name)).toEqual(['eslint', 'bandit', 'snyk', 'rubocop', 'semgrep']);
    const eslint = log.runs[0]!;
    expect(eslint.tool.driver.version).toBe('9.31.0');
    expect(eslint.automationDetails?.id).toBe('orbit/eslint/a1');
    expect(eslint.originalUriBaseIds?.[SRCROOT]?.uri).toBe(`file://${REPO}/`);
    // ESLint printed absolute paths; SARIF carries them relative to SRCROOT.
    expect(eslint.results.map(uriOf)).toEqual(['src/app.js', 'src/app.js', 'src/app.js']);
    expect(eslint.results[0]?.locations?.[0]?.physicalLocation?.artifactLocation.uriBaseId).toBe(SRCROOT);
    const rules = eslint.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(['no-unused-vars', 'eqeqeq', 'parse-error']);
    expect(rules[1]?.helpUri).toBe('https://eslint.org/docs/latest/rules/eqeqeq');
    expect(rules[1]?.help?.text).toContain('https://eslint.org/docs/latest/rules/eqeqeq');
    for (const result of eslint.results) expect(rules[result.ruleIndex!]?.id).toBe(result.ruleId);
    expect(eslint.results[0]?.properties).toEqual({ toolSeverity: 2 });
  });

  it('carries security metadata as GitHub reads it and repairs a 0-based column', () => {
    const bandit = log.runs[1]!;
    const rule = bandit.tool.driver.rules!.find((r) => r.id === 'B602')!;
    expect(rule.name).toBe('subprocess_popen_with_shell_equals_true');
    expect(rule.properties?.['security-severity']).toBe('8.0');
    expect(rule.properties?.tags).toEqual(['security', 'external/cwe/cwe-78']);
    expect(uriOf(bandit.results[0])).toBe('app/run.py');
    // col_offset 0 was passed through: the column is dropped, the line kept, and the repair is visible.
    expect(bandit.results[0]?.locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 5 });
    expect(notificationsOf(log, 1)).toContain('bandit finding #1: invalid start column 0; column dropped');
    expect(notificationsOf(log, 1)).toContain('bandit: 1 file skipped (syntax error)');
  });

  it('shows tools that did not run with their status and reason, never as a clean empty run', () => {
    const [snyk, rubocop, semgrep] = log.runs.slice(2);
    expect(snyk?.invocations?.[0]?.executionSuccessful).toBe(false);
    expect(snyk?.invocations?.[0]?.exitCodeDescription).toBe('not_configured');
    expect(notificationsOf(log, 2)).toEqual([
      'snyk not_configured: SNYK_TOKEN is not set; run `snyk auth` or set SNYK_TOKEN',
    ]);
    expect(rubocop?.invocations?.[0]?.toolExecutionNotifications?.[0]).toMatchObject({
      level: 'warning',
      descriptor: { id: 'orbit/status/not_installed' },
      message: { text: 'rubocop not_installed: rubocop not found on PATH; install with `gem install rubocop`' },
    });
    expect(semgrep?.invocations?.[0]?.toolExecutionNotifications?.[0]?.level).toBe('error');
    expect(semgrep?.properties?.['orbit/status']).toBe('timed_out');
  });

  it('repairs or drops every kind of bad result and the log still validates', () => {
    const bad = [
      { ruleId: 'r1', level: 'warning', message: 'zero column', file: 'a.py', startLine: 3, startColumn: 0 },
      { ruleId: 'r2', level: 'error', message: 'zero line', file: 'a.py', startLine: 0, startColumn: 4 },
      { ruleId: 'r3', level: 'note', message: 'negative', file: 'a.py', startLine: -2, endLine: -1 },
      { ruleId: 'r4', level: 'warning', message: 'empty fix', file: 'a.py', startLine: 1, fix: { replacements: [] } },
      { ruleId: 'r5', level: 'warning', message: '', file: 'a.py', startLine: 1, ruleName: 'Named rule' },
      { ruleId: 'r6', level: 'critical', message: 'odd level', file: 'a.py', startLine: 2 },
      { ruleId: '', level: 'warning', message: 'no rule id' },
      { ruleId: 'r7', level: 'warning', message: 'end before start', file: 'a.py', startLine: 5, endLine: 3 },
      { ruleId: 'r8', level: 'warning', message: 'float line', file: 'a.py', startLine: 2.5 },
      { ruleId: 'r9', level: 'warning', message: 'outside', file: '/etc/passwd', startLine: 1 },
      { ruleId: 'r10', level: 'warning', message: 'dotdot', file: 'src/../../x.py', startLine: 1 },
      {
        ruleId: 'r11',
        level: 'warning',
        message: 'bad fix region',
        file: 'a.py',
        startLine: 1,
        fix: { replacements: [{ file: 'a.py', startLine: 0, startColumn: 1, endLine: 1, endColumn: 1, text: 'x' }] },
      },
      { ruleId: 'r12', level: 'warning', message: 'bad help uri', helpUri: 'not a uri', securitySeverity: 42 },
      {
        ruleId: 'r13',
        level: 'warning',
        message: 'cyclic',
        properties: (() => {
          const o: Record<string, unknown> = {};
          o.self = o;
          return o;
        })(),
      },
      null,
    ] as unknown as RawFinding[];
    const repaired = buildSarifLog([run(bad)], { repoRoot: '/repo' });
    expectValid(repaired);
    const results = repaired.runs[0]!.results;
    expect(results).toHaveLength(bad.length - 1);
    const byRule = (id: string) => results.find((r) => r.ruleId === id)!;
    expect(byRule('r1').locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 3 });
    expect(byRule('r2').locations?.[0]?.physicalLocation?.region).toBeUndefined();
    expect(byRule('r4').fixes).toBeUndefined();
    expect(byRule('r5').message.text).toBe('Named rule');
    expect(byRule('r6').level).toBe('warning');
    expect(byRule('unknown').message.text).toBe('no rule id');
    expect(byRule('r7').locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 5 });
    expect(byRule('r9').locations).toBeUndefined();
    expect(byRule('r10').locations).toBeUndefined();
    expect(byRule('r11').fixes).toBeUndefined();
    expect(byRule('r13').properties).toBeUndefined();
    const rule12 = repaired.runs[0]!.tool.driver.rules!.find((r) => r.id === 'r12')!;
    expect(rule12.helpUri).toBeUndefined();
    expect(rule12.properties?.['security-severity']).toBeUndefined();
    const notes = notificationsOf(repaired);
    expect(notes).toContain('probe finding #4: fix without any usable replacement dropped');
    expect(notes).toContain('probe finding #10: location dropped (path outside the repository: "/etc/passwd")');
    expect(notes).toContain('probe finding #15: not an object; dropped');
    expect(notes.some((n) => n.startsWith('probe finding #14: properties dropped'))).toBe(true);
  });

  it('keeps a valid fix, grouped per file', () => {
    const fixed = buildSarifLog(
      [
        run([
          {
            ruleId: 'E1',
            level: 'warning',
            message: 'use ===',
            file: `${REPO}/src/app.js`,
            startLine: 8,
            fix: {
              description: 'Replace == with ===',
              replacements: [
                { file: `${REPO}/src/app.js`, startLine: 8, startColumn: 9, endLine: 8, endColumn: 11, text: '===' },
              ],
            },
          },
        ]),
      ],
      { repoRoot: REPO },
    );
    expectValid(fixed);
    expect(fixed.runs[0]!.results[0]?.fixes).toEqual([
      {
        description: { text: 'Replace == with ===' },
        artifactChanges: [
          {
            artifactLocation: { uri: 'src/app.js', uriBaseId: SRCROOT },
            replacements: [
              {
                deletedRegion: { startLine: 8, startColumn: 9, endLine: 8, endColumn: 11 },
                insertedContent: { text: '===' },
              },
            ],
          },
        ],
      },
    ]);
  });

  it('encodes awkward file names as relative URI references', () => {
    const odd = buildSarifLog(
      [run([{ ruleId: 'x', level: 'note', message: 'm', file: `${REPO}/docs/a b#1.md`, startLine: 1 }])],
      {
        repoRoot: REPO,
      },
    );
    expectValid(odd);
    expect(uriOf(odd.runs[0]!.results[0])).toBe('docs/a%20b%231.md');
  });
});

describe('fingerprints', () => {
  const original = files['app/run.py']!;
  const finding = (file: string, line: number, ruleId = 'B602'): RawFinding => ({
    ruleId,
    level: 'error',
    message: 'subprocess call with shell=True identified',
    file,
    startLine: line,
  });
  const printsOf = (content: string, findings: RawFinding[], path = 'app/run.py') => {
    const log = buildSarifLog([run(findings)], {
      repoRoot: REPO,
      readFile: (rel) => (rel === path ? content : undefined),
    });
    expectValid(log);
    return log.runs[0]!.results.map((r) => r.partialFingerprints!);
  };
  const base = printsOf(original, [finding('app/run.py', 5)])[0]!;

  it('emits an Orbit key and a GitHub line hash with an occurrence index', () => {
    expect(base[ORBIT_FINGERPRINT_KEY]).toMatch(/^[0-9a-f]{32}:1$/);
    expect(base[LINE_HASH_KEY]).toMatch(/^[0-9a-f]{16}:1$/);
  });

  it('stays the same when unrelated lines are inserted above', () => {
    const shifted = `# a new header comment\nimport os\n\n${original}`;
    expect(printsOf(shifted, [finding('app/run.py', 8)])[0]).toEqual(base);
  });

  it('stays the same when the code is reformatted', () => {
    const reformatted = original.replace(
      '    subprocess.call(cmd, shell=True)',
      '\tsubprocess.call( cmd,  shell = True )  ',
    );
    expect(reformatted).not.toBe(original);
    expect(printsOf(reformatted, [finding('app/run.py', 5)])[0]).toEqual(base);
  });

  it('stays the same when the file is renamed', () => {
    expect(printsOf(original, [finding('lib/runner.py', 5)], 'lib/runner.py')[0]).toEqual(base);
  });

  it('differs for a different line, a different rule, and a changed flagged line', () => {
    const other = printsOf(original, [finding('app/run.py', 2)])[0]!;
    const otherRule = printsOf(original, [finding('app/run.py', 5, 'B603')])[0]!;
    const edited = printsOf(original.replace('shell=True', 'shell=False'), [finding('app/run.py', 5)])[0]!;
    for (const changed of [other, otherRule, edited])
      expect(changed[ORBIT_FINGERPRINT_KEY]).not.toBe(base[ORBIT_FINGERPRINT_KEY]);
    // GitHub's line hash is content only (GitHub pairs it with the rule id itself).
    expect(otherRule[LINE_HASH_KEY]).toBe(base[LINE_HASH_KEY]);
    expect(edited[LINE_HASH_KEY]).not.toBe(base[LINE_HASH_KEY]);
  });

  it('tells identical lines apart by occurrence index, in line order', () => {
    // Lines longer than the hashed window, so both occurrences hash the same text.
    const line = `x = eval(a)  # ${'long comment '.repeat(10)}`;
    const twice = `${line}\nprint(1)\n${line}\nprint(2)\n`;
    const prints = printsOf(twice, [finding('f.py', 3, 'E'), finding('f.py', 1, 'E')], 'f.py');
    expect(prints[1]![ORBIT_FINGERPRINT_KEY]).toMatch(/:1$/);
    expect(prints[0]![ORBIT_FINGERPRINT_KEY]).toMatch(/:2$/);
    expect(prints[0]![ORBIT_FINGERPRINT_KEY]!.split(':')[0]).toBe(prints[1]![ORBIT_FINGERPRINT_KEY]!.split(':')[0]);
  });

  it('falls back to rule, path and message when the file cannot be read', () => {
    const [a, b] = printsOf('', [finding('gone.py', 5), finding('gone.py', 9)], 'other.py');
    expect(a![LINE_HASH_KEY]).toBeUndefined();
    expect(a![ORBIT_FINGERPRINT_KEY]).not.toBe(b![ORBIT_FINGERPRINT_KEY]);
  });
});

describe('splitForGithub', () => {
  function bigLog(tools: number, resultsPerTool: number): SarifLog {
    const results: ToolRunResult[] = [];
    for (let t = 0; t < tools; t++) {
      const findings: RawFinding[] = [];
      for (let i = 0; i < resultsPerTool; i++) {
        findings.push({
          ruleId: `R${i % 7}`,
          level: i % 3 === 0 ? 'error' : 'note',
          message: `finding ${i}`,
          file: `src/f${i % 50}.ts`,
          startLine: (i % 400) + 1,
        });
      }
      results.push(run(findings, { tool: `tool-${t}` }));
    }
    return buildSarifLog(results, { repoRoot: REPO, analysisId: 'big' });
  }

  it('returns the log unchanged in shape when it already fits', () => {
    const log = buildSarifLog(sampleResults(), { repoRoot: REPO, readFile: readFixture });
    const { logs, notes } = splitForGithub(log);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.runs).toHaveLength(5);
    expect(notes).toEqual([]);
    expectValid(logs[0]);
  });

  it('packs more than 20 runs into several files', () => {
    const log = bigLog(45, 2);
    const { logs, notes } = splitForGithub(log);
    expect(logs.map((l) => l.runs.length)).toEqual([20, 20, 5]);
    expect(notes).toContain('45 runs packed into 3 files');
    for (const l of logs) expectValid(l);
  });

  it('splits a run above 25,000 results into parts with their own category, losing nothing', () => {
    const log = bigLog(1, 26_000);
    const { logs } = splitForGithub(log);
    const runs = logs.flatMap((l) => l.runs);
    expect(runs.map((r) => r.results.length)).toEqual([25_000, 1_000]);
    expect(runs.map((r) => r.automationDetails?.id)).toEqual(['orbit/tool-0/part-1/big', 'orbit/tool-0/part-2/big']);
    for (const r of runs) {
      expect(r.results.length).toBeLessThanOrEqual(GITHUB_UPLOAD_LIMITS.resultsPerRun);
      for (const result of r.results) expect(r.tool.driver.rules![result.ruleIndex!]!.id).toBe(result.ruleId);
    }
    for (const l of logs) expect(githubUploadBytes(l)).toBeLessThanOrEqual(GITHUB_UPLOAD_LIMITS.maxGzipBytes);
    expectValid(logs[0]);
  });

  it('splits by gzip size when a limit is hit, and every file stays under it', () => {
    const log = bigLog(3, 3_000);
    const limits = { ...GITHUB_UPLOAD_LIMITS, maxGzipBytes: 40_000 };
    const { logs, notes } = splitForGithub(log, limits);
    expect(logs.length).toBeGreaterThan(1);
    for (const l of logs) {
      expect(gzipSync(JSON.stringify(l)).length).toBeLessThanOrEqual(limits.maxGzipBytes);
      expect(JSON.parse(gunzipSync(gzipSync(JSON.stringify(l))).toString()).version).toBe('2.1.0');
      expectValid(l);
    }
    expect(logs.flatMap((l) => l.runs).reduce((n, r) => n + r.results.length, 0)).toBe(9_000);
    expect(notes.some((n) => n.startsWith('tool-0: 3000 results split into'))).toBe(true);
  });

  it('leaves out results without a location and trims tags to 20 per rule', () => {
    const tags = Array.from({ length: 30 }, (_, i) => `tag-${i}`);
    const log = buildSarifLog(
      [
        run([
          { ruleId: 'x', level: 'warning', message: 'repo-wide', tags },
          { ruleId: 'x', level: 'warning', message: 'here', file: 'a.py', startLine: 1 },
        ]),
      ],
      { repoRoot: REPO },
    );
    const { logs, notes } = splitForGithub(log);
    expect(logs[0]!.runs[0]!.results.map((r) => r.message.text)).toEqual(['here']);
    expect(logs[0]!.runs[0]!.tool.driver.rules![0]!.properties?.tags).toHaveLength(20);
    expect(notes).toEqual(['probe: 1 results without a file location left out']);
    expectValid(logs[0]);
  });
});
