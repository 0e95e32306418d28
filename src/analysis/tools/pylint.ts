import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { isRecord, oneBased, parseJson, positive, repoPath, str } from './parse-helpers.ts';
import { findRepoPythonEnv } from './python-env.ts';

const LEVELS: Record<string, RawLevel> = {
  fatal: 'error',
  error: 'error',
  warning: 'warning',
  refactor: 'note',
  convention: 'note',
  info: 'note',
};

function importArgs(repoRoot: string): string[] {
  const own = findRepoPythonEnv(repoRoot);
  return own
    ? [`--init-hook=import sys; sys.path.append(${JSON.stringify(own.sitePackages)})`]
    : ['--disable=import-error'];
}

export const pylint: ToolDescriptor = {
  name: 'pylint',
  title: 'Pylint',
  languages: ['python'],
  appliesTo: ['**/*.py'],
  informationUri: 'https://pylint.readthedocs.io/',
  install: [{ kind: 'pip', package: 'pylint', version: '4.1.4' }],
  findExecutable: inVenv('pylint'),
  version: { args: ['--version'], parse: (out) => /pylint (\S+)/.exec(out)?.[1] ?? firstVersion(out) },
  // With the repository's own virtual environment its packages join the import path and import errors are real;
  // without one every third-party import would be an error, so import-error is off.
  argv: ({ files, repoRoot }) => [
    '--output-format=json2',
    '--exit-zero',
    '--persistent=n',
    ...importArgs(repoRoot),
    '--',
    ...files,
  ],
  ownConfigFiles: ['pylintrc', '.pylintrc', 'pyproject.toml', 'setup.cfg', 'tox.ini'],
  findingExitCodes: [0],
  parse({ stdout, repoRoot }) {
    const report = parseJson('pylint', stdout);
    if (!isRecord(report) || !Array.isArray(report.messages)) {
      throw new ToolOutputError('pylint: the json2 report has no "messages" array');
    }
    return report.messages.filter(isRecord).map((m): RawFinding => {
      const symbol = str(m.symbol) ?? str(m.messageId) ?? 'unknown';
      const type = str(m.type) ?? 'warning';
      return {
        ruleId: symbol,
        level: LEVELS[type] ?? 'warning',
        message: str(m.message) ?? symbol,
        file: repoPath(str(m.path) ?? str(m.absolutePath) ?? '', repoRoot),
        startLine: positive(m.line),
        startColumn: oneBased(m.column),
        endLine: positive(m.endLine),
        endColumn: oneBased(m.endColumn),
        properties: { messageId: str(m.messageId), toolSeverity: type, confidence: str(m.confidence) },
      };
    });
  },
};
