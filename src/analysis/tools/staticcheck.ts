import type { RawFinding, RawLevel } from '../sarif/types.ts';
import type { ToolDescriptor } from './descriptor.ts';
import { ToolOutputError } from './descriptor.ts';
import { inGoBin } from './find.ts';
import { goPackages, goRuntime } from './go-env.ts';
import { isRecord, lines, positive, repoPath, str } from './parse-helpers.ts';

/** SA: likely bugs; S (simple), ST (style), QF (quick fixes): suggestions. */
function levelOf(code: string, severity: string | undefined): RawLevel {
  if (severity === 'ignored') return 'none';
  if (code.startsWith('SA')) return 'error';
  if (code.startsWith('S') || code.startsWith('QF')) return 'note';
  return 'warning';
}

export const staticcheck: ToolDescriptor = {
  name: 'staticcheck',
  title: 'Staticcheck',
  languages: ['go'],
  appliesTo: ['**/*.go'],
  informationUri: 'https://staticcheck.dev/',
  install: [{ kind: 'go', module: 'honnef.co/go/tools/cmd/staticcheck', version: 'v0.8.2' }],
  findExecutable: inGoBin('staticcheck'),
  version: {
    args: [],
    command: (executable) => ({ command: 'go', args: ['version', '-m', executable] }),
    parse: (out) => /\bmod\s+\S+\s+v(\d[^\s]*)/.exec(out)?.[1],
  },
  extraReadOnly: () => goRuntime().readOnly,
  argv: (ctx) => ['-f', 'json', ...goPackages(ctx)],
  ownConfigFiles: ['staticcheck.conf'],
  findingExitCodes: [0, 1],
  env: goRuntime().env,
  parse({ stdout, repoRoot, exitCode, stderr }) {
    const out: RawFinding[] = [];
    for (const line of lines(stdout)) {
      let d: unknown;
      try {
        d = JSON.parse(line);
      } catch {
        throw new ToolOutputError(`staticcheck printed a line that is not JSON: ${line.slice(0, 200)}`);
      }
      if (!isRecord(d)) continue;
      const code = str(d.code) ?? 'staticcheck';
      const at = isRecord(d.location) ? d.location : {};
      const end = isRecord(d.end) ? d.end : {};
      // "compile" diagnostics mean a package did not type-check: the analysis of it is incomplete.
      if (code === 'compile') {
        throw new ToolOutputError(`staticcheck could not type-check the code: ${str(d.message) ?? ''}`);
      }
      out.push({
        ruleId: code,
        level: levelOf(code, str(d.severity)),
        message: str(d.message) ?? code,
        file: repoPath(str(at.file) ?? '', repoRoot),
        startLine: positive(at.line),
        startColumn: positive(at.column),
        endLine: positive(end.line),
        endColumn: positive(end.column),
        helpUri: `https://staticcheck.dev/docs/checks/#${code}`,
      });
    }
    if (exitCode !== 0 && out.length === 0) {
      throw new ToolOutputError(`staticcheck failed: ${stderr.trim().split('\n').slice(-5).join(' ')}`);
    }
    return out;
  },
};
