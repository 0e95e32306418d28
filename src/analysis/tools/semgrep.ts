import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { isRecord, parseJson, positive, repoPath, str } from './parse-helpers.ts';

/** Orbit's own rules, shipped with it; copied into the scratch directory, which the sandbox can see. */
export const SEMGREP_RULES_DIR = fileURLToPath(new URL('./semgrep-rules/', import.meta.url));
const RULES = 'semgrep-rules';

const LEVELS: Record<string, RawLevel> = {
  CRITICAL: 'error',
  ERROR: 'error',
  HIGH: 'error',
  WARNING: 'warning',
  MEDIUM: 'warning',
  INFO: 'note',
  LOW: 'note',
};

/** Semgrep prefixes a rule id with the dotted directory of its rules file; Orbit's rules keep their own id. */
function ruleId(checkId: string): string {
  return checkId.replace(/^.*\.semgrep-rules\./, '');
}

export const semgrep: ToolDescriptor = {
  name: 'semgrep',
  title: 'Semgrep',
  languages: ['python', 'javascript', 'typescript'],
  appliesTo: ['**/*.{py,js,mjs,cjs,jsx,ts,mts,cts,tsx}'],
  informationUri: 'https://semgrep.dev/',
  // Its own venv: semgrep pins click and other packages that the shared venv's tools need newer.
  install: [{ kind: 'pip', package: 'semgrep', version: '1.179.0', venv: 'semgrep' }],
  findExecutable: inVenv('semgrep', 'semgrep'),
  version: { args: ['--version'], parse: firstVersion },
  prepare({ scratchDir }) {
    fs.cpSync(SEMGREP_RULES_DIR, path.join(scratchDir, RULES), { recursive: true });
  },
  argv: ({ files, scratchDir, ownConfig }) => [
    'scan',
    '--json',
    '--metrics=off',
    '--disable-version-check',
    '--quiet',
    '--config',
    path.join(scratchDir, RULES),
    ...(ownConfig ? ['--config', ownConfig] : []),
    '--',
    ...files,
  ],
  ownConfigFiles: ['.semgrep.yml', '.semgrep.yaml', '.semgrep'],
  // Without --error, findings do not change the exit code: anything but 0 is a failure of the scan.
  findingExitCodes: [0],
  env: { SEMGREP_ENABLE_VERSION_CHECK: '0', SEMGREP_SEND_METRICS: 'off' },
  memoryBytes: 8 * 1024 ** 3,
  parse({ stdout, repoRoot }) {
    const report = parseJson('semgrep', stdout);
    if (!isRecord(report) || !Array.isArray(report.results)) {
      throw new ToolOutputError('semgrep: the JSON report has no "results" array');
    }
    return report.results.filter(isRecord).map((r): RawFinding => {
      const extra = isRecord(r.extra) ? r.extra : {};
      const metadata = isRecord(extra.metadata) ? extra.metadata : {};
      const start = isRecord(r.start) ? r.start : {};
      const end = isRecord(r.end) ? r.end : {};
      const severity = str(extra.severity) ?? 'WARNING';
      const cwes = Array.isArray(metadata.cwe) ? metadata.cwe.filter((c): c is string => typeof c === 'string') : [];
      const id = ruleId(str(r.check_id) ?? 'semgrep');
      return {
        ruleId: id,
        level: LEVELS[severity] ?? 'warning',
        message: str(extra.message) ?? id,
        file: repoPath(str(r.path) ?? '', repoRoot),
        startLine: positive(start.line),
        startColumn: positive(start.col),
        endLine: positive(end.line),
        endColumn: positive(end.col),
        tags: cwes.flatMap((c) => {
          const n = /CWE-(\d+)/.exec(c)?.[1];
          return n ? [`external/cwe/cwe-${n}`] : [];
        }),
        properties: { toolSeverity: severity, category: str(metadata.category) },
      };
    });
  },
};
