import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { lines, repoPath } from './parse-helpers.ts';

const WOULD_REFORMAT = /^would reformat (.+)$/;
const CANNOT_FORMAT = /^error: cannot format (.+?): (.*)$/;
/** Summary and decoration lines Black prints around the per-file lines. */
const CHATTER = /^(Oh no!|All done!|\d+ files? would|\d+ files? (?:would be )?(?:left unchanged|reformatted|failed))/;

export const black: ToolDescriptor = {
  name: 'black',
  title: 'Black',
  languages: ['python'],
  appliesTo: ['**/*.py', '**/*.pyi'],
  informationUri: 'https://black.readthedocs.io/',
  install: [{ kind: 'pip', package: 'black', version: '26.10.1' }],
  findExecutable: inVenv('black'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files }) => ['--check', '--no-color', '--', ...files],
  ownConfigFiles: ['pyproject.toml'],
  // 123: a file could not be parsed; it is reported as a finding of that file.
  findingExitCodes: [0, 1, 123],
  parse({ stderr, repoRoot }) {
    const findings: RawFinding[] = [];
    for (const line of lines(stderr)) {
      const reformat = WOULD_REFORMAT.exec(line);
      const failed = CANNOT_FORMAT.exec(line);
      if (reformat?.[1]) {
        findings.push({
          ruleId: 'black/format',
          level: 'note',
          message: 'Black would reformat this file.',
          file: repoPath(reformat[1], repoRoot),
        });
      } else if (failed?.[1]) {
        findings.push({
          ruleId: 'black/parse-error',
          level: 'error',
          message: `Black cannot format this file: ${failed[2]}`,
          file: repoPath(failed[1], repoRoot),
        });
      } else if (!CHATTER.test(line)) {
        throw new ToolOutputError(`black printed a line that is not part of its report: ${line.slice(0, 200)}`);
      }
    }
    return findings;
  },
};
