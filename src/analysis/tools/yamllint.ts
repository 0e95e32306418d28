import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { lines, positive, repoPath } from './parse-helpers.ts';

/** `-f parsable`: FILE:LINE:COL: [LEVEL] MESSAGE (RULE); syntax errors carry no rule. */
const LINE = /^(.+?):(\d+):(\d+): \[(error|warning)\] (.*?)(?: \(([a-z-]+)\))?$/;

export const yamllint: ToolDescriptor = {
  name: 'yamllint',
  title: 'yamllint',
  languages: ['yaml'],
  appliesTo: ['**/*.{yml,yaml}', '**/.yamllint'],
  informationUri: 'https://yamllint.readthedocs.io/',
  install: [{ kind: 'pip', package: 'yamllint', version: '1.38.0' }],
  findExecutable: inVenv('yamllint'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files }) => ['-f', 'parsable', '--', ...files],
  ownConfigFiles: ['.yamllint', '.yamllint.yaml', '.yamllint.yml'],
  findingExitCodes: [0, 1],
  parse({ stdout, repoRoot }) {
    return lines(stdout).map((line): RawFinding => {
      const m = LINE.exec(line);
      if (!m) throw new ToolOutputError(`yamllint printed a line that is not a report line: ${line.slice(0, 200)}`);
      const [, file = '', row = '', col = '', level = '', message = '', rule] = m;
      return {
        ruleId: `yamllint/${rule ?? 'syntax'}`,
        level: level === 'error' ? 'error' : 'warning',
        message,
        file: repoPath(file, repoRoot),
        startLine: positive(Number(row)),
        startColumn: positive(Number(col)),
      };
    });
  },
};
