import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { isRecord, parseJson, positive, repoPath, str } from './parse-helpers.ts';

/** Syntax errors and undefined names are bugs; other pyflakes checks likely bugs; the rest style. */
function levelOf(code: string): RawLevel {
  if (/^(E9|F63|F7|F82)/.test(code)) return 'error';
  if (code.startsWith('F') || code.startsWith('S') || code.startsWith('B')) return 'warning';
  return 'note';
}

function position(value: unknown): { row?: number; column?: number } {
  return isRecord(value) ? { row: positive(value.row), column: positive(value.column) } : {};
}

export const ruff: ToolDescriptor = {
  name: 'ruff',
  title: 'Ruff',
  languages: ['python'],
  appliesTo: ['**/*.py', '**/*.pyi'],
  informationUri: 'https://docs.astral.sh/ruff/',
  install: [{ kind: 'pip', package: 'ruff', version: '0.17.6' }],
  findExecutable: inVenv('ruff'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files }) => [
    'check',
    '--output-format=json',
    '--no-cache',
    '--force-exclude',
    '--exit-zero',
    '--',
    ...files,
  ],
  ownConfigFiles: ['pyproject.toml', 'ruff.toml', '.ruff.toml'],
  findingExitCodes: [0],
  parse({ stdout, repoRoot }) {
    const report = parseJson('ruff', stdout);
    if (!Array.isArray(report)) throw new ToolOutputError('ruff: the JSON report is not an array');
    return report.filter(isRecord).map((d): RawFinding => {
      const code = str(d.code) ?? 'syntax-error';
      const file = repoPath(str(d.filename) ?? '', repoRoot);
      const start = position(d.location);
      const end = position(d.end_location);
      const finding: RawFinding = {
        ruleId: code,
        ruleName: str(d.name),
        level: code === 'syntax-error' ? 'error' : levelOf(code),
        message: str(d.message) ?? code,
        file,
        startLine: start.row,
        startColumn: start.column,
        endLine: end.row,
        endColumn: end.column,
        helpUri: str(d.url),
        properties: { toolSeverity: str(d.severity) },
      };
      const fix = isRecord(d.fix) ? d.fix : undefined;
      if (fix && fix.applicability === 'safe' && Array.isArray(fix.edits)) {
        const replacements = fix.edits.filter(isRecord).flatMap((e) => {
          const s = position(e.location);
          const t = position(e.end_location);
          if (!s.row || !s.column || !t.row || !t.column) return [];
          return [
            {
              file,
              startLine: s.row,
              startColumn: s.column,
              endLine: t.row,
              endColumn: t.column,
              text: str(e.content) ?? '',
            },
          ];
        });
        if (replacements.length > 0) finding.fix = { description: str(fix.message), replacements };
      }
      return finding;
    });
  },
};
