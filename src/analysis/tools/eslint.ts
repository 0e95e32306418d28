import fs from 'node:fs';
import type { RawFinding, RawReplacement } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inNodeModules } from './find.ts';
import { isRecord, parseJson, positive, repoPath, str } from './parse-helpers.ts';

/** Used only when the repository has no flat config of its own: core rules that catch bugs, no plugins. */
const DEFAULT_CONFIG = `// Orbit's default ESLint config, used when the repository has none.
export default [
  {
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
    rules: {
      'no-unused-vars': 'warn',
      'no-dupe-keys': 'error',
      'no-unreachable': 'error',
      'no-debugger': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      eqeqeq: 'error',
    },
  },
];
`;

/** ESLint fixes are character offsets; SARIF wants lines and columns of the source. */
function offsetToPosition(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function fixOf(message: Record<string, unknown>, file: string, absolute: string): RawReplacement[] {
  const fix = message.fix;
  if (!isRecord(fix) || !Array.isArray(fix.range) || fix.range.length !== 2) return [];
  const [from, to] = fix.range;
  if (typeof from !== 'number' || typeof to !== 'number') return [];
  let source: string;
  try {
    source = fs.readFileSync(absolute, 'utf8');
  } catch {
    return [];
  }
  const start = offsetToPosition(source, from);
  const end = offsetToPosition(source, to);
  return [
    {
      file,
      startLine: start.line,
      startColumn: start.column,
      endLine: end.line,
      endColumn: end.column,
      text: str(fix.text) ?? '',
    },
  ];
}

export const eslint: ToolDescriptor = {
  name: 'eslint',
  title: 'ESLint',
  languages: ['javascript'],
  appliesTo: ['**/*.{js,mjs,cjs,jsx}'],
  informationUri: 'https://eslint.org/',
  install: [{ kind: 'npm', package: 'eslint', version: '10.15.0' }],
  findExecutable: inNodeModules('eslint'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files, configFile }) => [
    '--format',
    'json',
    '--no-warn-ignored',
    '--no-error-on-unmatched-pattern',
    ...(configFile ? ['--config', configFile] : []),
    '--',
    ...files,
  ],
  ownConfigFiles: [
    'eslint.config.js',
    'eslint.config.mjs',
    'eslint.config.cjs',
    'eslint.config.ts',
    'eslint.config.mts',
    'eslint.config.cts',
  ],
  defaultConfig: { fileName: 'eslint.config.mjs', content: DEFAULT_CONFIG },
  // 1: lint errors were found.
  findingExitCodes: [0, 1],
  memoryBytes: 8 * 1024 ** 3,
  parse({ stdout, repoRoot }) {
    const report = parseJson('eslint', stdout);
    if (!Array.isArray(report)) throw new ToolOutputError('eslint: the JSON report is not an array');
    return report.filter(isRecord).flatMap((result) => {
      const absolute = str(result.filePath) ?? '';
      const file = repoPath(absolute, repoRoot);
      const messages = Array.isArray(result.messages) ? result.messages.filter(isRecord) : [];
      return messages.map((m): RawFinding => {
        const ruleId = str(m.ruleId) ?? 'eslint/parse-error';
        const finding: RawFinding = {
          ruleId,
          level: m.severity === 2 || m.fatal === true ? 'error' : 'warning',
          message: str(m.message) ?? ruleId,
          file,
          startLine: positive(m.line),
          startColumn: positive(m.column),
          endLine: positive(m.endLine),
          endColumn: positive(m.endColumn),
          ...(str(m.ruleId) ? { helpUri: `https://eslint.org/docs/latest/rules/${str(m.ruleId)}` } : {}),
        };
        const replacements = fixOf(m, file, absolute);
        if (replacements.length > 0) finding.fix = { replacements };
        return finding;
      });
    });
  },
};
