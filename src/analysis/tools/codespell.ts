import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { lines, repoPath, sourceLine } from './parse-helpers.ts';

const LINE = /^(.+?):(\d+): (.+?) ==> (.+)$/;

export const codespell: ToolDescriptor = {
  name: 'codespell',
  title: 'codespell',
  languages: ['any'],
  appliesTo: [
    '**/*.{py,js,mjs,cjs,jsx,ts,tsx,sh,bash,rb,go,rs,java,c,h,cpp,hpp,md,rst,txt,yml,yaml,toml,json,html,css}',
  ],
  informationUri: 'https://github.com/codespell-project/codespell',
  install: [{ kind: 'pip', package: 'codespell', version: '2.4.3' }],
  findExecutable: inVenv('codespell'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files }) => ['--', ...files],
  ownConfigFiles: ['.codespellrc', 'setup.cfg', 'pyproject.toml'],
  // 65: misspellings found.
  findingExitCodes: [0, 65],
  parse({ stdout, repoRoot }) {
    // Repeated misspellings on one line are printed as repeated lines; each gets the next occurrence's column.
    const seen = new Map<string, number>();
    return lines(stdout).map((line): RawFinding => {
      const m = LINE.exec(line);
      if (!m) throw new ToolOutputError(`codespell printed a line that is not a report line: ${line.slice(0, 200)}`);
      const [, rawFile = '', row = '', wrong = '', suggestions = ''] = m;
      const file = repoPath(rawFile, repoRoot);
      const startLine = Number(row);
      const key = `${file}:${startLine}:${wrong}`;
      const text = sourceLine(repoRoot, file, startLine);
      const index = text?.indexOf(wrong, seen.get(key) ?? 0) ?? -1;
      if (index >= 0) seen.set(key, index + wrong.length);
      const choices = suggestions
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const finding: RawFinding = {
        ruleId: 'codespell/misspelling',
        level: 'note',
        message: `"${wrong}" is a misspelling of ${choices.map((c) => `"${c}"`).join(' or ')}.`,
        file,
        startLine,
        properties: { word: wrong, suggestions: choices },
      };
      if (index >= 0) {
        finding.startColumn = index + 1;
        finding.endColumn = index + 1 + wrong.length;
        if (choices.length === 1 && choices[0]) {
          finding.fix = {
            description: `Replace with "${choices[0]}"`,
            replacements: [
              {
                file,
                startLine,
                startColumn: index + 1,
                endLine: startLine,
                endColumn: index + 1 + wrong.length,
                text: choices[0],
              },
            ],
          };
        }
      }
      return finding;
    });
  },
};
