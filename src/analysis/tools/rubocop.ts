import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, onSystemPath } from './find.ts';
import { isRecord, parseJson, positive, repoPath, str } from './parse-helpers.ts';

const LEVELS: Record<string, RawLevel> = {
  fatal: 'error',
  error: 'error',
  warning: 'warning',
  convention: 'note',
  refactor: 'note',
  info: 'note',
};

export const rubocop: ToolDescriptor = {
  name: 'rubocop',
  title: 'RuboCop',
  languages: ['ruby'],
  appliesTo: ['**/*.{rb,rake,gemspec,ru}', '**/Gemfile', '**/Rakefile'],
  shebang: /^#!.*\bruby\b/,
  informationUri: 'https://docs.rubocop.org/',
  install: [{ kind: 'apt', package: 'rubocop' }],
  findExecutable: onSystemPath('rubocop'),
  version: { args: ['--version'], parse: firstVersion },
  // --force-exclusion: the repository's own Exclude applies to the files Orbit passes, as to a plain `rubocop`.
  argv: ({ files }) => ['--format', 'json', '--cache', 'false', '--force-exclusion', '--', ...files],
  ownConfigFiles: ['.rubocop.yml'],
  findingExitCodes: [0, 1],
  parse({ stdout, repoRoot }) {
    const report = parseJson('rubocop', stdout);
    if (!isRecord(report) || !Array.isArray(report.files)) {
      throw new ToolOutputError('rubocop: the JSON report has no "files" array');
    }
    return report.files.filter(isRecord).flatMap((f) => {
      const file = repoPath(str(f.path) ?? '', repoRoot);
      const offenses = Array.isArray(f.offenses) ? f.offenses.filter(isRecord) : [];
      return offenses.map((o): RawFinding => {
        const cop = str(o.cop_name) ?? 'rubocop';
        const at = isRecord(o.location) ? o.location : {};
        const lastColumn = positive(at.last_column);
        return {
          ruleId: cop,
          level: LEVELS[str(o.severity) ?? ''] ?? 'warning',
          message: str(o.message) ?? cop,
          file,
          startLine: positive(at.start_line) ?? positive(at.line),
          startColumn: positive(at.start_column) ?? positive(at.column),
          endLine: positive(at.last_line),
          endColumn: lastColumn === undefined ? undefined : lastColumn + 1,
          helpUri: `https://docs.rubocop.org/rubocop/cops_${(cop.split('/')[0] ?? '').toLowerCase()}.html`,
          tags: cop.startsWith('Security/') ? ['security'] : undefined,
          properties: { toolSeverity: str(o.severity), fixable: o.correctable === true },
        };
      });
    });
  },
};
