import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { lines, repoPath } from './parse-helpers.ts';

/** The `--format` string Orbit asks for: unambiguous fields, the message last (it may contain `|`). */
const FORMAT = '%(path)s|%(row)d|%(col)d|%(code)s|%(text)s';
const LINE = /^(.+?)\|(\d+)\|(\d+)\|([A-Z]+\d+)\|(.*)$/;

function levelOf(code: string): RawLevel {
  if (/^(E9|F63|F7|F82)/.test(code)) return 'error';
  if (code.startsWith('F')) return 'warning';
  return 'note';
}

export const flake8: ToolDescriptor = {
  name: 'flake8',
  title: 'Flake8',
  languages: ['python'],
  appliesTo: ['**/*.py'],
  informationUri: 'https://flake8.pycqa.org/',
  install: [{ kind: 'pip', package: 'flake8', version: '7.5.0' }],
  findExecutable: inVenv('flake8'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files }) => [`--format=${FORMAT}`, '--exit-zero', '--', ...files],
  ownConfigFiles: ['.flake8', 'setup.cfg', 'tox.ini'],
  findingExitCodes: [0],
  parse({ stdout, repoRoot }) {
    return lines(stdout).map((line): RawFinding => {
      const m = LINE.exec(line);
      if (!m) throw new ToolOutputError(`flake8 printed a line that is not a report line: ${line.slice(0, 200)}`);
      const [, file = '', row = '', col = '', code = '', text = ''] = m;
      return {
        ruleId: code,
        level: levelOf(code),
        message: text,
        file: repoPath(file, repoRoot),
        startLine: Number(row),
        startColumn: Number(col) || undefined,
      };
    });
  },
};
