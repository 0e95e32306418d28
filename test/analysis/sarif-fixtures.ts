/**
 * Recorded tool output (the shape each tool really prints) and minimal converters to RawFindings,
 * standing in for the real parsers that live in src/analysis/tools/.
 */
import type { RawFinding, ToolRunResult } from '../../src/analysis/sarif/types.ts';

export const REPO = '/srv/checkouts/demo';

/** `eslint --format json` on src/app.js: absolute paths, 1-based columns, a fix as a character range. */
export const eslintJson = [
  {
    filePath: `${REPO}/src/app.js`,
    messages: [
      {
        ruleId: 'no-unused-vars',
        severity: 2,
        message: "'helper' is defined but never used.",
        line: 4,
        column: 10,
        endLine: 4,
        endColumn: 16,
      },
      {
        ruleId: 'eqeqeq',
        severity: 1,
        message: "Expected '===' and instead saw '=='.",
        line: 8,
        column: 9,
        endLine: 8,
        endColumn: 11,
        fix: { range: [120, 122], text: '===' },
      },
      { ruleId: null, severity: 2, message: 'Parsing error: Unexpected token <script>', line: 12, column: 3 },
    ],
  },
];

export function eslintToRaw(report: typeof eslintJson): RawFinding[] {
  return report.flatMap((file) =>
    file.messages.map((m) => ({
      ruleId: m.ruleId ?? 'parse-error',
      level: m.severity === 2 ? ('error' as const) : ('warning' as const),
      message: m.message,
      file: file.filePath,
      startLine: m.line,
      startColumn: m.column,
      endLine: m.endLine,
      endColumn: m.endColumn,
      helpUri: m.ruleId ? `https://eslint.org/docs/latest/rules/${m.ruleId}` : undefined,
      properties: { toolSeverity: m.severity },
    })),
  );
}

/** `bandit -f json`: relative paths, 0-based col_offset, CWE and a docs link. */
export const banditJson = {
  results: [
    {
      filename: './app/run.py',
      test_id: 'B602',
      test_name: 'subprocess_popen_with_shell_equals_true',
      issue_severity: 'HIGH',
      issue_confidence: 'HIGH',
      issue_cwe: { id: 78, link: 'https://cwe.mitre.org/data/definitions/78.html' },
      issue_text: 'subprocess call with shell=True identified, security issue.',
      line_number: 5,
      col_offset: 0,
      more_info: 'https://bandit.readthedocs.io/en/1.8.6/plugins/b602_subprocess_popen_with_shell_equals_true.html',
    },
    {
      filename: './app/run.py',
      test_id: 'B105',
      test_name: 'hardcoded_password_string',
      issue_severity: 'LOW',
      issue_confidence: 'MEDIUM',
      issue_cwe: { id: 259, link: 'https://cwe.mitre.org/data/definitions/259.html' },
      issue_text: "Possible hardcoded password: 'hunter2'",
      line_number: 2,
      col_offset: 11,
      more_info: 'https://bandit.readthedocs.io/en/1.8.6/plugins/b105_hardcoded_password_string.html',
    },
  ],
};

export function banditToRaw(report: typeof banditJson): RawFinding[] {
  const level = { HIGH: 'error', MEDIUM: 'warning', LOW: 'note' } as const;
  const score = { HIGH: 8.0, MEDIUM: 5.5, LOW: 2.0 } as const;
  return report.results.map((r) => {
    const sev = r.issue_severity as keyof typeof level;
    return {
      ruleId: r.test_id,
      ruleName: r.test_name,
      level: level[sev],
      message: r.issue_text,
      file: r.filename,
      startLine: r.line_number,
      // The deliberate bug a careless parser makes: bandit columns are 0-based and are passed through.
      startColumn: r.col_offset,
      helpUri: r.more_info,
      tags: ['security', `external/cwe/cwe-${r.issue_cwe.id}`],
      securitySeverity: score[sev],
      properties: { toolSeverity: r.issue_severity, confidence: r.issue_confidence },
    };
  });
}

export const files: Record<string, string> = {
  'src/app.js': [
    "import fs from 'node:fs';",
    '',
    '// helpers',
    'function helper() {',
    '  return 1;',
    '}',
    'export function check(a) {',
    '  if (a == 2) {',
    "    return fs.readFileSync('x');",
    '  }',
    '}',
    '  <script>alert(1)</script>',
  ].join('\n'),
  'app/run.py': [
    'import subprocess',
    'PASSWORD = "hunter2"',
    '',
    'def run(cmd):',
    '    subprocess.call(cmd, shell=True)',
    '',
  ].join('\n'),
};

export const readFixture = (rel: string): string | undefined => files[rel];

export function sampleResults(): ToolRunResult[] {
  return [
    {
      tool: 'eslint',
      version: '9.31.0',
      informationUri: 'https://eslint.org',
      status: 'succeeded',
      durationMs: 1840,
      cpuMs: 2100,
      findings: eslintToRaw(eslintJson),
      notices: [],
    },
    {
      tool: 'bandit',
      version: '1.8.6',
      informationUri: 'https://bandit.readthedocs.io',
      status: 'succeeded',
      durationMs: 920,
      findings: banditToRaw(banditJson),
      notices: ['bandit: 1 file skipped (syntax error)'],
    },
    {
      tool: 'snyk',
      status: 'not_configured',
      reason: 'SNYK_TOKEN is not set; run `snyk auth` or set SNYK_TOKEN',
      durationMs: 0,
      findings: [],
      notices: [],
    },
    {
      tool: 'rubocop',
      status: 'not_installed',
      reason: 'rubocop not found on PATH; install with `gem install rubocop`',
      durationMs: 0,
      findings: [],
      notices: [],
    },
    {
      tool: 'semgrep',
      version: '1.120.0',
      status: 'timed_out',
      reason: 'killed after 300000 ms',
      durationMs: 300000,
      findings: [],
      notices: [],
    },
  ];
}
