import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { isRecord, oneBased, parseJson, positive, repoPath, str } from './parse-helpers.ts';

const LEVELS: Record<string, RawLevel> = { HIGH: 'error', MEDIUM: 'warning', LOW: 'note' };
const SECURITY_SEVERITY: Record<string, number> = { HIGH: 8.0, MEDIUM: 5.0, LOW: 2.0 };

export const bandit: ToolDescriptor = {
  name: 'bandit',
  title: 'Bandit',
  languages: ['python'],
  appliesTo: ['**/*.py'],
  informationUri: 'https://bandit.readthedocs.io/',
  install: [{ kind: 'pip', package: 'bandit', version: '1.9.4' }],
  findExecutable: inVenv('bandit'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files, ownConfig }) => [
    '-f',
    'json',
    '-q',
    '--exit-zero',
    ...(ownConfig === '.bandit' ? ['--ini', '.bandit'] : []),
    '--',
    ...files,
  ],
  ownConfigFiles: ['.bandit'],
  findingExitCodes: [0],
  parse({ stdout, repoRoot }) {
    const report = parseJson('bandit', stdout);
    if (!isRecord(report) || !Array.isArray(report.results)) {
      throw new ToolOutputError('bandit: the JSON report has no "results" array');
    }
    return report.results.filter(isRecord).map((r): RawFinding => {
      const severity = str(r.issue_severity) ?? 'MEDIUM';
      const cwe = isRecord(r.issue_cwe) && typeof r.issue_cwe.id === 'number' ? r.issue_cwe.id : undefined;
      const line = positive(r.line_number);
      const range = Array.isArray(r.line_range) ? r.line_range.filter((n): n is number => typeof n === 'number') : [];
      const endLine = range.length > 0 ? Math.max(...range) : line;
      return {
        ruleId: str(r.test_id) ?? 'bandit',
        ruleName: str(r.test_name),
        level: LEVELS[severity] ?? 'warning',
        message: str(r.issue_text) ?? 'security issue',
        file: repoPath(str(r.filename) ?? '', repoRoot),
        startLine: line,
        startColumn: oneBased(r.col_offset),
        // end_col_offset belongs to the last line of the range; only trust it on one-line findings.
        ...(endLine === line ? { endLine, endColumn: oneBased(r.end_col_offset) } : { endLine }),
        helpUri: str(r.more_info),
        tags: ['security', ...(cwe ? [`external/cwe/cwe-${cwe}`] : [])],
        securitySeverity: SECURITY_SEVERITY[severity],
        properties: { toolSeverity: severity, confidence: str(r.issue_confidence) },
      };
    });
  },
};
