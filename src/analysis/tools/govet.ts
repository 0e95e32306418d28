import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { findGo, goPackages, goRuntime } from './go-env.ts';
import { isRecord, repoPath, str } from './parse-helpers.ts';

/** `go vet -json` prints a stream of JSON objects between `# package` lines, not one document. */
export function jsonObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}

/** `file:line:col` → its parts (the file may itself contain colons). */
function position(posn: string): { file: string; line?: number; column?: number } {
  const m = /^(.*):(\d+):(\d+)$/.exec(posn) ?? /^(.*):(\d+)$/.exec(posn);
  if (!m) return { file: posn };
  return { file: m[1] as string, line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined };
}

export const govet: ToolDescriptor = {
  name: 'govet',
  title: 'go vet',
  languages: ['go'],
  appliesTo: ['**/*.go'],
  informationUri: 'https://pkg.go.dev/cmd/vet',
  install: [{ kind: 'apt', package: 'golang-go' }],
  findExecutable: findGo,
  version: { args: ['version'], parse: (out) => /go version go(\S+)/.exec(out)?.[1] },
  extraReadOnly: () => goRuntime().readOnly,
  argv: (ctx) => ['vet', '-json', ...goPackages(ctx)],
  ownConfigFiles: [],
  // With -json, diagnostics do not change the exit code; 1 means a package did not build (reported then).
  findingExitCodes: [0],
  env: goRuntime().env,
  parse({ stdout, stderr, exitCode, repoRoot }) {
    const text = `${stdout}\n${stderr}`;
    let objects: unknown[];
    try {
      objects = jsonObjects(text);
    } catch (err) {
      throw new ToolOutputError(`go vet printed broken JSON: ${(err as Error).message}`);
    }
    const stray = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    if (objects.length === 0 && stray.length > 0 && !stray.every((l) => /^[\s{}[\]",:]/.test(l))) {
      throw new ToolOutputError(`go vet printed no JSON report: ${stray.slice(0, 3).join(' ').slice(0, 200)}`);
    }
    if (exitCode !== 0 && objects.length === 0) {
      throw new ToolOutputError(`go vet could not load the packages: ${text.trim().split('\n').slice(-5).join(' ')}`);
    }
    const findings: RawFinding[] = [];
    for (const byPackage of objects.filter(isRecord)) {
      for (const byAnalyzer of Object.values(byPackage).filter(isRecord)) {
        for (const [analyzer, diagnostics] of Object.entries(byAnalyzer)) {
          if (!Array.isArray(diagnostics)) continue;
          for (const d of diagnostics.filter(isRecord)) {
            const at = position(str(d.posn) ?? '');
            const end = d.end ? position(str(d.end) ?? '') : undefined;
            findings.push({
              ruleId: `govet/${analyzer}`,
              level: 'warning',
              message: str(d.message) ?? analyzer,
              file: repoPath(at.file, repoRoot),
              startLine: at.line,
              startColumn: at.column,
              endLine: end?.line,
              endColumn: end?.column,
              helpUri: `https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/${analyzer}`,
            });
          }
        }
      }
    }
    return findings;
  },
};
