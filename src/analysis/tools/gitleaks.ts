import fs from 'node:fs';
import path from 'node:path';
import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { inGoBin } from './find.ts';
import { isRecord, parseJson, positive, repoPath, str } from './parse-helpers.ts';

/** `gitleaks dir` takes one path: the file set is laid out as links under the scratch directory and followed. */
const TREE = 'gitleaks-files';

export const gitleaks: ToolDescriptor = {
  name: 'gitleaks',
  title: 'Gitleaks',
  languages: ['any'],
  appliesTo: ['**'],
  informationUri: 'https://github.com/gitleaks/gitleaks',
  install: [{ kind: 'go', module: 'github.com/zricethezav/gitleaks/v8', version: 'v8.30.1' }],
  findExecutable: inGoBin('gitleaks'),
  version: {
    args: [],
    // `go install` builds do not know their version; the module version is in the binary's build info.
    command: (executable) => ({ command: 'go', args: ['version', '-m', executable] }),
    parse: (out) => /\bmod\s+\S+\s+v(\d[^\s]*)/.exec(out)?.[1],
  },
  prepare({ files, repoRoot, scratchDir }) {
    for (const file of files) {
      const link = path.join(scratchDir, TREE, file);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(repoRoot, file), link);
    }
  },
  argv: ({ scratchDir, ownConfig }) => [
    'dir',
    path.join(scratchDir, TREE),
    '--follow-symlinks',
    '--report-format',
    'json',
    '--report-path',
    '-',
    '--no-banner',
    '--redact',
    '--exit-code',
    '0',
    '--log-level',
    'error',
    ...(ownConfig ? ['--config', ownConfig] : []),
  ],
  ownConfigFiles: ['.gitleaks.toml'],
  findingExitCodes: [0],
  parse({ stdout, repoRoot }) {
    const report = parseJson('gitleaks', stdout);
    if (!Array.isArray(report)) throw new ToolOutputError('gitleaks: the JSON report is not an array');
    return report.filter(isRecord).map((leak): RawFinding => {
      const rule = str(leak.RuleID) ?? 'secret';
      return {
        ruleId: rule,
        level: 'error',
        // The secret itself never leaves the tool: --redact, and the message names only the rule.
        message: str(leak.Description) ?? `A secret matching rule ${rule}`,
        file: repoPath(str(leak.File) ?? '', repoRoot),
        startLine: positive(leak.StartLine),
        startColumn: positive(leak.StartColumn),
        endLine: positive(leak.EndLine),
        tags: ['security', 'secret'],
        securitySeverity: 9.0,
        properties: { entropy: leak.Entropy },
      };
    });
  },
};
