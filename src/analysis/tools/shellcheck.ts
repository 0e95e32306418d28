import type { RawFinding, RawLevel, RawReplacement } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, onSystemPath } from './find.ts';
import { isRecord, parseJson, positive, repoPath, str } from './parse-helpers.ts';

const LEVELS: Record<string, RawLevel> = { error: 'error', warning: 'warning', info: 'note', style: 'note' };

function replacements(fix: unknown, file: string): RawReplacement[] {
  if (!isRecord(fix) || !Array.isArray(fix.replacements)) return [];
  return fix.replacements.filter(isRecord).flatMap((r) => {
    const startLine = positive(r.line);
    const endLine = positive(r.endLine);
    const startColumn = positive(r.column);
    const endColumn = positive(r.endColumn);
    if (!startLine || !endLine || !startColumn || !endColumn) return [];
    return [{ file, startLine, startColumn, endLine, endColumn, text: str(r.replacement) ?? '' }];
  });
}

export const shellcheck: ToolDescriptor = {
  name: 'shellcheck',
  title: 'ShellCheck',
  languages: ['shell'],
  appliesTo: ['**/*.{sh,bash,ksh,dash}', '**/.bashrc', '**/.profile'],
  shebang: /^#!\s*(?:\/usr)?\/bin\/(?:env\s+)?(?:ba|da|k)?sh\b/,
  informationUri: 'https://www.shellcheck.net/',
  install: [{ kind: 'apt', package: 'shellcheck' }],
  findExecutable: onSystemPath('shellcheck'),
  version: { args: ['--version'], parse: (out) => /version: (\S+)/.exec(out)?.[1] ?? firstVersion(out) },
  argv: ({ files }) => ['-f', 'json1', '--', ...files],
  ownConfigFiles: ['.shellcheckrc'],
  // 2: some files could not be processed; the report still lists the others.
  findingExitCodes: [0, 1, 2],
  parse({ stdout, repoRoot }) {
    const report = parseJson('shellcheck', stdout);
    if (!isRecord(report) || !Array.isArray(report.comments)) {
      throw new ToolOutputError('shellcheck: the json1 report has no "comments" array');
    }
    return report.comments.filter(isRecord).map((c): RawFinding => {
      const code = typeof c.code === 'number' ? c.code : 0;
      const level = str(c.level) ?? 'warning';
      const file = repoPath(str(c.file) ?? '', repoRoot);
      const finding: RawFinding = {
        ruleId: `SC${code}`,
        level: LEVELS[level] ?? 'warning',
        message: str(c.message) ?? `SC${code}`,
        file,
        startLine: positive(c.line),
        startColumn: positive(c.column),
        endLine: positive(c.endLine),
        endColumn: positive(c.endColumn),
        helpUri: `https://www.shellcheck.net/wiki/SC${code}`,
        properties: { toolSeverity: level },
      };
      const fixes = replacements(c.fix, file);
      // An empty fix makes GitHub reject the whole upload: only emit one with replacements.
      if (fixes.length > 0) finding.fix = { replacements: fixes };
      return finding;
    });
  },
};
