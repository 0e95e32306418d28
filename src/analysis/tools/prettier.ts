import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inNodeModules } from './find.ts';
import { lines, repoPath } from './parse-helpers.ts';

/** `[error] FILE: SyntaxError: MESSAGE (LINE:COL)` — a file Prettier could not parse. */
const SYNTAX_ERROR = /^\[error\] (.+?): (SyntaxError: .*?)(?: \((\d+):(\d+)\))?$/;

/** The code frame Prettier prints under a syntax error: `[error]   1 | …`, `[error] > 2 | …`. */
const CODE_FRAME = /^\[error\]\s+(?:>\s*)?(?:\d+\s*)?\|/;

export const prettier: ToolDescriptor = {
  name: 'prettier',
  title: 'Prettier',
  languages: ['javascript', 'typescript', 'css', 'json', 'html'],
  appliesTo: ['**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx,json,css,scss,less,html,vue,graphql}'],
  informationUri: 'https://prettier.io/',
  install: [{ kind: 'npm', package: 'prettier', version: '3.10.1' }],
  findExecutable: inNodeModules('prettier'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files }) => ['--list-different', '--ignore-unknown', '--no-error-on-unmatched-pattern', '--', ...files],
  ownConfigFiles: [
    '.prettierrc',
    '.prettierrc.json',
    '.prettierrc.yaml',
    '.prettierrc.yml',
    '.prettierrc.json5',
    '.prettierrc.js',
    '.prettierrc.mjs',
    '.prettierrc.cjs',
    '.prettierrc.toml',
    'prettier.config.js',
    'prettier.config.mjs',
    'prettier.config.cjs',
    'package.json',
  ],
  // 1: files are not formatted; 2: a file could not be parsed (a finding) or a bad option (the parser refuses it).
  findingExitCodes: [0, 1, 2],
  memoryBytes: 8 * 1024 ** 3,
  parse({ stdout, stderr, repoRoot, files }) {
    const given = new Set(files);
    const findings: RawFinding[] = lines(stdout).map((line) => {
      const file = repoPath(line.trim(), repoRoot);
      if (!given.has(file)) throw new ToolOutputError(`prettier listed a file it was not given: ${line.slice(0, 200)}`);
      return { ruleId: 'prettier/format', level: 'note', message: 'Prettier would reformat this file.', file };
    });
    for (const line of lines(stderr)) {
      const m = SYNTAX_ERROR.exec(line);
      if (m?.[1]) {
        findings.push({
          ruleId: 'prettier/syntax-error',
          level: 'error',
          message: m[2] ?? 'SyntaxError',
          file: repoPath(m[1], repoRoot),
          ...(m[3] ? { startLine: Number(m[3]), startColumn: Number(m[4]) || undefined } : {}),
        });
      } else if (line.startsWith('[error]') && !CODE_FRAME.test(line)) {
        // Any other [error] line (a bad option, a crash) means the report above is not to be trusted.
        throw new ToolOutputError(`prettier: ${line.slice(0, 300)}`);
      }
    }
    return findings;
  },
};
