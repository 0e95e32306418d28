import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { isRecord, lines, oneBased, positive, repoPath, str } from './parse-helpers.ts';
import { findRepoPythonEnv } from './python-env.ts';

function parseLine(line: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (isRecord(value)) return value;
  } catch {}
  throw new ToolOutputError(`mypy printed a line that is not a JSON diagnostic: ${line.slice(0, 200)}`);
}

function pythonEnvArgs(repoRoot: string): string[] {
  const own = findRepoPythonEnv(repoRoot);
  return own ? ['--python-executable', own.python] : ['--ignore-missing-imports'];
}

export const mypy: ToolDescriptor = {
  name: 'mypy',
  title: 'mypy',
  languages: ['python'],
  appliesTo: ['**/*.py', '**/*.pyi'],
  informationUri: 'https://mypy.readthedocs.io/',
  install: [{ kind: 'pip', package: 'mypy', version: '2.4.1' }],
  findExecutable: inVenv('mypy'),
  version: { args: ['--version'], parse: (out) => /mypy (\S+)/.exec(out)?.[1] ?? firstVersion(out) },
  // With the repository's own virtual environment, imports are checked against its packages; without one they
  // cannot be resolved, so missing imports are ignored rather than flooding the report.
  extraReadOnly: ({ repoRoot }) => {
    const own = findRepoPythonEnv(repoRoot);
    return own && own.base !== '/usr' ? [own.base] : [];
  },
  argv: ({ files, scratchDir, repoRoot }) => [
    '--output',
    'json',
    ...pythonEnvArgs(repoRoot),
    '--no-error-summary',
    '--cache-dir',
    `${scratchDir}/mypy-cache`,
    '--',
    ...files,
  ],
  ownConfigFiles: ['mypy.ini', '.mypy.ini', 'pyproject.toml', 'setup.cfg'],
  findingExitCodes: [0, 1],
  parse({ stdout, repoRoot }) {
    const findings: RawFinding[] = [];
    for (const line of lines(stdout)) {
      const d = parseLine(line);
      const file = repoPath(str(d.file) ?? '', repoRoot);
      const startLine = positive(d.line);
      const message = str(d.message) ?? '';
      const previous = findings.at(-1);
      // A note right after an error on the same line explains that error: fold it in rather than count it twice.
      if (d.severity === 'note' && previous && previous.file === file && previous.startLine === startLine) {
        previous.message = `${previous.message}\n${message}`;
        continue;
      }
      const code = str(d.code) ?? 'misc';
      findings.push({
        ruleId: `mypy/${code}`,
        level: d.severity === 'error' ? 'error' : 'note',
        message: str(d.hint) ? `${message}\n${str(d.hint)}` : message,
        file,
        startLine,
        startColumn: oneBased(d.column),
        endLine: positive(d.end_line),
        endColumn: oneBased(d.end_column),
      });
    }
    return findings;
  },
};
